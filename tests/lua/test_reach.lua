-- whiteout.reach and whiteout.persist: the selection rules, cron places,
-- path mapping and the log-line matcher, over hand-made containers.
local t = require "testlib"
local reach = require "whiteout.reach"
local persist = require "whiteout.persist"

local function bind(src, dst, rw)
  return { type = "bind", source = src, destination = dst, rw = rw }
end

-- the cases a responder meets, and what each one gives
local cases = {
  { "host root", { mounts = { bind("/", "/host", true) } },
    { "binds the host's / at /host (read-write)" } },
  { "etc read-only", { mounts = { bind("/etc/", "/h/etc", false) } },
    { "binds host /etc at /h/etc (read-only), reaching /etc/crontab "
      .. "/etc/anacrontab /etc/cron.d and 7 more cron places" } },
  { "inside a cron dir", { binds = { "/var/spool/cron/crontabs:/c:ro" } },
    { "binds host /var/spool/cron/crontabs at /c (read-only), reaching "
      .. "/var/spool/cron" } },
  { "var/spool", { mounts = { bind("/var/spool", "/s", true) } },
    { "binds host /var/spool at /s (read-write), reaching /var/spool/cron" } },
  { "harmless bind", { mounts = { bind("/srv/www", "/www", true) } }, {} },
  { "volume", { mounts = { { type = "volume", name = "data",
      source = "/var/lib/docker/volumes/data/_data", destination = "/etc",
      rw = true } } }, {} },
  { "socket", { mounts = { bind("/var/run/docker.sock",
      "/var/run/docker.sock", true) } },
    { "mounts the Docker socket (host /var/run/docker.sock at "
      .. "/var/run/docker.sock (read-write))" } },
  { "privileged", { privileged = true }, { "privileged" } },
  { "caps", { cap_add = { "NET_ADMIN", "CAP_SYS_ADMIN", "all" } },
    { "adds capability SYS_ADMIN", "adds capability ALL" } },
  { "devices", { devices = { { path_on_host = "/dev/sda" }, "/dev/kmsg" } },
    { "host devices /dev/sda /dev/kmsg" } },
  { "pid host", { pid_mode = "host" }, { "shares the host's pid namespace" } },
  { "plain", { privileged = false, cap_add = {}, pid_mode = "" }, {} },
}
for _, c in ipairs(cases) do
  t.eq("reasons: " .. c[1], reach.reasons(c[2]), c[3])
end
t.eq("bind string not repeated when in mounts", #reach.reasons({
  mounts = { bind("/", "/host", true) }, binds = { "/:/host" } }), 1)
t.eq("hostile fields do not stop the rules", reach.reasons({
  mounts = { { type = "bind", source = "/", destination = 5 }, 7,
    { type = "bind", source = {} } }, binds = "x", cap_add = { {} },
  devices = { 3 } }), { "binds the host's / at / (read-write)" })
t.raises("reasons: bad argument", function() reach.reasons("x") end,
  "must be a table")

-- path mapping: host paths below a bind to the container's paths
t.eq("map root bind", reach.to_container("/etc/cron.d/x", "/", "/host"),
  "/host/etc/cron.d/x")
t.eq("map etc bind", reach.to_container("/etc/cron.d/x", "/etc", "/h/etc"),
  "/h/etc/cron.d/x")
t.eq("map bind at /", reach.to_container("/etc/crontab", "/etc", "/"),
  "/crontab")
t.eq("map outside", reach.to_container("/etcx/a", "/etc", "/h"), nil)
t.eq("map source itself", reach.to_container("/etc", "/etc/", "/h/"), "/h")
t.eq("norm", reach.norm("//etc/./cron.d//"), "/etc/cron.d")
t.eq("norm dotdot", reach.norm("/srv/../../etc/x/.."), "/etc")
t.eq("dotdot cannot hide /etc", reach.reasons({ binds = {
  "/srv/../etc:/e" } }), { "binds host /etc at /e (read-write), reaching "
    .. "/etc/crontab /etc/anacrontab /etc/cron.d and 7 more cron places" })
t.eq("dotdot cannot hide /", reach.reasons({ mounts = { bind("/a/..",
  "/h", false) } }), { "binds the host's / at /h (read-only)" })
t.raises("norm: bad argument", function() reach.norm(nil) end, "string")
local cb = reach.cron_binds({ mounts = { bind("/", "/host", true),
  bind("/srv", "/srv", true) } })
t.eq("cron binds", { #cb, cb[1].source, cb[1].destination, cb[1].rw },
  { 1, "/", "/host", true })

-- cron places, and what is not one
local cron = { "/etc/crontab", "/etc/cron.d/backdoor", "/etc/cron.daily/x",
  "/etc/crontabs/root", "/var/spool/cron/crontabs/root",
  "/var/spool/cron/root", "/etc/anacrontab", "/etc/periodic/15min/x" }
for _, p in ipairs(cron) do t.eq("cron: " .. p, persist.is_cron(p), true) end
local notcron = { "/etc/cron.d", "/etc/cron.d/a/b", "/var/spool/mail/root",
  "/etc/crontab.bak/x", "/var/spool/cron", "/etc/cron.dx/y", "/crontab" }
for _, p in ipairs(notcron) do
  t.eq("not cron: " .. p, persist.is_cron(p), false)
end
t.eq("kind timer", persist.kind("/etc/systemd/system/x.timer"), "timer")
t.eq("kind wanted timer",
  persist.kind("/etc/systemd/system/timers.target.wants/x.timer"), "timer")
t.eq("kind unit", persist.kind("/etc/systemd/system/x.service"), "systemd")
t.eq("kind profile", persist.kind("/etc/profile.d/z.sh"), "profile")
t.eq("kind bashrc", persist.kind("/root/.bashrc"), "profile")
t.eq("kind rc.local", persist.kind("/etc/rc.local"), "rc")
t.eq("kind preload", persist.kind("/etc/ld.so.preload"), "preload")
t.eq("kind keys", persist.kind("/root/.ssh/authorized_keys"), "ssh")
t.eq("kind keys copy", persist.kind("/root/authorized_keys.bak"),
  "ssh-copy")
t.eq("kind keys2", persist.kind("/home/a/.ssh/authorized_keys2"), "ssh")
t.eq("kind none", persist.kind("/etc/passwd"), nil)
t.eq("schedule", { persist.is_schedule("/etc/cron.d/a"),
  persist.is_schedule("/lib/systemd/system/a.timer"),
  persist.is_schedule("/etc/profile") }, { true, true, false })
t.eq("setid", { persist.is_setid(0x9ed), persist.is_setid(0x5ed),
  persist.is_setid(0x1ed), persist.is_setid(nil) },
  { true, true, false, false })

-- log lines
local hits = { "echo '* * * * * x' >> /etc/crontab",
  "cp x /host/etc/cron.d/", "ls /var/spool/cron/crontabs", "crond -f",
  "systemctl enable evil.timer" }
for _, l in ipairs(hits) do
  t.eq("log hit: " .. l, persist.log_touches_cron(l), true)
end
local misses = { "heartbeat 4 2026-12-03T16:07:50Z", "rm -rf /var/spool/mail",
  "GET /index.html", "microns", "timer expired" }
for _, l in ipairs(misses) do
  t.eq("log miss: " .. l, persist.log_touches_cron(l), false)
end
t.raises("log: bad argument", function() persist.log_touches_cron(1) end,
  "string")

-- content for reports
t.eq("content", persist.content("a\tb\n\1\n"), "a\tb\n\\x01\n")
t.eq("content cut", persist.content("abcdef", 3), "abc[...]")
t.eq("content bad utf8", persist.content("a\255b"), "a\\xffb")

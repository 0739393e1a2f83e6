-- Playbook: one time-ordered list of a Docker host's events, as text,
-- jsonl or a TSK bodyfile.
local findings = require "whiteout.findings"
local output = require "whiteout.output"
local present = require "whiteout.present"
local report = require "whiteout.report"
local timeline = require "whiteout.timeline"

local COLUMNS = { "time", "what", "name", "detail" }


local function run(ev, args, emit)
  local out = {}
  if not args.container then
    for _, root in ipairs(ev.roots) do timeline.images(root, out) end
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
changed while it lived (`what` host-file, with host_path). File events
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
  },
  usage = [[
whiteout run timeline -e /mnt/host
whiteout run timeline -e /mnt/host --format jsonl -o timeline.jsonl
whiteout run timeline -e /mnt/host --format bodyfile | mactime -b - -z UTC]],
  sample = report.unwrap [[
$ whiteout run timeline -e host --arg container=etc-binder
TIME                      WHAT                NAME        DETAIL
2025-06-01 10:00:00.000Z  container-created   etc-binder  container created fro\
m sample/busybox:1.0: sh -c run
2025-06-01 10:00:01.000Z  container-started   etc-binder  container started
2025-06-01 10:00:02.000Z  host-file           etc-binder  /hostetc/cron.d/plant\
ed (43 bytes)
2025-06-01 10:00:02.100Z  log                 etc-binder  installed /hostetc/cr\
on.d/planted
2025-06-01 10:00:05.000Z  container-finished  etc-binder  container finished (e\
xit 0)

$ whiteout run timeline -e host --arg container=etc-binder --format bodyfile
0|etc-binder (container created from sample/busybox:1.0: sh -c run)|0|0|0|0|0|0\
|1748772000|0|0
0|etc-binder (container started)|0|0|0|0|0|0|1748772001|0|0
10e56e8127fe86ff6ec59792a69541d237337cd0d28e1e6992ab2cc1e6632105|etc-binder:/ho\
stetc/cron.d/planted (cron)|10995480|-rw-r--r--|0|0|43|1796320162|1748772002|17\
96320162|1796320162
0|etc-binder (installed /hostetc/cron.d/planted)|0|0|0|0|0|0|1748772002|0|0
0|etc-binder (container finished (exit 0))|0|0|0|0|0|0|1748772005|0|0
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = text,
}

-- Playbook: every container of every data root.
local present = require "whiteout.present"
local output = require "whiteout.output"

local COLUMNS = { "id", "name", "image", "state", "created", "finished",
  "exit_code", "privileged", "command" }

return {
  description = [[
Lists every container of each data root: name, image, state, times, and
how it was run. Reads config.v2.json and hostconfig.json of each folder
in containers/ (config.json for the old v1 layout) and the layer stack
from the layerdb. Records carry every field of the model (mounts,
layers, capabilities, ports, log driver...): see --format json.
A container whose config cannot be read still appears, with an error.]],
  categories = { "safe", "metadata" },
  args = {},
  usage = "whiteout run containers -e /mnt/evidence/var/lib/docker",
  -- taken from `whiteout run containers` on the sample (make sample)
  sample =
    "ID            NAME        IMAGE               STATE    CREATED   " ..
    "            FINISHED              EXIT_CODE  PRIVILEGED  COMMAND\n" ..
    "55819102b216  intruder    sample/busybox:1.0  exited   2026-12-01" ..
    " 09:14:05Z  2026-12-01 09:14:09Z  0          true        sh -c" ..
    " 'echo planted > /host/etc/cron.d/sample'\n" ..
    "736ed6a1b647  etc-reader  sample/busybox:1.0  exited   2026-12-01" ..
    " 09:13:00Z  2026-12-01 09:13:01Z  0          false       cat" ..
    " /host-etc/shadow\n" ..
    "3edafbdfe8db  web         sample/app:2.0      running  2026-12-01" ..
    " 09:12:44Z  -                     0          false      " ..
    " /app/run.sh\n",
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, root in ipairs(ev.roots) do
      for _, c in ipairs(root:containers()) do emit(c) end
    end
  end,
  text = function(recs, write)
    present.each_root(write, recs, function(list)
      output.table(write, present.with_times(list,
        { "created", "started", "finished" }), COLUMNS, 60)
    end)
  end,
}

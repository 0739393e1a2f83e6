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
  sample = [[
ID            NAME      IMAGE                    STATE    CREATED               FINISHED              EXIT_CODE  PRIVILEGED  COMMAND
b7e1f6f6d1a5  intruder  sample/busybox:1.0       exited   2026-12-01 09:14:05Z  2026-12-01 09:14:09Z  0          true        sh -c 'echo planted'
4c0a2c4fd10e  web       sample/busybox:1.0       running  2026-12-01 09:12:44Z  -                     0          false       httpd -f -p 80
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, root in ipairs(ev.roots) do
      for _, c in ipairs(root:containers()) do emit(c) end
    end
  end,
  text = function(recs, write)
    output.table(write, present.with_times(recs,
      { "created", "started", "finished" }), COLUMNS, 60)
  end,
}

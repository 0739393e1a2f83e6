-- The vfs storage driver: every layer is a full copy of its parent plus
-- its own changes, in vfs/dir/<cache-id>; no whiteouts, so what a layer
-- changed is found by comparing its tree with its parent's.
--
-- Caveats:
-- - Docker copies a parent with its times, so a file rewritten with its
--   size and times kept by hand is not seen as changed unless the
--   contents are compared (the diff playbook's --arg compare=content).
local layout = require "whiteout.layout"

local D = {
  name = "vfs",
  description = "Docker's vfs driver: vfs/dir/<cache-id>, a full copy "
    .. "per layer; changes by comparing a layer with its parent.",
  priority = 40,
  whiteouts = "none",
  diff = "trees",
}

-- detect, layer_dir and parse_path: each layer is vfs/dir/<id>
layout.folders(D, "vfs/dir")

return D

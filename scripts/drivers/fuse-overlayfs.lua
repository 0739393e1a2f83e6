-- The fuse-overlayfs storage driver (rootless Docker): overlay2's layout
-- under fuse-overlayfs/, with fuse-overlayfs' own spellings too.
local layout = require "whiteout.layout"

local D = {
  name = "fuse-overlayfs",
  description = "Docker's fuse-overlayfs driver (rootless): "
    .. "fuse-overlayfs/<cache-id>/diff; 0/0 devices, .wh. files, "
    .. "overlay and user.fuseoverlayfs xattrs.",
  priority = 58,
  whiteouts = "fuse-overlayfs",
  diff = "layer",
}

-- detect, layer_dir and parse_path: each layer is
-- fuse-overlayfs/<id>/diff; the view is the default one, the union
layout.folders(D, "fuse-overlayfs", "/diff")

return D

-- The btrfs storage driver: every layer is a subvolume, a snapshot of
-- its parent's, in btrfs/subvolumes/<cache-id>; each is a whole tree,
-- so what a layer changed is found by comparing it with its parent.
--
-- Caveats:
-- - On a mounted btrfs file system a snapshot keeps its parent's inode
--   numbers and ctimes, so a file rewritten with its times set back is
--   still seen; in a copy made with cp or tar it is not (see vfs).
-- - The snapshot relations btrfs keeps (parent UUIDs) are not read;
--   the stack comes from Docker's own layer store.
local layout = require "whiteout.layout"

local D = {
  name = "btrfs",
  description = "Docker's btrfs driver: btrfs/subvolumes/<cache-id>, "
    .. "one snapshot per layer; changes by comparing with the parent.",
  priority = 45,
  whiteouts = "none",
  diff = "trees",
}

-- detect, layer_dir and parse_path: each layer is btrfs/subvolumes/<id>
layout.folders(D, "btrfs/subvolumes")

return D

-- The zfs storage driver: every layer is a ZFS dataset (a clone of its
-- parent's snapshot) that Docker mounts at zfs/graph/<id> while it is in
-- use.  From directory evidence only the mounted ones can be read.
--
-- Caveats (what a cold copy cannot show):
-- - The datasets live in the ZFS pool, not under the data root: a layer
--   that was not mounted when the evidence was copied is an empty
--   folder, and Docker keeps image layers unmounted; usually only the
--   running containers' layers hold files.  Such a layer is reported,
--   never taken for an empty tree.
-- - Snapshots (<dataset>@<id>), clone origins and dataset properties
--   exist only in the pool; whiteout reads no ZFS pool, so the stack
--   comes from Docker's layer store and deleted snapshots are not seen.
local layout = require "whiteout.layout"

local D = {
  name = "zfs",
  description = "Docker's zfs driver: datasets mounted at zfs/graph/<id>, "
    .. "read as folders; unmounted layers cannot be seen.",
  priority = 45,
  whiteouts = "none",
  diff = "trees",
}

-- detect, layer_dir and parse_path: each layer is zfs/graph/<id>
layout.folders(D, "zfs/graph")


-- Whether a folder of the data root holds any entry.
local function has_entries(root, rel)
  local it = root.src:dir(rel)
  return it ~= nil and it() ~= nil
end


--- The view of layers (top first): the top dataset's tree alone, or
-- nil and why when its mount point is empty (not mounted when copied).
function D.view(root, layers)
  local views = require "whiteout.views"
  local top = layers[1]
  local rel = top and D.layer_dir(root, top.cache_id)
  if rel and root.src:lstat(rel) and not has_entries(root, rel) then
    return nil, ("layer %s: %s is empty: its dataset was not mounted "
      .. "when the evidence was copied, and its files are only in the "
      .. "ZFS pool"):format(top.cache_id, views.where(root, rel))
  end
  return views.default_view(root, D, layers)
end

return D

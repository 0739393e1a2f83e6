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
local D = {
  name = "btrfs",
  description = "Docker's btrfs driver: btrfs/subvolumes/<cache-id>, "
    .. "one snapshot per layer; changes by comparing with the parent.",
  priority = 45,
  whiteouts = "none",
  diff = "trees",
}


local function valid_id(id)
  return type(id) == "string" and id:match("^[%w_%.%-]+$") ~= nil
    and id ~= "." and id ~= ".."
end


--- Whether root (a DataRoot) holds a btrfs subvolumes folder.
function D.detect(root)
  local st = root.src:lstat("btrfs/subvolumes")
  return st ~= nil and st.type == "dir"
end


--- The layer's whole tree, as a path in the data root.
function D.layer_dir(root, cache_id)
  if not valid_id(cache_id) then return nil end
  return "btrfs/subvolumes/" .. cache_id
end


--- The cache id and the path inside the layer of a path under
-- btrfs/subvolumes/<cache-id>/ (absolute or relative), or nil.
function D.parse_path(path)
  local id, rest = path:match("btrfs/subvolumes/([%w_%.%-]+)(/?.*)$")
  if not valid_id(id) then return nil end
  return id, rest == "" and "/" or rest
end

return D

-- The vfs storage driver: every layer is a full copy of its parent plus
-- its own changes, in vfs/dir/<cache-id>; no whiteouts, so what a layer
-- changed is found by comparing its tree with its parent's.
--
-- Caveats:
-- - Docker copies a parent with its times, so a file rewritten with its
--   size and times kept by hand is not seen as changed unless the
--   contents are compared (the diff playbook's --arg compare=content).
local D = {
  name = "vfs",
  description = "Docker's vfs driver: vfs/dir/<cache-id>, a full copy "
    .. "per layer; changes by comparing a layer with its parent.",
  priority = 40,
  whiteouts = "none",
  diff = "trees",
}


local function valid_id(id)
  return type(id) == "string" and id:match("^[%w_%.%-]+$") ~= nil
    and id ~= "." and id ~= ".."
end


--- Whether root (a DataRoot) holds a vfs tree.
function D.detect(root)
  local st = root.src:lstat("vfs/dir")
  return st ~= nil and st.type == "dir"
end


--- The layer's whole tree, as a path in the data root.
function D.layer_dir(root, cache_id)
  if not valid_id(cache_id) then return nil end
  return "vfs/dir/" .. cache_id
end


--- The cache id and the path inside the layer of a path under
-- vfs/dir/<cache-id>/ (absolute or relative), or nil.
function D.parse_path(path)
  local id, rest = path:match("vfs/dir/([%w_%.%-]+)(/?.*)$")
  if not valid_id(id) then return nil end
  return id, rest == "" and "/" or rest
end

return D

-- The fuse-overlayfs storage driver (rootless Docker): overlay2's layout
-- under fuse-overlayfs/, with fuse-overlayfs' own spellings too.
local D = {
  name = "fuse-overlayfs",
  description = "Docker's fuse-overlayfs driver (rootless): "
    .. "fuse-overlayfs/<cache-id>/diff; 0/0 devices, .wh. files, "
    .. "overlay and user.fuseoverlayfs xattrs.",
  priority = 58,
  whiteouts = "fuse-overlayfs",
  diff = "layer",
}


local function valid_id(id)
  return type(id) == "string" and id:match("^[%w_%.%-]+$") ~= nil
    and id ~= "." and id ~= ".."
end


function D.detect(root)
  local st = root.src:lstat("fuse-overlayfs")
  return st ~= nil and st.type == "dir"
end


function D.layer_dir(root, cache_id)
  if not valid_id(cache_id) then return nil end
  return "fuse-overlayfs/" .. cache_id .. "/diff"
end


function D.parse_path(path)
  local id, rest = path:match("fuse%-overlayfs/([%w_%.%-]+)/diff(/?.*)$")
  if not valid_id(id) then return nil end
  return id, rest == "" and "/" or rest
end


function D.view(root, layers)
  return require("whiteout.views").default_view(root, D, layers)
end

return D

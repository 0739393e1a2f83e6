-- The overlay2 storage driver: each layer's files in overlay2/<cache
-- id>/diff, deletions as overlay whiteouts, the kernel's overlay union.
local overlay = require "whiteout.overlay"

local D = {
  name = "overlay2",
  description = "Docker's overlay2 driver: overlay2/<cache-id>/diff, "
    .. "kernel overlay whiteouts and opaque directories.",
  priority = 60,
  whiteouts = "overlay",
  diff = "layer",
}


-- A cache id names one folder: no separators, no dot names.
local function valid_id(id)
  return type(id) == "string" and id:match("^[%w_%.%-]+$") ~= nil
    and id ~= "." and id ~= ".."
end


--- Whether root (a DataRoot) holds an overlay2 tree.
function D.detect(root)
  local st = root.src:lstat("overlay2")
  return st ~= nil and st.type == "dir"
end


--- The layer's files, as a path in the data root.
function D.layer_dir(root, cache_id)
  if not valid_id(cache_id) then return nil end
  return "overlay2/" .. cache_id .. "/diff"
end


--- The layer's short name (overlay2/l/<short> links to its diff).
function D.short_name(root, cache_id)
  if not valid_id(cache_id) then return nil end
  local s = root.src:read("overlay2/" .. cache_id .. "/link", 0, 64)
  s = s and s:match("^%s*([%w]+)%s*$")
  return s
end


--- The folder in overlay2/ that a short name links to (its cache id).
function D.resolve_short(root, short)
  local t = short and root.src:readlink("overlay2/l/" .. short)
  return t and t:match("^%.%./([%w_%.%-]+)/diff$")
end


--- The cache id and the path inside the layer of a path under
-- overlay2/<cache id>/diff/ (absolute or relative), or nil.
function D.parse_path(path)
  local id, rest = path:match("overlay2/([%w_%.%-]+)/diff(/?.*)$")
  if not valid_id(id) then return nil end
  return id, rest == "" and "/" or rest
end


--- The view of layers (top first): their union.
function D.view(root, layers)
  return require("whiteout.views").default_view(root, D, layers)
end

-- the module is loaded for the union's sake too
D.union = overlay.union

return D

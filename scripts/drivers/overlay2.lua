-- The overlay2 storage driver: each layer's files in overlay2/<cache
-- id>/diff, deletions as overlay whiteouts, the kernel's overlay union.
local overlay = require "whiteout.overlay"
local layout = require "whiteout.layout"

local D = {
  name = "overlay2",
  description = "Docker's overlay2 driver: overlay2/<cache-id>/diff, "
    .. "kernel overlay whiteouts and opaque directories.",
  priority = 60,
  whiteouts = "overlay",
  diff = "layer",
}

-- detect, layer_dir and parse_path: each layer is overlay2/<id>/diff;
-- the view is the default one, the layers' union
layout.folders(D, "overlay2", "/diff")


--- The layer's short name (overlay2/l/<short> links to its diff).
function D.short_name(root, cache_id)
  if not layout.valid_id(cache_id) then return nil end
  local s = root.src:read("overlay2/" .. cache_id .. "/link", 0, 64)
  s = s and s:match("^%s*([%w]+)%s*$")
  return s
end


--- The folder in overlay2/ that a short name links to (its cache id).
function D.resolve_short(root, short)
  local t = short and root.src:readlink("overlay2/l/" .. short)
  return t and t:match("^%.%./([%w_%.%-]+)/diff$")
end

-- the module is loaded for the union's sake too
D.union = overlay.union

return D

-- The old overlay storage driver: an image layer is a full tree in
-- overlay/<id>/root (unchanged files hard-linked to the parent's); a
-- container layer is overlay/<id>/upper over the root of lower-id.
local overlay = require "whiteout.overlay"
local layout = require "whiteout.layout"
local valid_id, is_dir = layout.valid_id, layout.is_dir

local D = {
  name = "overlay",
  description = "Docker's old overlay driver: overlay/<id>/root, or "
    .. "upper over lower-id's root (hard links between layers).",
  priority = 55,
  whiteouts = "overlay",
  -- layers are not diffs of their parent: compare whole trees
  diff = "trees",
}


function D.detect(root)
  return is_dir(root, "overlay")
end


--- root/ for an image layer, upper/ for a container's.
function D.layer_dir(root, cache_id)
  if not valid_id(cache_id) then return nil end
  local base = "overlay/" .. cache_id
  if is_dir(root, base .. "/root") then return base .. "/root" end
  return base .. "/upper"
end


--- The id whose root a container layer's upper lies over.
function D.lower_id(root, cache_id)
  if not valid_id(cache_id) then return nil end
  local s = root.src:read("overlay/" .. cache_id .. "/lower-id", 0, 256)
  s = s and s:match("^%s*([%w_%.%-]+)%s*$")
  return valid_id(s) and s or nil
end


--- The cache id and inner path of a path under overlay/<id>/root/ or
-- overlay/<id>/upper/, or nil.
function D.parse_path(path)
  local id, kind, rest = path:match("overlay/([%w_%.%-]+)/(%a+)(/?.*)$")
  if not valid_id(id) or (kind ~= "root" and kind ~= "upper") then
    return nil
  end
  return id, rest == "" and "/" or rest
end


--- The view at the top layer: its root, or its upper over lower-id's
-- root.  Returns the union and its members.
function D.view(root, layers)
  local views = require "whiteout.views"
  local top = layers[1]
  local ls = { top }
  local low = D.layer_dir(root, top.cache_id)
  if low and low:match("/upper$") then
    local lid = D.lower_id(root, top.cache_id)
    if not lid then
      return nil, ("layer %s: overlay/%s/lower-id is missing or not an "
        .. "id"):format(top.cache_id, top.cache_id)
    end
    ls[2] = { cache_id = lid, role = "image" }
  end
  local ms = {}
  for _, l in ipairs(ls) do
    local m, err = views.layer(root, D, l)
    if not m then return nil, err end
    ms[#ms + 1] = m
  end
  local srcs = {}
  for i, m in ipairs(ms) do srcs[i] = m.src end
  return overlay.union(srcs, { whiteouts = "overlay" }), ms
end

return D

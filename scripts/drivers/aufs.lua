-- The aufs storage driver: each layer's files in aufs/diff/<id>, the
-- layers below it listed in aufs/layers/<id>, deletions as .wh. files.
-- Serves the v2 layout (image/aufs/) and the v1 one (graph/).
--
-- Caveats:
-- - aufs/layers/<id> is trusted for the order of the stack; when it is
--   missing the model's own stack (layerdb or graph/) is kept.
-- - aufs' hard-link bookkeeping (.wh..wh.plnk) is not followed: a file
--   whose data sat there is shown as the diff folder holds it.
local layout = require "whiteout.layout"
local valid_id = layout.valid_id

local D = {
  name = "aufs",
  description = "Docker's aufs driver: aufs/diff/<id>, the stack in "
    .. "aufs/layers/<id>, .wh. whiteouts and .wh..wh..opq (v1 and v2).",
  priority = 55,
  whiteouts = "aufs",
  diff = "layer",
}

-- The most lines read from one aufs/layers file: a stack deeper than
-- this is cut there (Docker itself stops at 127 layers).
D.MAX_LAYERS = 256

-- detect, layer_dir and parse_path: each layer is aufs/diff/<id>; the
-- view is the default one, the union with aufs whiteouts
layout.folders(D, "aufs/diff")


-- The ids of aufs/layers/<id>, one a line, top first; nil and a
-- message when the file is missing or not a list of ids.
local function parents(root, id)
  local rel = "aufs/layers/" .. id
  local text, err = root:read_capped(rel, (D.MAX_LAYERS + 1) * 130)
  if not text then return nil, err end
  local out = {}
  for line in text:gmatch("[^\n]+") do
    line = line:match("^%s*(.-)%s*$")
    if line ~= "" then
      if not valid_id(line) then return nil, "not a list of layer ids" end
      if #out == D.MAX_LAYERS then
        root:warn(rel, "more than %d layers; cut there", D.MAX_LAYERS)
        break
      end
      out[#out + 1] = line
    end
  end
  return out
end


-- The role of a layer of a container's stack.
local function role(i, id)
  if i == 1 then return "rw" end
  if id:match("%-init$") then return "init" end
  return "image"
end


-- The stack of a top id as aufs/layers says, with chain ids and diff
-- ids kept from the model's layers where the cache ids match.
local function stack(root, top, known, container)
  local ids, err = parents(root, top)
  if not ids then
    root:warn("aufs/layers/" .. top, "%s; the model's stack is used", err)
    return nil
  end
  local by = {}
  for _, l in ipairs(known or {}) do
    if l.cache_id then by[l.cache_id] = l end
  end
  table.insert(ids, 1, top)
  local out = {}
  for i, id in ipairs(ids) do
    local k = by[id] or {}
    out[i] = { cache_id = id, chain_id = k.chain_id, diff_id = k.diff_id,
      role = container and role(i, id) or nil }
  end
  return out
end


--- A container's layers, top first: its mount id (the container id in
-- the v1 layout) and what aufs/layers/<mount id> lists below it.
function D.container_layers(root, c)
  local top = c.mount_id or (c.layers and c.layers[1] and
    c.layers[1].cache_id)
  if not valid_id(top) then return nil end
  return stack(root, top, c.layers, true)
end


--- An image's layers, top first, from its top layer's aufs/layers.
function D.image_layers(root, img)
  local top = img.layers and img.layers[1] and img.layers[1].cache_id
  if not valid_id(top) then return nil end
  return stack(root, top, img.layers, false)
end

return D

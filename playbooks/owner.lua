-- Playbook: which layer, images and containers a file under a layer
-- folder (overlay2/<cache-id>/diff/...) belongs to.
local output = require "whiteout.output"
local overlay = require "whiteout.overlay"
local views = require "whiteout.views"


-- Whether the target's merged view shows the file from this layer.
local function visible(root, target, cache_id, inner)
  local src, v = views.open(root, target)
  if not src then return nil end
  local real = src:realpath(inner, false)
  if not real then return false end
  local i = overlay.is_union(src) and overlay.layer_of(src, real)
  local m = i and v.members[i]
  return m ~= nil and m.cache_id == cache_id
end


-- One record per container or image whose stack holds the layer.
local function owners(root, cache_id, inner, emit, base)
  for _, set in ipairs({ { "container", root:containers() },
                         { "image", root:images() } }) do
    for _, t in ipairs(set[2]) do
      for _, l in ipairs(views.stack(root, t) or {}) do
        if l.cache_id == cache_id then
          local rec = { kind = "owner", path = inner, layer = cache_id,
            role = l.role or "image", chain_id = l.chain_id,
            diff_id = l.diff_id, source = base,
            visible = visible(root, t, cache_id, inner) }
          rec[set[1]] = t.id
          rec.name = t.name or (t.tags and t.tags[1]) or nil
          emit(rec)
          break
        end
      end
    end
  end
end

return {
  description = [[
Tells which layer, containers and images a file in a layer folder
belongs to. Give a path under overlay2/<cache-id>/diff/ (or the old
driver's overlay/<id>/root/); one record for each container and image
using that layer, with the layer's role there (rw,
init, image) and whether that container or image still sees this file
(an upper layer may hide or replace it).]],
  categories = { "safe", "filesystem", "investigation" },
  args = {
    { name = "path", required = true,
      help = "a path under a layer folder (as found on "
      .. "the evidence, absolute or relative to the data root)" },
  },
  usage = [[
whiteout run owner -e /mnt/evidence/var/lib/docker \
  --arg path=/var/lib/docker/overlay2/7dce7ace62a6.../diff/fruit/apples]],
  sample = [[
PATH           LAYER         ROLE  CONTAINER     IMAGE  NAME          VISIBLE
/fruit/apples  7dce7ace62a6  rw    32ba05ba65a1         fruit-basket  true
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    if not args.path then error("give --arg path=...", 0) end
    local found = false
    for _, root in ipairs(ev.roots) do
      local d = views.driver(root)
      local id, inner
      if d and d.parse_path then id, inner = d.parse_path(args.path) end
      if id then
        found = true
        owners(root, id, inner, emit, args.path)
      end
    end
    if not found then
      error(("'%s' is under no layer folder that a driver knows")
        :format(args.path), 0)
    end
  end,
  text = function(recs, write)
    output.table(write, recs, { "path", "layer", "role", "container",
      "image", "name", "visible" }, 40)
  end,
}

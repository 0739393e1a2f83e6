-- Playbook: what a container (or an image layer) changed, as `docker
-- diff` shows it, with type, owner, times, inode, layer and sha256.
local changes = require "whiteout.changes"
local views = require "whiteout.views"

-- The build step (history created_by) that made the chosen layer of an
-- image: the n-th history entry that is not an empty layer, counting
-- from the bottom.
local function build_step(root, img, layer)
  local stack = views.stack(root, img, layer)
  if not stack or type(img.history) ~= "table" then return nil end
  local n = #stack
  for _, h in ipairs(img.history) do
    if not h.empty_layer then
      n = n - 1
      if n == 0 then return h.created_by end
    end
  end
  return nil
end


local LETTER = { added = "A", modified = "C", deleted = "D",
  replaced = "C" }

-- The names of the last run's targets, in order: text shows a target
-- without records as "no changes" (records are only changes, so json
-- has nothing for it, as `docker diff` prints nothing).
local shown = {}


-- Text: a "== NAME" header per target, its changes below, or "no
-- changes".
local function text(recs, write)
  local by, order = {}, {}
  for _, n in ipairs(shown) do
    if not by[n] then by[n] = {} order[#order + 1] = n end
  end
  for _, r in ipairs(recs) do
    local n = tostring(r.name)
    if not by[n] then by[n] = {} order[#order + 1] = n end
    table.insert(by[n], r)
  end
  for _, n in ipairs(order) do
    local list = by[n]
    write("== ", n, #list == 0 and "  (no changes)" or "", "\n")
    if list[1] and list[1].step then write("   (", list[1].step, ")\n") end
    for _, r in ipairs(list) do
      write(LETTER[r.change] or "?", " ", r.path, "\n")
    end
  end
end

return {
  description = [[
Lists every path a container added, modified (content or metadata only),
deleted or replaced, like `docker diff`, read from its layer folders
without mounting anything. Deletions come from whiteouts; a directory
made opaque is "replaced", followed by one "deleted" record for each
lower entry directly below it that it hid. With --arg image and
--arg layer=CACHE_ID, shows what one build step changed against the
layers below it (records carry the build step, the image history's
created_by). Added and modified files carry their sha256. For storage
drivers whose layers are full copies or snapshots (vfs, btrfs, zfs,
devicemapper, the old overlay) the layer's tree is compared with its
parent's, with the same records. In text, a container without changes
still gets its "== NAME" line, marked "(no changes)"; json has records
for changes only.]],
  categories = { "safe", "filesystem", "investigation" },
  args = {
    { name = "container", help = "container id, id prefix or name" },
    { name = "image", help = "image reference or id (instead of a "
      .. "container)" },
    { name = "layer", help = "rw, init, image or a cache id: the layer "
      .. "whose changes are listed", default = "top" },
    { name = "hash", help = "yes or no: sha256 of added and modified "
      .. "files", default = "yes", choices = { "yes", "no" } },
    { name = "compare", help = "metadata or content: for drivers whose "
      .. "layers are copies (vfs), also hash every file that is another "
      .. "inode with the same metadata", default = "metadata",
      choices = { "metadata", "content" } },
  },
  usage = [[
whiteout run diff -e /mnt/evidence/var/lib/docker --arg container=3f2a
whiteout run diff -e HOST --arg image=app:1.2 --arg layer=9c1e0b7d]],
  sample = [[
== fruit-basket
C /fruit
A /fruit/apples
C /fruit/lemons
D /fruit/pears
== heartbeat  (no changes)
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    local list, err = views.targets(ev, args, true)
    if not list then error(err, 0) end
    shown = {}
    for _, t in ipairs(list) do
      local name = t.target.name or (t.target.tags and t.target.tags[1])
        or t.target.id
      shown[#shown + 1] = tostring(name)
      local step = t.target.kind == "image" and
        build_step(t.root, t.target, args.layer) or nil
      local ok, why = changes.walk(t.root, t.target, args.layer,
        function(rec)
          rec.container = t.target.kind ~= "image" and t.target.id or nil
          rec.image = t.target.kind == "image" and t.target.id or nil
          rec.name, rec.step = name, step
          emit(rec)
        end, { hash = args.hash ~= "no",
          content = args.compare == "content" })
      if not ok then views.warn(t.root, "%s: %s", name, why) end
    end
  end,
  text = text,
}

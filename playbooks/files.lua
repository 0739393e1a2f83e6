-- Playbook: the files of a container or image as it sees them (the
-- merged view at a chosen layer), found by path, glob, size or time.
local output = require "whiteout.output"
local overlay = require "whiteout.overlay"
local util = require "whiteout.util"
local views = require "whiteout.views"

-- One file record from the merged view.
local function record(t, v, path, st, hash)
  local rec = views.details({ kind = "file", path = path }, st)
  rec.layer, rec.source = views.provenance(t.root, v, path, st)
  rec.container = t.target.kind ~= "image" and t.target.id or nil
  rec.image = t.target.kind == "image" and t.target.id or nil
  if st.type == "symlink" then rec.target = v.src:readlink(path) end
  if hash and st.type == "file" then
    local h, err = v.src:sha256(path)
    rec.sha256, rec.err = h, not h and err or nil
  end
  return rec
end

return {
  description = [[
Lists the files of a container (or image) as the container saw them:
the layers merged as the kernel's overlay would show them, without
mounting. Each record names the layer (cache id) that supplies the
file and its path in the evidence. Filters: a path (a folder walks its
tree), a glob on the path or name, a size range, an mtime window.
Symlinks are shown, never followed out of the container.]],
  categories = { "safe", "filesystem", "investigation" },
  args = {
    { name = "container", help = "container id, id prefix or name" },
    { name = "image", help = "image reference or id" },
    { name = "layer", help = "rw, init, image or a cache id",
      default = "top" },
    { name = "path", help = "a file, or a folder to walk", default = "/" },
    { name = "glob", help = "only paths or names matching (*, ?, [..])" },
    { name = "min_size", type = "size",
      help = "only files of at least this many bytes" },
    { name = "max_size", type = "size",
      help = "only files of at most this many bytes" },
    { name = "since", type = "time",
      help = "only mtimes at or after (RFC 3339 or "
      .. "epoch seconds)" },
    { name = "until", type = "time", help = "only mtimes at or before" },
    { name = "hash", help = "yes or no: sha256 of regular files",
      default = "yes", choices = { "yes", "no" } },
  },
  usage = [[
whiteout run files -e /mnt/evidence --arg container=web --arg path=/etc
whiteout run files -e HOST --arg image=app:1.2 --arg glob='*.sh']],
  sample = [[
PATH           MODE        SIZE  MTIME                LAYER         CONTENT
/fruit         drwxr-xr-x  4096  2026-12-03 16:07:49  7dce7ace62a6
/fruit/apples  -rw-r--r--  41    2026-12-03 16:07:43  7dce7ace62a6  cbdb02ed9339
/fruit/lemons  -rw-r--r--  89    2026-12-03 16:07:43  7dce7ace62a6  a81428074b77
]],
  applies = function(ev) return #ev.roots > 0 end,
  text = function(recs, write)
    local rows = {}
    for i, r in ipairs(recs) do
      rows[i] = { path = r.path, mode = util.mode_string(r.type, r.mode),
        size = r.size, mtime = r.mtime and r.mtime:sub(1, 19):gsub("T", " "),
        layer = r.layer and r.layer:sub(1, 12),
        content = r.target and ("-> " .. r.target) or r.sha256 }
    end
    output.table(write, rows, { "path", "mode", "size", "mtime", "layer",
      "content" }, 64)
  end,
  run = function(ev, args, emit)
    local f = views.filters(args)
    local list, err = views.targets(ev, args, false)
    if not list then error(err, 0) end
    for _, t in ipairs(list) do
      local src, v = views.open(t.root, t.target, args.layer)
      if not src then error(v, 0) end
      local start = src:realpath(f.path, false)
      if not start then
        views.warn(t.root, "no '%s' in this view", f.path)
      else
        for path, st in overlay.walk(src, start) do
          if st.err then views.warn(t.root, "%s: %s", path, st.err) end
          if st.type and views.wanted(f, path, st) then
            emit(record(t, v, path, st, args.hash ~= "no"))
          end
        end
      end
    end
  end,
}

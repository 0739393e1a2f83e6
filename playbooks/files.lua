-- Playbook: the files of a container or image as it sees them (the
-- merged view at a chosen layer), found by path, glob, size or time.
local overlay = require "whiteout.overlay"
local util = require "whiteout.util"
local views = require "whiteout.views"

-- Seconds since the epoch from an RFC 3339 time or a number.
local function to_ns(s, name)
  if not s then return nil end
  local n = tonumber(s)
  if n then return math.floor(n * 1e9) end
  local ns = util.parse_time and util.parse_time(s)
  if not ns then error(("--arg %s: not a time: %s"):format(name, s), 0) end
  return ns
end


-- The filters of args, checked once.
local function filters(args)
  local f = { path = args.path or "/", glob = args.glob,
    min = tonumber(args.min_size), max = tonumber(args.max_size),
    since = to_ns(args.since, "since"), ["until"] = to_ns(args["until"],
      "until") }
  if args.min_size and not f.min then error("--arg min_size: a number", 0) end
  if args.max_size and not f.max then error("--arg max_size: a number", 0) end
  if f.glob then f.pattern = util.glob_pattern and
    util.glob_pattern(f.glob) or f.glob end
  return f
end


local function wanted(f, path, st)
  if f.pattern and not (path:match(f.pattern) or
      path:match("[^/]*$"):match(f.pattern)) then return false end
  if f.min and (st.size or 0) < f.min then return false end
  if f.max and (st.size or 0) > f.max then return false end
  if f.since and (st.mtime or 0) < f.since then return false end
  if f["until"] and (st.mtime or 0) > f["until"] then return false end
  return true
end


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
    { name = "min_size", help = "only files of at least this many bytes" },
    { name = "max_size", help = "only files of at most this many bytes" },
    { name = "since", help = "only mtimes at or after (RFC 3339 or "
      .. "epoch seconds)" },
    { name = "until", help = "only mtimes at or before" },
    { name = "hash", help = "yes or no: sha256 of regular files",
      default = "yes", choices = { "yes", "no" } },
  },
  usage = [[
whiteout run files -e /mnt/evidence --arg container=web --arg path=/etc
whiteout run files -e HOST --arg image=app:1.2 --arg glob='*.sh']],
  sample = [[
PATH             TYPE  SIZE  MODE  UID  GID  MTIME                 LAYER         SHA256
/fruit           dir   4096  493   0    0    2026-11-30T10:02:11Z  7dce7ace62a6
/fruit/apples    file  41    420   0    0    2026-11-30T10:02:11Z  7dce7ace62a6  4b6f...
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    local f = filters(args)
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
          if st.err and not st.type then
            views.warn(t.root, "%s: %s", path, st.err)
          elseif wanted(f, path, st) then
            emit(record(t, v, path, st, args.hash ~= "no"))
          end
        end
      end
    end
  end,
}

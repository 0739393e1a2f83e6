-- Playbook: copies chosen files of a container's merged view into a
-- folder of the analyst's, with a sha256 manifest.
local export = require "whiteout.export"
local output = require "whiteout.output"
local overlay = require "whiteout.overlay"
local runner = require "whiteout.runner"
local views = require "whiteout.views"

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end


-- The output folder, made and checked: outside every evidence path,
-- empty.  Raises with the reason otherwise.
local function prepare(ev, out)
  if not out or out == "" then error("give --arg out=DIR", 0) end
  local real = views.local_real(out)
  if not real then error("cannot resolve --arg out " .. out, 0) end
  local inside = views.inside_evidence(ev, real)
  if inside then
    error(runner.usage(("refusing --arg out=%s: it is inside the "
      .. "evidence %s"):format(out, inside)))
  end
  os.execute("mkdir -p -- " .. q(real))
  local h = io.popen("ls -A -- " .. q(real) .. " 2>&1")
  local listing = h:read("a")
  h:close()
  if listing ~= "" then
    error(("refusing --arg out=%s: not an empty folder"):format(out), 0)
  end
  return real
end


-- A hard link of an earlier copy: a file with several links whose
-- (layer, inode) was copied already in this extract becomes a link to
-- that copy, said in the record (link_of) and the manifest.  True when
-- it did.
local function link_one(cx, rec, path, st, rel)
  if (st.nlink or 1) < 2 or not st.inum then return false end
  local key = tostring(rec.layer) .. ":" .. st.inum
  local first = cx.links[key]
  if not first then
    cx.links[key] = { path = path, rel = rel, rec = rec }
    return false
  end
  local ok, err = export.link(cx.out, first.rel, rel)
  if not ok then rec.err = err return true end
  rec.sha256, rec.dest, rec.link_of = first.rec.sha256,
    cx.out .. "/" .. rel, first.path
  cx.manifest[#cx.manifest + 1] = rec.sha256 .. "  fs" .. path
  cx.manifest[#cx.manifest + 1] = ("# fs%s: hard link of fs%s (layer %s, "
    .. "inode %d)"):format(path, first.path, tostring(rec.layer), st.inum)
  return true
end


-- Copies one entry; returns its record.
local function copy_one(cx, path, st)
  local rel = cx.prefix .. "/fs" .. path
  local rec = views.details({ kind = "extracted", path = path,
    container = cx.cid, image = cx.iid }, st)
  rec.layer, rec.source = views.provenance(cx.root, cx.view, path, st)
  if st.type == "file" and link_one(cx, rec, path, st, rel) then
    return rec
  elseif st.type == "file" then
    local r, err = export.file(cx.view.src, path, cx.out, rel)
    if r then
      rec.sha256, rec.dest = r.sha256, cx.out .. "/" .. rel
      cx.manifest[#cx.manifest + 1] = r.sha256 .. "  fs" .. path
    else
      rec.err = err
    end
  elseif st.type == "symlink" then
    -- recorded, never created: nothing is written through a link
    rec.target = cx.view.src:readlink(path)
  end
  return rec
end


-- Creates a folder of the view in the output, remembering its times.
local function make_dir(cx, path, st)
  local rel = cx.prefix .. "/fs" .. (path == "/" and "" or path)
  local ok, err = export.dir(cx.out, rel, st.mode)
  if ok then cx.dirs[#cx.dirs + 1] = { rel, st } end
  return ok, err
end


local function write_manifest(cx)
  local f = assert(io.open(cx.out .. "/" .. cx.prefix .. "/manifest.sha256",
    "w"))
  f:write(table.concat(cx.manifest, "\n"), #cx.manifest > 0 and "\n" or "")
  f:close()
  for i = #cx.dirs, 1, -1 do
    local rel, st = cx.dirs[i][1], cx.dirs[i][2]
    export.times(cx.out, rel, st.atime, st.mtime)
  end
end


-- Extracts from one target's view.
local function extract(t, args, f, out, emit)
  local src, v = views.open(t.root, t.target, args.layer)
  if not src then error(v, 0) end
  local cx = { root = t.root, view = v, out = out, manifest = {},
    dirs = {}, links = {}, prefix = t.target.id:gsub("^sha256:", ""):sub(1, 12),
    cid = t.target.kind ~= "image" and t.target.id or nil,
    iid = t.target.kind == "image" and t.target.id or nil }
  local start = src:realpath(f.path, false)
  if not start then error(("no '%s' in this view"):format(f.path), 0) end
  assert(export.dir(out, cx.prefix, 448))  -- 0700
  for path, st in overlay.walk(src, start) do
    if st.type == "dir" then
      local ok, err = make_dir(cx, path, st)
      if not ok then views.warn(t.root, "%s", err) end
    elseif st.type and views.wanted(f, path, st) then
      emit(copy_one(cx, path, st))
    elseif st.err then
      views.warn(t.root, "%s: %s", path, st.err)
    end
  end
  write_manifest(cx)
end

return {
  description = [[
Copies files of a container's (or image's) merged view into the folder
--arg out names, under <id>/fs/, keeping modes (without set-id bits)
and times, and writes <id>/manifest.sha256 (sha256sum -c reads it).
Files that are hard links of one another in the evidence (the same
inode of the same layer) stay hard links in the output: the first is
copied, the others link to it, with link_of in their records and a "#"
comment line in the manifest. Symlinks are listed, never created; device
files are listed, not copied. The folder must be empty and outside the
evidence. Filters as for the files playbook: path, glob, min_size,
max_size, since, until.]],
  categories = { "writes", "filesystem", "investigation" },
  args = {
    { name = "out", required = true,
      help = "the folder to write into (empty or new)" },
    { name = "container", help = "container id, id prefix or name" },
    { name = "image", help = "image reference or id" },
    { name = "layer", help = "rw, init, image or a cache id",
      default = "top" },
    { name = "path", help = "a file, or a folder to copy", default = "/" },
    { name = "glob", help = "only paths or names matching" },
    { name = "min_size", type = "size",
      help = "only files of at least this size" },
    { name = "max_size", type = "size",
      help = "only files of at most this size" },
    { name = "since", type = "time", help = "only mtimes at or after" },
    { name = "until", type = "time", help = "only mtimes at or before" },
  },
  usage = [[
whiteout run extract -e /mnt/evidence --arg container=web \
  --arg path=/etc --arg out=/cases/42/web-etc]],
  sample = [[
PATH           SIZE  SHA256        DEST                                  TARGET
/fruit/apples  41    cbdb02ed9339  /tmp/xo/32ba05ba65a1/fs/fruit/apples
/fruit/lemons  89    a81428074b77  /tmp/xo/32ba05ba65a1/fs/fruit/lemons
]],
  applies = function(ev) return #ev.roots > 0 end,
  text = function(recs, write)
    output.table(write, recs, { "path", "size", "sha256", "dest",
      "target" }, 70)
  end,
  run = function(ev, args, emit)
    local f = views.filters(args)
    local list, err = views.targets(ev, args, false)
    if not list then error(err, 0) end
    local out = prepare(ev, args.out)
    for _, t in ipairs(list) do extract(t, args, f, out, emit) end
  end,
}

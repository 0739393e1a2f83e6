-- Deleted files of data roots on disk images: names libtsk still sees,
-- names and inodes in the ext4 journal's old copies of directory blocks
-- and inode tables, and content from blocks that are still free.  Used
-- by the deleted, recover, removed and timeline playbooks.
--
-- Caveats:
-- - Works on data roots found inside images (whiteout.tsk sources); on a
--   directory copy nothing was kept of deleted files.
-- - Content read through an old inode is only as good as its blocks: a
--   block in use now may hold other data (blocks_in_use says so).
-- - htree (hashed) directory blocks past the first are matched to their
--   directory only through the directory's current block list.
local tsk = require "whiteout.tsk"
local hash = require "whiteout.hash"
local util = require "whiteout.util"

local M = {}

-- Layer directories, by storage driver, under the data root.
local LAYER_DIRS = {
  { dir = "overlay2", sub = "diff" }, { dir = "overlay", sub = "upper" },
  { dir = "overlay", sub = "root" }, { dir = "aufs/diff", sub = "" },
  { dir = "vfs/dir", sub = "" },
}
-- Largest content read for one file, and deepest deleted tree rebuilt.
M.MAX_CONTENT = 64 << 20
local MAX_DEPTH = 16
-- Per host source: the journal index (weak: dies with the source).
local indexes = setmetatable({}, { __mode = "k" })


--- True when the data root's host is a file system inside an image.
function M.applies(root)
  return root.host ~= nil and pcall(tsk.info, root.host)
end


-- The journal of host, indexed: copies by file system block, and every
-- copy that reads as a directory block with its entries.
local function index(host)
  local ix = indexes[host]
  if ix then return ix end
  ix = { by_block = {}, dirs = {}, by_inum = {} }
  indexes[host] = ix
  local j, err = tsk.journal(host)
  if not j then ix.err = err return ix end
  ix.journal = j
  for _, c in ipairs(j.copies) do
    local list = ix.by_block[c.fsblock] or {}
    list[#list + 1] = c
    ix.by_block[c.fsblock] = list
  end
  return ix
end


-- The entries of one journal copy when it is a directory block
-- (cached); nil for copies that are not.
local function copy_entries(host, c)
  if c.entries ~= nil then return c.entries or nil end
  local b = tsk.journal_block(host, c.jblock, c.escaped)
  local ents, bad = tsk.dirblock(host, b or "")
  c.entries = false
  if not bad and ents and #ents > 0 then
    for _, e in ipairs(ents) do
      if e.live and e.type == "unknown" then return nil end
    end
    c.entries = ents
  end
  return c.entries or nil
end


-- A block copy belongs to directory dir when its "." entry names dir;
-- a first block must have one, later blocks must not (a block with "."
-- was some directory's first block then).
local function belongs(ents, dir, first)
  for _, e in ipairs(ents) do
    if e.name == "." and e.live then return e.inum == dir end
  end
  return not first
end


-- Every name seen in the journal copies of directory dir's blocks
-- (blocks[1] is its first), with where it was seen: {name, inum, type,
-- seq, jblock, fsblock, time, live}.  Newest sighting of each (name,
-- inum) wins.
function M.journal_names(host, blocks, dir)
  local ix, seen, out = index(host), {}, {}
  for i, b in ipairs(blocks) do
    for _, c in ipairs(ix.by_block[b] or {}) do
      local ents = copy_entries(host, c)
      if ents and not belongs(ents, dir, i == 1) then ents = nil end
      for _, e in ipairs(ents or {}) do
        if e.name ~= "." and e.name ~= ".." then
          local k = e.name .. "\0" .. e.inum
          local rec = seen[k]
          if not rec then
            rec = { name = e.name, inum = e.inum, type = e.type }
            seen[k] = rec
            out[#out + 1] = rec
          end
          rec.seq, rec.jblock, rec.fsblock = c.seq, c.jblock, c.fsblock
          rec.time, rec.csum_ok = c.time, c.csum_ok
        end
      end
    end
  end
  return out
end


-- The blocks an inode maps ({runs}) as a flat list, bounded.
local function run_blocks(runs, max)
  local out = {}
  for _, r in ipairs(runs or {}) do
    for b = r.pblk, r.pblk + r.len - 1 do
      if #out >= max then return out end
      out[#out + 1] = b
    end
  end
  return out
end


--- The blocks of a live directory inode now.
function M.dir_blocks(host, inum)
  local ino = tsk.inode(host, inum)
  return ino and run_blocks(ino.runs, 4096) or {}
end


local TYPES = { [0x8000] = "file", [0x4000] = "dir", [0xA000] = "symlink",
  [0x2000] = "char", [0x6000] = "block", [0x1000] = "fifo",
  [0xC000] = "socket" }


-- Copies metadata of a decoded inode into a record.
local function add_meta(rec, ino)
  rec.size = ino.size
  rec.mode = ino.mode & 0xFFF
  rec.type = TYPES[ino.mode & 0xF000] or rec.type
  rec.uid, rec.gid, rec.links = ino.uid, ino.gid, ino.links
  rec.atime, rec.mtime = util.time(ino.atime), util.time(ino.mtime)
  rec.ctime, rec.btime = util.time(ino.ctime), util.time(ino.btime)
end


-- The journal copy of inum to trust for a name seen in transaction
-- seq: inodes are reused, so we keep to the allocation (i_generation)
-- the inode had around seq, and take its newest copy that still mapped
-- content (or was still linked).  Without seq, the newest such copy.
local function last_live_copy(host, inum, seq)
  local copies, gen, best = tsk.journal_inodes(host, inum) or {}, nil, nil
  if seq then
    for _, v in ipairs(copies) do
      if v.seq <= seq or gen == nil then gen = v.inode.generation end
      if v.seq > seq then break end
    end
  end
  for _, v in ipairs(copies) do
    local i = v.inode
    if (gen == nil or i.generation == gen) and i.links > 0 and
       (i.size == 0 or #i.runs > 0 or i.link) then
      best = v
    end
  end
  return best
end


-- Reads content through runs; fills sha256, content_bytes and
-- blocks_in_use; keeps the bytes in rec._data for recover.
local function read_content(host, rec, runs, size)
  if size > M.MAX_CONTENT then
    rec.content_note = "larger than the content limit; not read"
    return
  end
  local data, in_use = tsk.read_runs(host, runs, size)
  if not data then rec.content_note = in_use return end
  rec.sha256 = hash.sha256(data)
  rec.blocks_in_use = in_use
  rec._data = data
  if #data <= 4096 and not data:find("[^%g%s]") then rec.content = data end
end


--- Everything known of deleted inode inum: its metadata now and in the
-- journal, and its content when a version still maps blocks.  seq is
-- the transaction its name was seen in, if any.  Fills and returns rec.
function M.inode(host, inum, rec, seq)
  rec = rec or {}
  rec.inum = inum
  local st = tsk.stat(host, inum)
  local now = tsk.inode(host, inum)
  if st then
    rec.allocated_now = st.allocated
    if now and now.dtime then rec.dtime = util.time(now.dtime) end
  end
  if st and not st.allocated and now and now.size > 0 and #now.runs > 0
  then
    add_meta(rec, now)
    rec.content_from = "inode"
    read_content(host, rec, now.runs, now.size)
    return rec
  end
  local v = last_live_copy(host, inum, seq)
  if v then
    add_meta(rec, v.inode)
    rec.inode_seq, rec.inode_jblock = v.seq, v.jblock
    rec.inode_time = util.time(v.time)
    if v.inode.link then
      rec.target = v.inode.link
    elseif rec.type == "file" and v.inode.size > 0 then
      rec.content_from = ("journal inode copy: transaction %d, journal "
        .. "block %d"):format(v.seq, v.jblock)
      read_content(host, rec, v.inode.runs, v.inode.size)
    end
    rec._runs = v.inode.runs
  elseif now and not (st and st.allocated) then
    add_meta(rec, now)
  end
  return rec
end


-- The names of a deleted directory, from its old blocks: journal copies
-- of them and the blocks themselves while free.
local function old_dir_names(host, runs, dir)
  local blocks = run_blocks(runs, 256)
  local out = M.journal_names(host, blocks, dir)
  local have = {}
  for _, e in ipairs(out) do have[e.name .. "\0" .. e.inum] = true end
  for _, b in ipairs(blocks) do
    local ents = tsk.allocated(host, b) == false and
      tsk.dirblock(host, tsk.block(host, b) or "")
    if ents and belongs(ents, dir, b == blocks[1]) then
      for _, e in ipairs(ents) do
        if e.name ~= "." and e.name ~= ".." and e.live and
           not have[e.name .. "\0" .. e.inum] then
          out[#out + 1] = { name = e.name, inum = e.inum, type = e.type,
                            fsblock = b }
        end
      end
    end
  end
  return out
end


-- Emits one deleted entry and, for a deleted directory, its tree.
local function emit(host, ctx, path, e, how, depth)
  local key = e.inum .. "\0" .. path
  if ctx.seen[key] or depth > MAX_DEPTH then return end
  ctx.seen[key] = true
  ctx.inums[e.inum] = true
  local rec = { kind = "deleted", source = ctx.source, path = path,
    name = e.name, type = e.type, found_in = how, journal_seq = e.seq,
    journal_block = e.jblock, journal_time = util.time(e.time),
    dir_block = e.fsblock }
  for k, v in pairs(ctx.attrib) do rec[k] = v end
  if e.inum > 0 and e.inum <= ctx.last_inum then
    M.inode(host, e.inum, rec, e.seq)
  end
  ctx.out[#ctx.out + 1] = rec
  if rec.type == "dir" and rec._runs and not ctx.expanded[e.inum] then
    ctx.expanded[e.inum] = true
    for _, c in ipairs(old_dir_names(host, rec._runs, e.inum)) do
      emit(host, ctx, path .. "/" .. c.name, c, "journal", depth + 1)
    end
  end
end


-- Deleted entries of one live directory: names libtsk sees unallocated
-- and names its journal copies had that it lacks now.
local function scan_dir(host, ctx, path, inum)
  local live = {}
  for _, n in ipairs(tsk.names(host, inum) or {}) do
    if n.allocated then
      live[n.name] = n.inum
    else
      ctx.deferred[#ctx.deferred + 1] = { path .. "/" .. n.name,
        { name = n.name, inum = n.inum, type = n.type }, "directory" }
    end
  end
  for _, e in ipairs(M.journal_names(host, M.dir_blocks(host, inum),
                                       inum)) do
    if live[e.name] ~= e.inum then
      ctx.deferred[#ctx.deferred + 1] = { path .. "/" .. e.name, e,
        "journal" }
    end
  end
end


-- Layer attribution: cache_id -> {layer role, container, image}.
local function owners(root)
  local by = {}
  for _, c in ipairs(root:containers() or {}) do
    for _, l in ipairs(c.layers or {}) do
      if l.cache_id and l.role ~= "image" then
        by[l.cache_id] = { layer_role = l.role, container = c.name,
                           container_id = c.id, image = c.image }
      end
    end
  end
  for _, im in ipairs(root:images() or {}) do
    for _, l in ipairs(im.layers or {}) do
      if l.cache_id and not by[l.cache_id] then
        by[l.cache_id] = { layer_role = "image", image_id = im.id,
          image = im.tags and im.tags[1] or im.id, diff_id = l.diff_id }
      end
    end
  end
  return by
end


-- Every layer directory of the root: {rel, cache_id}.
local function layer_dirs(root)
  local out = {}
  for _, d in ipairs(LAYER_DIRS) do
    local it = root.src:dir(d.dir)
    for id in it or function() end do
      local rel = d.dir .. "/" .. id .. (d.sub ~= "" and "/" .. d.sub or "")
      local st = root.src:lstat(rel)
      if st and st.type == "dir" then
        out[#out + 1] = { rel = rel, cache_id = id:gsub("%-init$", "") ,
                          id = id }
      end
    end
  end
  table.sort(out, function(a, b) return a.rel < b.rel end)
  return out
end


local function attribution(own, l)
  local o = own[l.cache_id] or {}
  local a = { layer = l.id, layer_role = o.layer_role,
    container = o.container, container_id = o.container_id,
    image = o.image, image_id = o.image_id }
  if l.id ~= l.cache_id then a.layer_role = "init" end
  return a
end


--- Deleted entries in every layer directory of a data root on an
-- image: list of records (kind "deleted"), plus the set of inode
-- numbers they cover.
function M.layers(root)
  local host, base = root.host, root.path:gsub("/+$", "")
  local ctx = { out = {}, seen = {}, inums = {}, source = root.label,
                expanded = {},
                last_inum = tsk.info(host).last_inum }
  local own = owners(root)
  for _, l in ipairs(layer_dirs(root)) do
    ctx.attrib = attribution(own, l)
    ctx.deferred = {}
    for p, st in root.src:walk(l.rel) do
      if st.type == "dir" then
        scan_dir(host, ctx, base .. "/" .. p:gsub("^/", ""), st.inum)
      end
    end
    for _, d in ipairs(ctx.deferred) do emit(host, ctx, d[1], d[2], d[3], 0)
    end
  end
  return ctx.out, ctx.inums
end


--- Inodes used once and free now that no deleted name above covers:
-- each with what links it to the data root (a journal name in a
-- directory under it), its times and content.
function M.orphans(root, covered)
  local host, out = root.host, {}
  for _, inum in ipairs(tsk.unallocated(host) or {}) do
    if not covered[inum] then
      local rec = { kind = "deleted", source = root.label,
        found_in = "orphan", orphan = true }
      M.inode(host, inum, rec)
      if rec.size and rec.size > 0 or rec.inode_seq then
        out[#out + 1] = rec
      end
    end
  end
  return out
end


-- Names a live directory of the data root had in the journal and lacks
-- now: list of journal name records.
local function gone_from(root, rel)
  local host = root.host
  local inum = tsk.lookup(host, root.path .. "/" .. rel)
  if not inum then return {} end
  local live, out = {}, {}
  for _, n in ipairs(tsk.names(host, inum) or {}) do
    if n.allocated then live[n.name] = n.inum end
  end
  for _, e in ipairs(M.journal_names(host, M.dir_blocks(host, inum), inum))
  do
    if live[e.name] ~= e.inum then out[#out + 1] = e end
  end
  return out
end


-- The files of a removed container's folder, from its old inode.
local function container_files(root, e, rec)
  local host, files = root.host, {}
  local dir = M.inode(host, e.inum, {}, e.seq)
  rec.dir_inode_seq = dir.inode_seq
  rec.btime, rec.mtime, rec.ctime = dir.btime, dir.mtime, dir.ctime
  for _, f in ipairs(dir._runs and old_dir_names(host, dir._runs, e.inum)
                     or {}) do
    local fr = { name = f.name, inum = f.inum, journal_seq = f.seq,
                 journal_block = f.jblock }
    if f.inum > 0 and f.inum <= tsk.info(host).last_inum then
      M.inode(host, f.inum, fr, f.seq)
    end
    files[#files + 1] = fr
  end
  return files
end


-- What a removed container's config said, when recovered.
local function add_config(rec, files)
  for _, f in ipairs(files) do
    if f.name == "config.v2.json" and f._data then
      local cfg = util.json_decode(f._data)
      if type(cfg) == "table" then
        local c = type(cfg.Config) == "table" and cfg.Config or {}
        rec.name = type(cfg.Name) == "string" and cfg.Name:gsub("^/", "")
        rec.image = c.Image
        rec.created = cfg.Created
        rec.cmd = c.Cmd
      end
    end
  end
end


-- Log lines of a json-file log recovered whole or in part.
local function add_logs(rec, files)
  for _, f in ipairs(files) do
    if f.name:match("%-json%.log") and f._data then
      rec.log = rec.log or {}
      for line in f._data:gmatch("[^\n]+") do
        local j = util.json_decode(line)
        rec.log[#rec.log + 1] = type(j) == "table" and
          { time = j.time, stream = j.stream, text = j.log } or
          { text = line }
      end
    end
  end
end


-- The layer folder a removed container had: its layerdb mounts/<id>
-- folder is gone too; its old mount-id file names the folder.
local function removed_layer(root, id, gone_mounts, gone_layers)
  local e = gone_mounts[id]
  if not e then return nil end
  local dir = M.inode(root.host, e.inum, {}, e.seq)
  for _, f in ipairs(dir._runs and old_dir_names(root.host, dir._runs,
                                                 e.inum) or {}) do
    if f.name == "mount-id" then
      local fr = M.inode(root.host, f.inum, {}, f.seq)
      local mid = fr._data and fr._data:match("^(%x+)%s*$")
      if mid then return mid, gone_layers[mid] ~= nil end
    end
  end
  return nil
end


-- Names gone from a folder of the data root, by name.
local function gone_by_name(root, rel)
  local by = {}
  for _, e in ipairs(gone_from(root, rel)) do by[e.name] = e end
  return by
end


-- Log lines carved from free blocks and from journal blocks: json-file
-- lines ({"log":...,"stream":...,"time":...}) whose time falls in
-- [from, to] (RFC 3339 strings compare in order).
local function carve_logs(root, from, to)
  local host, out, seen = root.host, {}, {}
  local info = tsk.info(host)
  local function scan(b, where)
    for line in b:gmatch('{"log":"[^\n]-","stream":"%a+","time":"[^"]+"}')
    do
      local j = util.json_decode(line)
      if type(j) == "table" and type(j.time) == "string" and
         j.time >= from and j.time <= to and not seen[line] then
        seen[line] = true
        out[#out + 1] = { time = j.time, stream = j.stream, text = j.log,
                          carved_from = where }
      end
    end
  end
  for blk = 0, info.blocks - 1 do
    if tsk.allocated(host, blk) == false then
      local b = tsk.block(host, blk)
      if b and b:find('{"log":"', 1, true) then
        scan(b, "free block " .. blk)
      end
    end
  end
  table.sort(out, function(a, b) return a.time < b.time end)
  return out
end


--- Containers removed with docker rm, as far as the journal and free
-- blocks remember them: their ids, folders' files, config and logs, and
-- their layer folder.  keep leaves the files' content in f._data (for
-- recover); carve also looks for log lines of their lifetime in free
-- blocks when none were recovered through the inodes.
function M.removed(root, keep, carve)
  local out = {}
  local image_dir = root.image_dir or "image/overlay2"
  local gone_mounts = gone_by_name(root, image_dir .. "/layerdb/mounts")
  local gone_layers = gone_by_name(root, root.driver_name or "overlay2")
  for _, e in ipairs(gone_from(root, "containers")) do
    if e.name:match("^%x+$") and #e.name == 64 then
      local rec = { kind = "removed_container", source = root.label,
        id = e.name, path = root.path .. "/containers/" .. e.name,
        inum = e.inum, journal_seq = e.seq, journal_block = e.jblock,
        journal_time = util.time(e.time) }
      local files = container_files(root, e, rec)
      add_config(rec, files)
      add_logs(rec, files)
      rec.layer, rec.layer_dir_removed = removed_layer(root, e.name,
        gone_mounts, gone_layers)
      if carve and not rec.log and rec.created then
        local last = rec.journal_time or rec.created
        rec.log = carve_logs(root, rec.created, last)
        if #rec.log == 0 then rec.log = nil end
      end
      rec.files = {}
      for _, f in ipairs(files) do
        if not keep then f._data = nil end
        f._runs = nil
        rec.files[#rec.files + 1] = f
      end
      out[#out + 1] = rec
    end
  end
  return out
end


--- The files of removed containers as records with content (_data),
-- each naming its container: for recover.
function M.removed_with_data(root)
  local out = {}
  for _, c in ipairs(M.removed(root, true)) do
    for _, f in ipairs(c.files) do
      f.kind, f.source = "deleted", root.label
      f.path = c.path .. "/" .. f.name
      f.removed_container, f.container = c.id, c.name
      f.found_in = "journal"
      out[#out + 1] = f
    end
  end
  return out
end


-- A file system time record for the timeline.
local function fs_event(root, path, st, what)
  return { kind = "event", what = what, source = root.label, path = path,
    inum = st.inum, type = st.type, mode = st.mode, uid = st.uid,
    gid = st.gid, size = st.size, atime = util.time(st.atime),
    mtime = util.time(st.mtime), ctime = util.time(st.ctime),
    btime = util.time(st.btime) }
end


--- Records for a timeline (and the bodyfile format): the file system's
-- times of every entry under the data root (what "fs"), and, on disk
-- images, every deleted entry (what "deleted", with dtime and the
-- journal transaction) and removed container found.  opts.deleted =
-- false leaves the deleted ones out, opts.fs = false the live entries
-- (the timeline playbook has those per container).  Works on any data
-- root; the deleted part only on images.
function M.timeline(root, opts)
  local out, base = {}, root.path:gsub("/+$", "")
  -- (walk's four values must reach the for: no "and/or" around it)
  if (opts or {}).fs ~= false then
    for p, st in root.src:walk("/") do
      out[#out + 1] = fs_event(root, base .. "/" .. p:gsub("^/", ""), st,
        "fs")
    end
  end
  if (opts or {}).deleted == false or not M.applies(root) then
    return out
  end
  for _, rec in ipairs((M.layers(root))) do
    rec._data, rec._runs = nil, nil
    rec.kind, rec.what = "event", "deleted"
    out[#out + 1] = rec
  end
  for _, c in ipairs(M.removed(root)) do
    out[#out + 1] = { kind = "event", what = "removed-container",
      source = root.label, path = c.path, id = c.id, inum = c.inum,
      btime = c.btime, mtime = c.mtime, ctime = c.ctime, name = c.name,
      image = c.image, journal_seq = c.journal_seq,
      time = c.journal_time }
  end
  return out
end


M.carve_logs = carve_logs

--- The journal index of a host (for removed containers and carving).
M.index = index
M.copy_entries = copy_entries
M.old_dir_names = old_dir_names

return M

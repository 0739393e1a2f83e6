-- What one layer changed against the layers below it: added, modified
-- (content or metadata only), deleted (whiteouts) and replaced (opaque)
-- paths, as `docker diff` lists them, with forensic details.
--
-- Every directory holding a change is listed too ("modified", changed
-- "entries" when only its entries changed), as Docker's own diff does.
-- Drivers whose layers are full copies or snapshots (diff = "trees")
-- are compared tree against tree, directory by directory, with the
-- same records: a deleted directory is one "deleted" record.
--
-- Caveats:
-- - A whiteout that hides nothing below is not reported (it deletes
--   nothing that the lower layers show).
-- - Inside a replaced directory an entry whose name also exists below is
--   "modified" against the hidden lower entry, as Docker reports it.
local overlay = require "whiteout.overlay"
local views = require "whiteout.views"

local M = {}


local function join(dir, name)
  return dir == "/" and "/" .. name or dir .. "/" .. name
end


local put


-- Directories whose entries changed but which did not themselves are
-- listed before their first change, as `docker diff` lists them.
local function flush_pending(cx)
  local list = cx.pending
  for i = 1, #list do
    if not list[i].done then
      list[i].done = true
      put(cx, list[i].path, "modified", list[i].st, { changed = "entries",
        source = list[i].source })
    end
  end
end


-- Emits one record built from a stat table.
function put(cx, path, change, st, extra)
  flush_pending(cx)
  local rec = views.details({ kind = "change", path = path,
    change = change, layer = cx.cache_id }, st)
  for k, v in pairs(extra or {}) do rec[k] = v end
  rec.source = rec.source or views.where(cx.root, cx.lpath .. path)
  if st.type == "symlink" and change ~= "deleted" then
    rec.target = cx.view:readlink(path)
  end
  if cx.hash and st.type == "file" and (change == "added" or
      change == "modified") then
    -- through the view: a metacopy file's data lives below
    local h, err = cx.view:sha256(path)
    rec.sha256, rec.err = h, not h and err or nil
  end
  cx.emit(rec)
end


-- Whether a non-directory's content differs from the lower one's.
local function content_differs(cx, path, ust, lst)
  if ust.type ~= lst.type or ust.size ~= lst.size then return true end
  if ust.type == "symlink" then
    return cx.view:readlink(path) ~= cx.lower:readlink(path)
  elseif ust.type == "char" or ust.type == "block" then
    return ust.rdev_major ~= lst.rdev_major or
      ust.rdev_minor ~= lst.rdev_minor
  elseif ust.type == "file" and cx.hash then
    return cx.view:sha256(path) ~= cx.lower:sha256(path)
  end
  return false
end


local function meta_differs(a, b)
  return a.mode ~= b.mode or a.uid ~= b.uid or a.gid ~= b.gid
    or a.mtime ~= b.mtime
end


local diff_dir, diff_renamed, put_hidden


-- The lower entry deleted at path, named by the upper's source.
local function put_deleted(cx, path, source)
  local lst = cx.lower:lstat(path)
  if not lst then return end
  put(cx, path, "deleted", lst, { source = source,
    from_layer = views.provenance(cx.root, cx.lview, path) })
end


-- Everything below a folder as the view at this layer shows it, added.
local function added_tree(cx, dir)
  local it = cx.view:dir(dir)
  if not it then return {} end
  local names = {}
  for name in it do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local p = join(dir, name)
    local st = cx.view:lstat(p)
    if st then
      put(cx, p, "added", st, { source = select(2,
        views.provenance(cx.root, cx.nview, p)) })
      if st.type == "dir" then added_tree(cx, p) end
    end
  end
  return names
end


-- A folder renamed in this layer (overlay redirect): it brings its
-- entries from its old place below, all new at this path; whatever was
-- at this path below is hidden.
function diff_renamed(cx, path, ust, lst, c)
  put(cx, path, lst and "replaced" or "added", ust,
    { redirect = c.redirect })
  local seen = {}
  for _, name in ipairs(added_tree(cx, path)) do seen[name] = true end
  if lst and lst.type == "dir" then put_hidden(cx, path, seen) end
end


-- One entry of the layer at path (class table c).
local function diff_entry(cx, path, c, hidden)
  local ust, err = cx.upper:lstat(path)
  if not ust then cx.warn("%s", err) return end
  local lst = cx.lower:lstat(path)
  if c.redirect and ust.type == "dir" then
    return diff_renamed(cx, path, ust, lst, c)
  end
  if not lst then
    put(cx, path, "added", ust, { redirect = c.redirect })
    if ust.type == "dir" then diff_dir(cx, path, false) end
  elseif ust.type == "dir" and lst.type == "dir" then
    if c.opaque or hidden then
      put(cx, path, "replaced", ust, { encoding = c.encoding })
      diff_dir(cx, path, true)
    else
      if meta_differs(ust, lst) then
        put(cx, path, "modified", ust, { changed = "metadata" })
        diff_dir(cx, path, false)
      else
        table.insert(cx.pending, { path = path, st = ust })
        diff_dir(cx, path, false)
        table.remove(cx.pending)
      end
    end
  else
    local what = not c.metacopy and content_differs(cx, path, ust, lst)
      and "content" or "metadata"
    put(cx, path, "modified", ust, { changed = what })
    if ust.type == "dir" then diff_dir(cx, path, false) end
  end
end


-- The layer's entries of one directory, sorted by name.
local function entries(cx, dir)
  local it, err = overlay.entries(cx.upper, dir, { whiteouts = cx.wh })
  if not it then cx.warn("%s", err) return {} end
  local list = {}
  for _, c in it do list[#list + 1] = c end
  -- in path order: a .wh. whiteout sorts by the name it deletes
  local function key(c) return c.class == "whiteout" and c.target or c.name end
  table.sort(list, function(a, b) return key(a) < key(b) end)
  return list
end


-- Lower entries directly below a replaced directory that it hid.
function put_hidden(cx, dir, seen)
  local it = cx.lower:dir(dir)
  if not it then return end
  local names = {}
  for name in it do
    if not seen[name] then names[#names + 1] = name end
  end
  table.sort(names)
  local source = views.where(cx.root, cx.lpath .. dir)
  for _, name in ipairs(names) do
    put_deleted(cx, join(dir, name), source)
  end
end


-- Compares one directory of the layer with the lower view.
function diff_dir(cx, dir, hidden)
  local seen = {}
  for _, c in ipairs(entries(cx, dir)) do
    local path = join(dir, c.name)
    if c.class == "whiteout" then
      seen[c.target] = true
      if not hidden then
        put_deleted(cx, join(dir, c.target),
          views.where(cx.root, cx.lpath .. path))
      end
    elseif c.class == "entry" then
      seen[c.name] = true
      diff_entry(cx, path, c, hidden)
    end
  end
  if hidden then put_hidden(cx, dir, seen) end
end


-- Every entry of dir in src with its stat (one call, no path resolved
-- per entry) and the sorted names; none after a warning.
local function listing(cx, src, dir)
  local stats, err = src:stats(dir)
  local names = {}
  if not stats then cx.warn("%s", err) return names, {} end
  for name in pairs(stats) do names[#names + 1] = name end
  table.sort(names)
  return names, stats
end


-- The sorted union of two sorted lists of names.
local function merged(a, b)
  local out, i, j = {}, 1, 1
  while i <= #a or j <= #b do
    local x, y = a[i], b[j]
    if y == nil or (x ~= nil and x < y) then out[#out + 1], i = x, i + 1
    elseif x == nil or y < x then out[#out + 1], j = y, j + 1
    else out[#out + 1], i, j = x, i + 1, j + 1 end
  end
  return out
end


-- How a non-directory found in both trees changed: "content",
-- "metadata" or nil.  Docker's rule (type, size, mode, owner, mtime,
-- device numbers) decides, then hashes tell content from metadata.  A
-- file that passes the rule is hashed too when the same inode has
-- another ctime (a snapshot's file rewritten, its times set back), or
-- with opts.content when it is another inode (a copy).
local function file_change(cx, path, st, o)
  local sure = st.type ~= o.type or st.size ~= o.size
    or meta_differs(st, o)
  local suspect = st.type == "symlink" or st.type == "char"
    or st.type == "block" or (st.type == "file" and
    ((st.inum == o.inum and st.ctime ~= o.ctime) or
     (cx.content and st.inum ~= o.inum)))
  if not sure and not suspect then return nil end
  if content_differs(cx, path, st, o) then return "content" end
  return sure and "metadata" or nil
end


local compare_dir


-- Every entry below an added directory is added.
local function put_added(cx, path, st)
  put(cx, path, "added", st, { source = cx.from_new(path) })
  if st.type == "dir" then compare_dir(cx, path, "added") end
end


-- One name present in both trees.
local function compare_entry(cx, path, st, o)
  if st.type == "dir" and o.type == "dir" then
    if meta_differs(st, o) then
      put(cx, path, "modified", st, { source = cx.from_new(path),
        changed = "metadata" })
      return compare_dir(cx, path)
    end
    table.insert(cx.pending, { path = path, st = st,
      source = cx.from_new(path) })
    compare_dir(cx, path)
    table.remove(cx.pending)
    return
  end
  local how = file_change(cx, path, st, o)
  if how then
    put(cx, path, "modified", st, { source = cx.from_new(path),
      changed = how })
  end
  if st.type == "dir" then compare_dir(cx, path, "added") end
end


-- Compares one directory of the new tree with the old one, names in
-- order; only is "added" below a directory the old tree lacks.  A
-- directory gone from the new tree is one "deleted" record, as Docker
-- lists it.
function compare_dir(cx, dir, only)
  local new, nst = listing(cx, cx.upper, dir)
  local old, ost = {}, {}
  if not only then old, ost = listing(cx, cx.lower, dir) end
  local names = only and new or merged(new, old)
  for _, name in ipairs(names) do
    local path = join(dir, name)
    local st, o, err = nst[name], ost[name], nil
    if st and st.err then st, err = nil, st.err end
    if o and o.err then err, o = err or o.err, nil end
    if st and not o then put_added(cx, path, st)
    elseif st then compare_entry(cx, path, st, o)
    elseif o then put(cx, path, "deleted", o,
      { source = cx.from_old(path) })
    else cx.warn("%s", err) end
  end
end


-- Tree against tree, for drivers whose layers are full copies or
-- snapshots (diff = "trees"): the layer's whole view against the view
-- of the layer below.
local function diff_trees(cx, new, old)
  cx.upper, cx.lower = new, old
  cx.from_new = function(path)
    return select(2, views.provenance(cx.root, cx.nview, path))
  end
  cx.from_old = function(path)
    return select(2, views.provenance(cx.root, cx.lview, path))
  end
  compare_dir(cx, "/")
end


--- Every change of target's chosen layer (see views.open) against the
-- layers below it, as "change" records passed to emit in path order.
-- opts: hash (default true), content (compare the hashes of files that
-- are other inodes with the same metadata, for drivers whose layers are
-- copies; default false), warn (fn(fmt, ...)).  Returns true, or nil
-- and a message.
function M.walk(root, target, layer, emit, opts)
  opts = opts or {}
  local d = views.driver(root)
  if not d then return nil, "no storage driver for this data root" end
  local stack, err = views.stack(root, target, layer)
  if not stack then return nil, err end
  local below = table.move(stack, 2, #stack, 1, {})
  local new, nv = views.open(root, target, stack[1].cache_id)
  if not new then return nil, nv end
  local old, ov
  if #below > 0 then
    old, ov = views.open(root, target, below[1].cache_id)
    if not old then return nil, ov end
  else
    old = overlay.union({})
    ov = { src = old, members = {} }
  end
  local top = nv.members[1]
  if not top or top.cache_id ~= stack[1].cache_id then
    -- the layer itself is missing: what the view shows is another's
    local _, why = views.layer(root, d, stack[1])
    return nil, why or ("layer %s: no folder"):format(stack[1].cache_id)
  end
  local cx = { root = root, emit = emit, hash = opts.hash ~= false,
    content = opts.content == true,
    warn = opts.warn or function(...) views.warn(root, ...) end,
    cache_id = stack[1].cache_id, lpath = top and top.path or "",
    wh = d.whiteouts or "overlay", lower = old, lview = ov, nview = nv,
    pending = {}, view = new }
  if d.whiteouts == "none" or d.diff == "trees" or not top then
    diff_trees(cx, new, old)
  else
    cx.upper = top.src
    diff_dir(cx, "/", false)
  end
  return true
end


--- An iterator over the change records (gathered first).
-- for rec in changes.iter(root, c, "rw") do print(rec.change, rec.path) end
function M.iter(root, target, layer, opts)
  local list = {}
  local ok, err = M.walk(root, target, layer, function(r)
    list[#list + 1] = r end, opts)
  if not ok then return nil, err end
  local i = 0
  return function()
    i = i + 1
    return list[i]
  end
end

return M

-- Layer views: a container's or image's file system at a chosen layer,
-- and what one layer changed against the layers below it, for any
-- storage driver that follows docs/drivers.md.
--
-- Caveats:
-- - A layer whose folder is missing is left out of the view, with a
--   warning; the view is then what the remaining layers show.
-- - Drivers without whiteouts ("none") are compared tree against tree,
--   which reads both trees whole.
local overlay = require "whiteout.overlay"
local util = require "whiteout.util"

local M = {}


--- The evidence path of rel (inside the data root) as the analyst finds
-- it.
function M.where(root, rel)
  rel = rel:gsub("^/+", "")
  if type(root.where) == "function" then return root:where(rel) end
  local base = (root.path or "/"):gsub("/+$", "")
  return base .. "/" .. rel
end


--- Warns once on stderr, through the evidence when there is one.
function M.warn(root, fmt, ...)
  if root.ev and root.ev.warn then root.ev:warn(fmt, ...)
  else require("whiteout.log").warn(fmt, ...) end
end
local warn = M.warn


--- The driver of a data root: root.driver (the model's), else found by
-- the drivers module.
function M.driver(root)
  local d = root.driver
  if type(d) == "table" then return d end
  return require("whiteout.drivers").for_root(root, root.driver_name)
end


-- The index in layers of the chosen layer: "rw", "init", "image", a
-- cache id or a prefix of one (unique).
local function pick(layers, layer)
  if layer == nil or layer == "" or layer == "top" then return 1 end
  local hits = {}
  for i, l in ipairs(layers) do
    if (l.role or "image") == layer or l.cache_id == layer then
      return i
    end
    if l.cache_id and l.cache_id:sub(1, #layer) == layer then
      hits[#hits + 1] = i
    end
  end
  if #hits == 1 then return hits[1] end
  if #hits > 1 then return nil, ("layer '%s' is ambiguous"):format(layer) end
  return nil, ("no layer '%s' in this stack"):format(layer)
end


--- The layers of target (a container or image record) from the chosen
-- layer down, top first.  Returns the list, or nil, message.
function M.stack(root, target, layer)
  if type(target) ~= "table" then
    error("bad argument #2 to 'stack' (container or image expected)", 2)
  end
  local layers = target.layers
  local d = M.driver(root)
  local fn = d and (target.kind == "image" and d.image_layers
    or target.kind ~= "image" and d.container_layers)
  if fn then
    local ok, got = pcall(fn, root, target)
    if not ok then
      warn(root, "driver %s: %s", d.name, tostring(got))
    elseif type(got) == "table" then
      layers = got
    end
  end
  if type(layers) ~= "table" or #layers == 0 then
    return nil, "no layers known for " .. tostring(target.name or
      target.id)
  end
  local i, err = pick(layers, layer)
  if not i then return nil, err end
  return table.move(layers, i, #layers, 1, {})
end


-- One layer's folder: {src, path (in the data root), cache_id}, or nil
-- and a message.
function M.layer(root, d, l)
  local where = d.layer_dir(root, l.cache_id)
  if type(where) == "string" then
    local st = root.src:lstat(where)
    if not st or st.type ~= "dir" then
      return nil, ("layer %s: no folder %s"):format(l.cache_id,
        M.where(root, where))
    end
    local src, err = root.src:sub(where)
    if not src then return nil, err end
    return { src = src, path = where, cache_id = l.cache_id }
  elseif where then
    return { src = where, path = d.layer_path and
      d.layer_path(root, l.cache_id) or "", cache_id = l.cache_id }
  end
  return nil, ("layer %s: the %s driver has no folder for it")
    :format(l.cache_id, d.name)
end


-- The members of a union over layers (skipping missing ones).
local function members(root, d, layers)
  local out = {}
  for _, l in ipairs(layers) do
    local m, err = M.layer(root, d, l)
    if m then out[#out + 1] = m else warn(root, "%s", err) end
  end
  return out
end


--- The default view: a union of the layers' folders (or of the top one
-- alone, no entry taken for a whiteout, for drivers whose layers are
-- full copies: whiteouts = "none").  Returns a Source
-- and the members {src, path, cache_id} in union order.
function M.default_view(root, d, layers)
  local ms
  if d.whiteouts == "none" then
    -- a full copy or snapshot: the top layer alone, entries as they are
    local m, err = M.layer(root, d, layers[1])
    if not m then return nil, err end
    ms = { m }
  else
    ms = members(root, d, layers)
  end
  local srcs = {}
  for i, m in ipairs(ms) do srcs[i] = m.src end
  local u = overlay.union(srcs, { whiteouts = d.whiteouts or "overlay" })
  return u, ms
end


--- A file-system handle on target at layer ("rw", "init", "image", a
-- cache id; default the top): a Source with lstat, stat, dir, readlink,
-- read, sha256, walk.  Also returns a view table {src, members, layers,
-- driver} for provenance.  nil, message when it cannot be built.
-- views.open(root, root:container("fruit"), "rw"):read("/fruit/apples")
function M.open(root, target, layer)
  local d = M.driver(root)
  if not d then return nil, "no storage driver for this data root" end
  local layers, err = M.stack(root, target, layer)
  if not layers then return nil, err end
  local view = d.view or function(r, ls) return M.default_view(r, d, ls) end
  local src, ms = view(root, layers)
  if not src then return nil, ms end
  return src, { src = src, members = ms, layers = layers, driver = d }
end


--- The cache id and evidence path of what supplies path in a view.
function M.provenance(root, v, path, st)
  local i, here = st and st.layer, path
  if overlay.is_union(v.src) then
    -- under a renamed folder the file sits at another path in its layer
    local li, lp = overlay.locate(v.src, path)
    i, here = li or i, lp or path
  end
  local m = v.members[i or 1]
  if not m then return nil, nil end
  return m.cache_id, M.where(root, m.path .. here)
end


--- Stat details shared by file and change records (times RFC 3339;
-- atime, ctime and btime too, for timelines and bodyfiles).
function M.details(rec, st)
  rec.type, rec.size, rec.mode = st.type, st.size, st.mode
  rec.uid, rec.gid, rec.inum = st.uid, st.gid, st.inum
  rec.mtime, rec.atime = util.time(st.mtime), util.time(st.atime)
  rec.ctime, rec.btime = util.time(st.ctime), util.time(st.btime)
  return rec
end

--- The containers or images that playbook args name: --arg container
-- (id, prefix or name) or --arg image (reference); with neither, every
-- container when all is true.  Returns a list of {root, target}, or nil
-- and a message.
function M.targets(ev, args, all)
  local out, errs = {}, {}
  for _, root in ipairs(ev.roots) do
    if args.container or args.image then
      local t, err
      if args.container then t, err = root:container(args.container)
      else t, err = root:image(args.image) end
      if t then out[#out + 1] = { root = root, target = t }
      else errs[#errs + 1] = err end
    elseif all then
      for _, c in ipairs(root:containers()) do
        out[#out + 1] = { root = root, target = c }
      end
    end
  end
  if #out == 0 then
    return nil, errs[1] or "give --arg container=ID or --arg image=REF"
  end
  return out
end


-- Seconds since the epoch from an RFC 3339 time or a number.
local function to_ns(s, name)
  if not s then return nil end
  local n = tonumber(s)
  if n then return math.floor(n * 1e9) end
  local ns = util.parse_time(s)
  if not ns then error(("--arg %s: not a time: %s"):format(name, s), 0) end
  return ns
end


--- The filters of playbook args (path, glob, min_size, max_size,
-- since, until), checked once; raises for a bad value.
function M.filters(args)
  local f = { path = args.path or "/", glob = args.glob,
    min = args.min_size and util.parse_size(args.min_size),
    max = args.max_size and util.parse_size(args.max_size),
    since = to_ns(args.since, "since"),
    ["until"] = to_ns(args["until"], "until") }
  for _, k in ipairs({ "min_size", "max_size" }) do
    if args[k] and not f[k:sub(1, 3)] then
      error(("--arg %s: a size such as 512, 4k or 10M"):format(k), 0)
    end
  end
  if f.glob then f.pattern = util.glob_pattern(f.glob) end
  return f
end


--- Whether path (with its stat) passes the filters.
function M.wanted(f, path, st)
  if f.pattern and not (path:match(f.pattern) or
      path:match("[^/]*$"):match(f.pattern)) then return false end
  if f.min and (st.size or 0) < f.min then return false end
  if f.max and (st.size or 0) > f.max then return false end
  if f.since and (st.mtime or 0) < f.since then return false end
  if f["until"] and (st.mtime or 0) > f["until"] then return false end
  return true
end


--- The canonical absolute form of a path of the analyst's machine
-- (it need not exist), or nil.
function M.local_real(p)
  local qp = "'" .. p:gsub("'", "'\\''") .. "'"
  local h = io.popen("realpath -m -- " .. qp .. " 2>/dev/null")
  local r = h and h:read("l")
  if h then h:close() end
  return r
end


--- The evidence path (as given with -e) that the local path real lies
-- in or is, or nil.
function M.inside_evidence(ev, real)
  for _, p in ipairs(ev.paths or {}) do
    local rp = M.local_real(p)
    if rp and (real == rp or rp == "/" or real:sub(1, #rp + 1) == rp .. "/")
    then
      return p
    end
  end
  return nil
end


--- The folder of rel on the analyst's machine (for mounts): the -e
-- path, joined with the data root's place on a host.
function M.local_path(root, rel)
  local base = root.label or root.path or "/"
  if root.host then base = base:gsub("/+$", "") .. root.path end
  base = base:gsub("/+$", "")
  rel = rel:gsub("^/+", "")
  return rel == "" and base or base .. "/" .. rel
end


--- An iterator over the change records of target's layer against the
-- layers below it (see whiteout.changes).
function M.changes(root, target, layer, opts)
  return require("whiteout.changes").iter(root, target, layer, opts)
end

return M

-- The evidence behind the investigations: which containers reach the host,
-- what they wrote to cron and other persistence places (in their own rw
-- layer, on the host through a bind, deleted, in their logs).  Shared by
-- root-mounts-cron, escape, persistence and triage; returns records.
--
-- Caveats:
-- - A host file's times say when it last changed, not who changed it:
--   in_lifetime means "changed while this container lived", which other
--   containers or the host itself may explain.
-- - Ext4 and XFS keep file times at the kernel's coarse clock (a few
--   milliseconds behind), so the lifetime window is widened by `slack`.
local changes = require "whiteout.changes"
local log = require "whiteout.log"
local persist = require "whiteout.persist"
local reach = require "whiteout.reach"
local util = require "whiteout.util"
local views = require "whiteout.views"

local M = {}

-- Bounds on what one container can make us read.
M.MAX_CONTENT = 4096        -- bytes of a cron file shown
M.MAX_HASH = 64 << 20       -- files hashed at most this size
M.MAX_FILES = 10000         -- files listed per place on the host
M.DEEP = 8                  -- depth walked below a deep cron place


--- Appends the items of list to out; returns out.
function M.append(out, list)
  return table.move(list, 1, #list, #out + 1, out)
end


--- Every container of the evidence, with its data root: list of
-- {root = DataRoot, c = container record}.  Damaged ones are kept: what
-- their readable parts say still counts (see reach_gap).
function M.containers(ev)
  local out = {}
  for _, root in ipairs(ev.roots or {}) do
    local ok, list = pcall(root.containers, root)
    if not ok then
      log.warn("%s: containers could not be read: %s",
        root.label or "?", list)
    else
      for _, c in ipairs(list or {}) do
        out[#out + 1] = { root = root, c = c }
      end
    end
  end
  return out
end


--- True when c is the container ref names (full id, id prefix, or
-- name with or without "/"), or when ref is nil or empty.
function M.picked(c, ref)
  if ref == nil or ref == "" then return true end
  local name = ref:gsub("^/", "")
  return c.name == name or (ref:match("^%x+$") ~= nil
    and (c.id or ""):sub(1, #ref) == ref:lower())
end


--- The evidence as the user named it: the -e paths.
function M.label(ev)
  return table.concat(ev.paths or {}, " ")
end


--- Warns once that the evidence holds no host file system.
function M.warn_no_host(ev)
  log.warn("the evidence is only a data root: the host's file system is "
    .. "not in it, so writes through binds to the host cannot be seen "
    .. "(give the host's root folder or disk image with -e)")
end


--- The container's life in ns: created (or started) to finished, the
-- end open (nil) while it was running or never finished.
function M.lifetime(c)
  local from = util.parse_time(c.created) or util.parse_time(c.started)
  local to = util.parse_time(c.finished)
  if c.running or (to and from and to < from) then to = nil end
  return from, to
end


--- True when any of the times (ns) falls inside [from - slack,
-- to + slack]; an open end accepts every later time.
function M.in_window(times, from, to, slack)
  if not from then return false end
  slack = slack or 0
  for _, t in ipairs(times) do
    if type(t) == "number" and t >= from - slack
      and (not to or t <= to + slack) then
      return true
    end
  end
  return false
end


--- The container with its bind sources resolved on the host's file
-- system when the evidence holds it: a bind of a host symlink reaches
-- what the link names (the source as given is kept as `link`).  Without
-- a host, or when nothing is a link, c itself.
function M.resolved(root, c)
  if not root.host then return c end
  local mounts, changed = {}, false
  for i, m in ipairs(reach.host_mounts(c)) do
    local real = root.host:realpath(m.source)
    if real and reach.norm(real) ~= reach.norm(m.source) then
      local copy = { link = m.source, source = real }
      mounts[i] = setmetatable(copy, { __index = m })
      changed = true
    else
      mounts[i] = m
    end
  end
  if not changed then return c end
  return setmetatable({ mounts = mounts, binds = {} }, { __index = c })
end


--- Why a container's reach cannot be known, or nil: its host
-- configuration (privileges, binds, devices) was not readable.
-- reach_gap({damaged = {"hostconfig.json: missing"}})
--   --> "reach unknown: hostconfig.json missing"
function M.reach_gap(c)
  for _, d in ipairs(c.damaged or {}) do
    local why = d:match("^hostconfig%.json: (.*)$")
    if why then return "reach unknown: hostconfig.json " .. why end
  end
  return nil
end


--- The reach record of one container, or nil when it cannot reach.
-- A container whose host configuration is unreadable gets one with
-- reach "unknown" and the gap as its reason.
function M.reach_record(root, c)
  local reasons = reach.reasons(M.resolved(root, c))
  local gap = M.reach_gap(c)
  if #reasons == 0 and not gap then return nil end
  if gap then reasons[#reasons + 1] = gap end
  return { kind = "reach", container = c.id, name = c.name,
    reasons = reasons, state = c.state, image = c.image,
    command = c.command, reach = #reasons > (gap and 1 or 0) or "unknown",
    damaged = c.damaged,
    created = c.created, started = c.started, finished = c.finished,
    source = c.hostconfig_source or c.source }
end


local RANK = { none = 0, low = 1, unknown = 1.5, medium = 2, high = 3,
  critical = 4 }


--- The escape record of one container: its reach reasons, the other
-- settings that weaken it, the worst level as `risk`, and a summary.
function M.escape_record(root, c)
  local reasons, factors, risk = {}, {}, "none"
  local function take(list, into)
    for _, r in ipairs(list) do
      into[#into + 1] = r[1]
      if RANK[r[2]] > RANK[risk] then risk = r[2] end
    end
  end
  take(reach.assess(M.resolved(root, c)), reasons)
  take(reach.factors(c), factors)
  local gap = M.reach_gap(c)
  local summary = #reasons > 0 and "can reach the host: "
    .. table.concat(reasons, "; ") or gap or #factors > 0 and "weakened: "
    .. table.concat(factors, "; ") or "no reach to the host found"
  if gap and risk == "none" then risk = "unknown" end
  return { kind = "escape", container = c.id, name = c.name,
    state = c.state, image = c.image, risk = risk,
    reach = #reasons > 0 or (gap and "unknown") or false,
    reasons = reasons, factors = factors, summary = summary,
    damaged = c.damaged,
    created = c.created, source = c.hostconfig_source or c.source }
end


--- Orders escape records: the worst risk first, then by name.
function M.by_risk(a, b)
  if RANK[a.risk] ~= RANK[b.risk] then return RANK[a.risk] > RANK[b.risk] end
  return (a.name or "") < (b.name or "")
end


--- The rw layer's cache id, or nil.
function M.rw_layer(c)
  for _, l in ipairs(c.layers or {}) do
    if l.role == "rw" then return l.cache_id end
  end
  return nil
end


-- The rw layer's own Source ({src, path}) for exact times, or nil when
-- the driver gives none.
local function layer_source(root, id)
  local d = views.driver(root)
  if not d or type(d.layer_dir) ~= "function" then return nil end
  local ok, m = pcall(views.layer, root, d, { cache_id = id })
  return ok and m or nil
end


-- The deletion's own entry in the layer: its whiteout (a 0/0 device or
-- aufs' .wh.<name>), else the replaced (opaque) directory above it that
-- hid it.  Returns the stat and, for the second, the directory.
local function deletion_stat(top, path)
  local st = top.src:lstat(path)
  if st then return st end
  local dir, base = path:match("^(.*)/([^/]+)$")
  st = top.src:lstat((dir or "") .. "/.wh." .. (base or ""))
  while not st and dir and dir ~= "" do
    st = top.src:lstat(dir)
    if st then return st, dir end
    dir = dir:match("^(.*)/[^/]+$")
  end
  return st
end


-- The stat of a change: the layer's own entry (for a deletion, see
-- deletion_stat), else what the change record says (for a deletion, the
-- deleted file's details).
local function change_stat(top, r)
  local st, via
  if top and r.change == "deleted" then
    st, via = deletion_stat(top, r.path)
  elseif top then
    st = top.src:lstat(r.path)
  end
  return st or { type = r.type, size = r.size, mode = r.mode, uid = r.uid,
    gid = r.gid, inum = r.inum, mtime = util.parse_time(r.mtime) }, via
end


-- The file changes of a container's rw layer, walked once per run (the
-- investigations share them through the data root's cache).
local function rw_changes(root, c)
  local cache = type(root.cache) == "table" and root.cache or {}
  local key = "findings.changes:" .. c.id
  if cache[key] then return cache[key] end
  local list = {}
  local ok, err = changes.walk(root, c, "rw", function(r)
    if r.type ~= "dir" and r.change ~= "replaced" then
      list[#list + 1] = r
    end
  end, { hash = false })
  if not ok then
    log.warn("%s: rw layer of %s: %s", root:where(""), c.name or c.id, err)
  end
  cache[key] = list
  return list
end


--- The changes of a container's rw layer (whiteout.changes: added,
-- modified, deleted; directories left out) that pass keep(path, st,
-- change): list of {path, change, st, src (the layer's Source, paths as
-- the container sees them), source (evidence path), layer}.  Warns when
-- the layer cannot be read.
function M.layer_entries(root, c, keep)
  local id = M.rw_layer(c)
  if not id then return {} end
  if not views.driver(root) then
    log.warn("%s: no storage driver for this data root, so no layer is "
      .. "read (whiteout list --drivers)", root:where(""))
    return {}
  end
  local list = rw_changes(root, c)
  local top, out = layer_source(root, id), {}
  for _, r in ipairs(list) do
    local st, via = change_stat(top, r)
    if keep(r.path, st, r.change) then
      out[#out + 1] = { path = r.path, change = r.change, st = st,
        src = top and top.src, source = r.source, layer = id,
        hidden_by = via }
    end
    if #out >= M.MAX_FILES then break end
  end
  return out
end


-- A short file's text for a report, and its sha256; nil when too big.
local function read_small(src, path, st)
  if st.type ~= "file" then return nil end
  local text = src:read(path, 0, math.min(st.size, M.MAX_CONTENT + 1))
  local sum = st.size <= M.MAX_HASH and src:sha256(path) or nil
  return persist.content(text, M.MAX_CONTENT), sum
end


-- The fields every file finding shares, from a stat table.
local function file_fields(rec, st)
  rec.type, rec.size, rec.mode = st.type, st.size, st.mode
  rec.uid, rec.gid, rec.inum = st.uid, st.gid, st.inum
  rec.mtime, rec.ctime = util.time(st.mtime), util.time(st.ctime)
  rec.atime, rec.btime = util.time(st.atime), util.time(st.btime)
  return rec
end


--- A finding for one rw-layer entry e (from layer_entries): kind,
-- where "layer" or "deleted", with times, hash and content.
function M.layer_record(root, c, e, kind, slack)
  local from, to = M.lifetime(c)
  local rec = file_fields({ kind = kind, container = c.id, name = c.name,
    where = e.change == "deleted" and "deleted" or "layer", path = e.path,
    layer = e.layer, change = e.change, hidden_by = e.hidden_by,
    source = e.source }, e.st)
  if e.change == "deleted" then
    rec.type, rec.size, rec.mode = nil, nil, nil
  elseif e.src then
    rec.content, rec.sha256 = read_small(e.src, e.path, e.st)
    if e.st.type == "symlink" then rec.target = e.src:readlink(e.path) end
  end
  rec.in_lifetime = M.in_window({ e.st.mtime, e.st.ctime, e.st.btime },
    from, to, slack)
  return rec
end


--- src:walk(path, depth) for a for loop: an empty walk, after a
-- warning naming label, when path cannot be walked (silent when it is
-- absent).
function M.walk(src, path, depth, label)
  local f, s, ctl, close = src:walk(path, depth)
  if f then return f, s, ctl, close end
  if ctl ~= "ENOENT" then log.warn("%s: %s", label or path, s) end
  return function() return nil end
end


--- The host places that hold cron tables and timers: list of
-- {path, depth} (depth 0 for a file).
function M.cron_places()
  local out = {}
  for _, loc in ipairs(reach.CRON) do
    out[#out + 1] = { path = loc.path,
      depth = loc.file and 0 or loc.deep and M.DEEP or 1 }
  end
  out[#out + 1] = { path = "/etc/systemd/system", depth = 3 }
  return out
end


--- The host places persistence hides in: the cron places and
-- persist.HOST_PLACES, and the home folders.
function M.persist_places()
  local out = M.cron_places()
  for _, p in ipairs(persist.HOST_PLACES) do
    out[#out + 1] = { path = p, depth = 2 }
  end
  out[#out + 1] = { path = "/home", depth = 4 }
  return out
end


-- The places a bind reaches, each {start, depth}, narrowed to the
-- bind's source when the source lies inside one.
local function host_places(b, places)
  local out = {}
  for _, pl in ipairs(places) do
    if reach.under(b.source, pl.path) then
      local extra = select(2, b.source:sub(#pl.path + 1):gsub("/", ""))
      out[#out + 1] = { start = b.source,
        depth = math.max(pl.depth - extra, 0) }
    elseif reach.under(pl.path, b.source) then
      out[#out + 1] = { start = pl.path, depth = pl.depth }
    end
  end
  return out
end


-- The host path as the analyst finds it: below the -e folder, or
-- "image:path" inside a disk image.
local function host_source(root, p)
  local label = (root.label or ""):gsub("/+$", "")
  local ok, kind = pcall(root.host.kind, root.host)
  if ok and kind ~= "directory" then return label .. ":" .. p end
  return label .. p
end


-- One host file reached through bind b, as a finding.
local function host_record(root, c, b, p, st, kind, slack)
  local from, to = M.lifetime(c)
  local rec = file_fields({ kind = kind, container = c.id, name = c.name,
    where = "host", path = reach.to_container(p, b.source, b.destination),
    host_path = p, bind = b.source .. ":" .. b.destination,
    source = host_source(root, p) }, st)
  rec.content, rec.sha256 = read_small(root.host, p, st)
  if st.type == "symlink" then rec.target = root.host:readlink(p) end
  rec.in_lifetime = M.in_window({ st.mtime, st.ctime, st.btime },
    from, to, slack)
  return rec
end


--- The files under the host places (default: cron_places()) that bind
-- b reaches and that pass keep(p), as findings of `kind`: list (maybe
-- empty).  Needs root.host.
function M.host_files(root, c, b, keep, kind, slack, places)
  local out = {}
  for _, place in ipairs(host_places(b, places or M.cron_places())) do
    for p, st in M.walk(root.host, place.start, place.depth,
                        host_source(root, place.start)) do
      if st.err then
        log.warn("%s: %s", host_source(root, p), st.err)
      elseif st.type ~= "dir" and keep(p) then
        out[#out + 1] = host_record(root, c, b, p, st, kind, slack)
      end
      if #out >= M.MAX_FILES then break end
    end
  end
  return out
end


-- The deleted names of one live host directory (inode dir_inum) on a
-- disk image: those libtsk still lists unallocated, and, when the
-- deleted module is there, those in the journal's old copies of the
-- directory's blocks.  List of {name, inum, found_in}.
local function deleted_names(tsk, host, dir_inum)
  local out, live = {}, {}
  for _, n in ipairs(tsk.names(host, dir_inum) or {}) do
    if n.allocated then live[n.name] = n.inum elseif n.name ~= "" then
      out[#out + 1] = { name = n.name, inum = n.inum, found_in = "directory" }
    end
  end
  local ok, deleted = pcall(require, "whiteout.deleted")
  if ok and type(deleted.journal_names) == "function" then
    for _, e in ipairs(deleted.journal_names(host,
        deleted.dir_blocks(host, dir_inum), dir_inum)) do
      if live[e.name] ~= e.inum and e.name ~= "." and e.name ~= ".." then
        out[#out + 1] = { name = e.name, inum = e.inum, found_in = "journal" }
      end
    end
  end
  return out
end


-- Fills rec from the freed inode as it is now: times, size, and the
-- content when it still maps its blocks (another file may reuse them).
local function freed_inode(tsk, host, inum, rec)
  local st = tsk.stat(host, inum)
  if not st then return rec end
  rec.size, rec.mode, rec.uid, rec.gid = st.size, st.mode, st.uid, st.gid
  rec.mtime, rec.ctime = util.time(st.mtime), util.time(st.ctime)
  rec.atime, rec.btime = util.time(st.atime), util.time(st.btime)
  local data = st.size <= M.MAX_CONTENT and tsk.iread(host, inum, 0, st.size)
  if data and #data == st.size then
    rec.content = persist.content(data, M.MAX_CONTENT)
    rec.sha256 = require("whiteout.hash").sha256(data)
    rec.content_from = "freed inode " .. inum
  end
  return rec
end


-- A deleted host file as a finding: what its inode still says, or (with
-- whiteout.deleted) its newest copy in the ext4 journal.
local function host_deleted_record(tsk, root, c, b, p, e, kind, slack)
  local rec = { kind = kind, container = c.id, name = c.name,
    where = "deleted", path = reach.to_container(p, b.source,
    b.destination), host_path = p, inum = e.inum, found_in = e.found_in,
    bind = b.source .. ":" .. b.destination, source = host_source(root, p) }
  if e.inum and e.inum > 0 then
    local ok, deleted = pcall(require, "whiteout.deleted")
    if ok and type(deleted.inode) == "function" then
      deleted.inode(root.host, e.inum, rec)
      rec._data, rec._runs = nil, nil
      if rec.content then
        rec.content = persist.content(rec.content, M.MAX_CONTENT)
      end
    else
      freed_inode(tsk, root.host, e.inum, rec)
    end
  end
  local from, to = M.lifetime(c)
  rec.in_lifetime = M.in_window({ util.parse_time(rec.mtime),
    util.parse_time(rec.ctime), util.parse_time(rec.btime) }, from, to,
    slack)
  return rec
end


--- Deleted files in the host places that bind b reaches, when the host
-- is a file system inside a disk image: names that passed keep(p), as
-- findings of `kind` with where "deleted".  Empty for a host folder.
function M.host_deleted(root, c, b, keep, kind, slack, places)
  local okt, tsk = pcall(require, "whiteout.tsk")
  if not okt or not pcall(tsk.info, root.host) then return {} end
  local out = {}
  for _, place in ipairs(host_places(b, places or M.cron_places())) do
    for p, st in M.walk(root.host, place.start, place.depth,
                        host_source(root, place.start)) do
      if st.type == "dir" then
        for _, e in ipairs(deleted_names(tsk, root.host, st.inum)) do
          local path = (p == "/" and "" or p) .. "/" .. e.name
          if keep(path) then
            out[#out + 1] = host_deleted_record(tsk, root, c, b, path, e,
              kind, slack)
          end
        end
      end
      if #out >= M.MAX_FILES then break end
    end
  end
  return out
end


-- The container's log lines (records of kind "log" from the model).
local function log_lines(root, c)
  local ok, lines = pcall(root.logs, root, c)
  if ok and type(lines) == "table" then return lines end
  log.warn("%s: logs could not be read: %s", c.name or c.id, lines)
  return {}
end


--- The log lines of a container that touch cron, as "cron-write"
-- findings with where "log".
function M.log_records(root, c, slack)
  local from, to = M.lifetime(c)
  local out = {}
  for _, l in ipairs(log_lines(root, c)) do
    local text = l.kind == "log" and l.line
    if type(text) == "string" and persist.log_touches_cron(text) then
      out[#out + 1] = { kind = "cron-write", container = c.id,
        name = c.name, where = "log", time = l.time, stream = l.stream,
        content = persist.content(text, M.MAX_CONTENT), lineno = l.lineno,
        in_lifetime = M.in_window({ util.parse_time(l.time) }, from, to,
          slack),
        source = l.source or root:where("containers/" .. c.id) }
    end
  end
  return out
end


--- A "note" record: something the evidence cannot say about c.
function M.note(root, c, text)
  return { kind = "note", container = c.id, name = c.name, text = text,
    source = root.label or root:where("") }
end


--- Every cron write of one container: its rw layer (added, changed and
-- deleted cron tables and timers), the host through its binds (or a note
-- that the host is not in the evidence), and its log lines.
function M.cron_writes(root, c, slack)
  local out = {}
  for _, e in ipairs(M.layer_entries(root, c, persist.is_schedule)) do
    out[#out + 1] = M.layer_record(root, c, e, "cron-write", slack)
  end
  local binds = reach.cron_binds(M.resolved(root, c))
  for _, b in ipairs(binds) do
    if root.host then
      M.append(out, M.host_files(root, c, b, persist.is_schedule,
        "cron-write", slack))
      M.append(out, M.host_deleted(root, c, b, persist.is_schedule,
        "cron-write", slack))
    end
  end
  if #binds > 0 and not root.host then
    out[#out + 1] = M.note(root, c, ("the host's file system is not in "
      .. "the evidence, so cron files written through %s cannot be "
      .. "checked: give the host's root folder or disk image with -e")
      :format(M.bind_list(binds)))
  end
  M.append(out, M.log_records(root, c, slack))
  return out
end


-- Keeps persistence places, and new or changed setuid or setgid files.
local function persistent(path, st, change)
  return persist.kind(path) ~= nil or (change ~= "deleted"
    and st.type == "file" and persist.is_setid(st.mode))
end


-- A persistence finding: a file finding with `what` it is, and its
-- `severity`: "low" for what cannot run by itself (a copy of
-- authorized_keys), else "high".
local function what(rec, st, path)
  rec.what = persist.kind(path or rec.path) or (persist.is_setid(st.mode)
    and "setuid") or "?"
  rec.severity = rec.what == "ssh-copy" and "low" or "high"
  if rec.what == "ssh-copy" then
    rec.note = "a copy of authorized_keys: sshd does not read it"
  end
  return rec
end


--- Every persistence finding of one container: cron tables, timers,
-- systemd units, shell profiles, rc scripts, ld.so.preload, ssh keys
-- and setuid files in its rw layer (added, changed or deleted), and the
-- persistence places on the host under its binds (or a note when the
-- host is not in the evidence).  Records of kind "persistence".
function M.persistence(root, c, slack)
  local out = {}
  for _, e in ipairs(M.layer_entries(root, c, persistent)) do
    out[#out + 1] = what(M.layer_record(root, c, e, "persistence", slack),
      e.st)
  end
  local places, binds = M.persist_places(), {}
  for _, m in ipairs(reach.host_mounts(M.resolved(root, c))) do
    local b = { source = reach.norm(m.source), rw = m.rw ~= false,
      destination = reach.norm(m.destination or "/") }
    if #host_places(b, places) > 0 then binds[#binds + 1] = b end
  end
  for _, b in ipairs(binds) do
    if root.host then
      local list = M.host_files(root, c, b, persist.kind, "persistence",
        slack, places)
      M.append(list, M.host_deleted(root, c, b, persist.kind,
        "persistence", slack, places))
      for _, r in ipairs(list) do
        out[#out + 1] = what(r, {}, r.host_path)
      end
    end
  end
  if #binds > 0 and not root.host then
    out[#out + 1] = M.note(root, c, ("the host's file system is not in "
      .. "the evidence, so persistence through %s cannot be checked")
      :format(M.bind_list(binds)))
  end
  return out
end


--- Binds as "src:dst" text, space-separated.
function M.bind_list(binds)
  local out = {}
  for i, b in ipairs(binds) do out[i] = b.source .. ":" .. b.destination end
  return table.concat(out, " ")
end

return M

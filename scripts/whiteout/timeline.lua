-- One time-ordered list of what happened on a Docker host: image builds,
-- container creation, start and finish, log lines, and the times of the
-- files in each container's rw layer.  Records of kind "event".
--
-- Caveats:
-- - File times are those the layer keeps now: a file changed twice shows
--   only its last change; deleted files show the whiteout's times.
-- - Docker's zero time ("0001-01-01...") means "never" and gives no event.
local deleted = require "whiteout.deleted"
local findings = require "whiteout.findings"
local log = require "whiteout.log"
local util = require "whiteout.util"

local M = {}


-- Adds an event when t is a real time.
local function add(out, t, fields)
  local ns = util.parse_time(t)
  if not ns then return end
  fields.kind, fields.time, fields.ns = "event", t, ns
  out[#out + 1] = fields
end


-- Tagged images first, so a build step shared with the intermediate
-- images of the same build is told under the tag.
local function tagged_first(list)
  local out, rank = {}, {}
  for i, img in ipairs(list) do
    out[i] = img
    rank[img] = { img.tags and img.tags[1] and 0 or 1,
      util.parse_time(img.created) or 0, i }
  end
  table.sort(out, function(a, b)
    local ra, rb = rank[a], rank[b]
    for i = 1, 3 do
      if ra[i] ~= rb[i] then return ra[i] < rb[i] end
    end
    return false
  end)
  return out
end


--- Image events: each image's creation, and each build step once (an
-- image repeats its parent's history).
function M.images(root, out)
  local ok, list = pcall(root.images, root)
  if not ok then log.warn("images: %s", list) return out end
  local seen = {}
  for _, img in ipairs(tagged_first(list or {})) do
    local ref = img.tags and img.tags[1] or util.bare(img.id or "?")
      :sub(1, 12)
    for i, h in ipairs(img.history or {}) do
      local text = h.created_by or h.comment or "?"
      local key = tostring(h.created) .. "\0" .. text
      if not seen[key] then
        seen[key] = true
        add(out, h.created, { what = "build-step", image = ref,
          description = ("step %d: %s"):format(i, text),
          source = img.source })
      end
    end
    add(out, img.created, { what = "image-created", image = ref,
      description = "image " .. ref .. " created", source = img.source })
  end
  return out
end


--- A container's own events: created, started, finished.
function M.container(c, out)
  local base = { container = c.id, name = c.name, image = c.image,
    source = c.source }
  local function ev(t, what, text)
    local f = { what = what, description = text }
    for k, v in pairs(base) do f[k] = v end
    add(out, t, f)
  end
  ev(c.created, "container-created", ("container created from %s: %s")
    :format(c.image or "?", c.command or ""))
  ev(c.started, "container-started", "container started")
  if not c.running then
    ev(c.finished, "container-finished", ("container finished (exit %s)")
      :format(tostring(c.exit_code)))
  end
  return out
end


--- A container's log lines as events.
function M.logs(root, c, out)
  local ok, lines = pcall(root.logs, root, c)
  if not ok then log.warn("%s: logs: %s", c.name or c.id, lines) end
  for _, l in ipairs(ok and lines or {}) do
    if l.kind == "log" then
      add(out, l.time, { what = "log", container = c.id, name = c.name,
        stream = l.stream, description = l.line, source = l.source })
    end
  end
  return out
end


--- The files of a container's rw layer as events (time = mtime), with
-- all four times for the bodyfile.
function M.files(root, c, out)
  local list = findings.layer_entries(root, c, function() return true end)
  for _, e in ipairs(list) do
    local st = e.st
    add(out, util.time(st.mtime), { what = e.change == "deleted"
      and "deleted" or "file", container = c.id, name = c.name,
      path = e.path, layer = e.layer, inum = st.inum,
      hidden_by = e.hidden_by,
      size = e.change ~= "deleted" and st.size or nil,
      type = e.change ~= "deleted" and st.type or nil,
      mode = e.change ~= "deleted" and st.mode or nil,
      uid = st.uid, gid = st.gid, mtime = util.time(st.mtime),
      atime = util.time(st.atime), ctime = util.time(st.ctime),
      btime = util.time(st.btime), source = e.source })
  end
  return out
end


--- Host files a container's binds reach (persistence places) that
-- changed while it lived, as events of `what` "host-file".
function M.host(root, c, out)
  if not root.host then return out end
  for _, r in ipairs(findings.persistence(root, c, 1000000000)) do
    if r.where == "host" and r.in_lifetime then
      r.kind, r.what, r.description = nil, "host-file", r.what
      r.content = nil
      add(out, r.mtime, r)
    end
  end
  return out
end


-- A deleted file of a disk image (deleted.timeline) as an event at its
-- deletion time (the inode's dtime, else the journal transaction that
-- last showed its name).
local function deleted_event(r, out)
  r.kind, r.name = nil, r.container or r.image
  r.time_from = r.dtime and "dtime" or "journal"
  r.description = r.found_in and ("deleted (found in the %s)")
    :format(r.found_in) or "deleted"
  add(out, r.dtime or r.journal_time, r)
end


-- A removed container's recovered life: created, its log lines, and
-- the last journal transaction that still listed its folder.
local function removed_events(c, out)
  local base = { container = c.id, name = c.name, image = c.image,
    removed = true, source = c.source }
  local function ev(t, what, text, extra)
    local f = { what = what, description = text }
    for k, v in pairs(base) do f[k] = v end
    for k, v in pairs(extra or {}) do f[k] = v end
    add(out, t, f)
  end
  ev(c.created, "container-created", ("container created from %s "
    .. "(removed since): %s"):format(c.image or "?",
    table.concat(type(c.cmd) == "table" and c.cmd or {}, " ")))
  for _, l in ipairs(c.log or {}) do
    ev(l.time, "log", l.text, { stream = l.stream })
  end
  ev(c.journal_time, "container-removed", ("folder last seen in journal "
    .. "transaction %s; removed after"):format(tostring(c.journal_seq)),
    { journal_seq = c.journal_seq, inum = c.inum, path = c.path })
end


--- On a disk image, what the file system remembers of what is gone:
-- deleted layer files at their deletion times (`what` "deleted", with
-- time_from dtime or journal) and containers removed with docker rm
-- (created, log lines, container-removed).  Nothing elsewhere.
function M.disk(root, out)
  if not deleted.applies(root) then return out end
  for _, r in ipairs(deleted.timeline(root, { fs = false })) do
    if r.what == "deleted" then deleted_event(r, out) end
  end
  for _, c in ipairs(deleted.removed(root)) do removed_events(c, out) end
  return out
end


--- The file system's times of every live entry under the data root
-- (what "fs"), as `fls -m` lists them, at each entry's mtime; the
-- bodyfile format gives all four times.
function M.fs(root, out)
  for _, r in ipairs(deleted.timeline(root, { deleted = false })) do
    r.kind = nil
    r.description = "file system entry"
    add(out, r.mtime or r.ctime, r)
  end
  return out
end


--- Sorts events by time, keeping the order they were gathered in for
-- equal times (log lines printed in one instant stay in order), and
-- drops the sort keys.  Returns the list.
function M.sort(list)
  for i, e in ipairs(list) do e.seq = i end
  table.sort(list, function(a, b)
    if a.ns ~= b.ns then return a.ns < b.ns end
    return a.seq < b.seq
  end)
  for _, e in ipairs(list) do e.ns, e.seq = nil, nil end
  return list
end

return M

-- Text renderings shared by the metadata playbooks: short UTC times,
-- key/value views of one record, and image history as a Dockerfile.
local output = require "whiteout.output"
local util = require "whiteout.util"

local M = {}


--- A Docker time for people: "2026-12-03 16:07:43Z" (UTC, seconds);
-- Docker's zero time and nil give "-"; text that is not a time is kept.
function M.time(s)
  if s == nil then return "-" end
  if type(s) ~= "string" then
    error("bad argument #1 to 'time' (string expected)", 2)
  end
  local ns = util.parse_time(s)
  if not ns then return s:match("^0001%-01%-01") and "-" or s end
  return os.date("!%Y-%m-%d %H:%M:%SZ", ns // 1000000000)
end


--- Text safe for a terminal: control characters (escape sequences a
-- container printed, say) shown as \xNN; newlines kept when keep_nl.
function M.safe(s, keep_nl)
  if type(s) ~= "string" then
    error("bad argument #1 to 'safe' (string expected)", 2)
  end
  return (s:gsub("[%c\127]", function(c)
    if keep_nl and c == "\n" then return c end
    return ("\\x%02x"):format(c:byte())
  end))
end


-- Ids as people read them in tables: "sha256:" dropped, so that the
-- table shortens them to 12 characters.
local function short_ids(row)
  local out = {}
  for k, v in pairs(row) do
    out[k] = type(v) == "string" and v:match("^sha256:(%x+)$") or v
  end
  return out
end


-- Columns of nested rows: the usual ones first.
local NESTED_FIRST = { "role", "cache_id", "chain_id", "diff_id", "size",
  "type", "source", "destination", "rw", "name", "created", "created_by",
  "empty_layer" }


local function nested_columns(rows)
  local seen, cols = {}, {}
  for _, c in ipairs(output.columns_of(rows)) do seen[c] = true end
  for _, c in ipairs(NESTED_FIRST) do
    if seen[c] then cols[#cols + 1] = c; seen[c] = nil end
  end
  for _, c in ipairs(output.columns_of(rows)) do
    if seen[c] then cols[#cols + 1] = c end
  end
  return cols
end


--- Records grouped by data root, in the order roots first appear: a
-- list of {root = path, recs = list}.  Lets a text view head each
-- group when a host held several data roots.
function M.by_root(recs)
  if type(recs) ~= "table" then
    error("bad argument #1 to 'by_root' (table expected)", 2)
  end
  local groups, at = {}, {}
  for _, r in ipairs(recs) do
    local key = r.data_root or ""
    if not at[key] then
      at[key] = #groups + 1
      groups[#groups + 1] = { root = key, recs = {} }
    end
    table.insert(groups[at[key]].recs, r)
  end
  return groups
end


--- Writes each data root's records with fn(recs), under a "# data root
-- PATH" line when there are several.
function M.each_root(write, recs, fn)
  local groups = M.by_root(recs)
  for i, g in ipairs(groups) do
    if #groups > 1 then
      write(i > 1 and "\n" or "", "# data root ", g.root, "\n")
    end
    fn(g.recs)
  end
end


--- Copies of records with the named fields turned into short times.
function M.with_times(recs, fields)
  if type(recs) ~= "table" or type(fields) ~= "table" then
    error("bad argument to 'with_times' (records and fields expected)", 2)
  end
  local out = {}
  for i, r in ipairs(recs) do
    local c = {}
    for k, v in pairs(r) do c[k] = v end
    for _, f in ipairs(fields) do
      if type(c[f]) == "string" then c[f] = M.time(c[f]) end
    end
    out[i] = c
  end
  return out
end


-- One value on one line: lists joined, maps as k=v.
local function inline(v)
  if type(v) ~= "table" then return output.flat(v, false) end
  if #v > 0 or next(v) == nil then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = inline(x) end
    return table.concat(parts, ", ")
  end
  local parts = {}
  for _, k in ipairs(util.keys(v)) do
    parts[#parts + 1] = k .. "=" .. inline(v[k])
  end
  return table.concat(parts, " ")
end


--- Writes a record as "key  value" lines; lists of tables (layers,
-- mounts, history) as indented tables under their key.
function M.keyvalue(write, rec, order)
  if type(write) ~= "function" or type(rec) ~= "table" then
    error("bad argument to 'keyvalue' (writer and record expected)", 2)
  end
  local keys, seen = {}, {}
  for _, k in ipairs(order or {}) do
    if rec[k] ~= nil then keys[#keys + 1] = k; seen[k] = true end
  end
  for _, k in ipairs(util.keys(rec)) do
    if not seen[k] then keys[#keys + 1] = k end
  end
  local nested = {}
  for _, k in ipairs(keys) do
    local v = rec[k]
    if type(v) == "table" and type(v[1]) == "table" then
      nested[#nested + 1] = k
    elseif v ~= "" and not (type(v) == "table" and next(v) == nil) then
      local text = M.safe(inline(v), true)
      if #text > 60 and type(v) == "table" and #v > 1 then
        -- a long list (env, masked paths): one item a line
        local items = {}
        for i, x in ipairs(v) do items[i] = M.safe(inline(x), true) end
        text = table.concat(items, "\n")
      end
      write(("%-18s %s\n"):format(k, (text:gsub("\n", "\n"
        .. (" "):rep(19)))))
    end
  end
  for _, k in ipairs(nested) do
    write("\n", k, ":\n")
    local rows = {}
    for i, row in ipairs(rec[k]) do rows[i] = short_ids(row) end
    output.table(function(...)
      local s = M.safe(table.concat({ ... }), true)
      write((s:gsub("^", "  "):gsub("\n(.)", "\n  %1")))
    end, rows, nested_columns(rows), 72)
  end
end


-- Dockerfile instructions Docker records after "#(nop)".
local NOP = "^/bin/sh %-c #%(nop%)%s*(.-)%s*$"


--- One history entry's created_by as a Dockerfile line.
function M.instruction(h)
  if type(h) ~= "table" then
    error("bad argument #1 to 'instruction' (table expected)", 2)
  end
  local by = h.created_by
  if not by or by == "" then
    return "FROM scratch" .. (h.comment and "  # " .. h.comment or "")
  end
  by = by:gsub("%s*# buildkit%s*$", "")
  local nop = by:match(NOP)
  if nop then
    return (nop:gsub("^(%u+) (%S+) in (%S+)$", "%1 %2 %3"))
  end
  if by:match("^%u+ ") then return by end
  by = by:gsub("^|%d+ [^/]-(/bin/sh)", "%1")
  return "RUN " .. (by:gsub("^/bin/sh %-c ", ""))
end


--- Writes an image's history as a pseudo-Dockerfile, oldest first.
function M.dockerfile(write, img)
  if type(write) ~= "function" or type(img) ~= "table" then
    error("bad argument to 'dockerfile' (writer and image expected)", 2)
  end
  local name = img.tags and img.tags[1] or util.bare(img.id):sub(1, 12)
  write("# ", name, "  (", img.id, ")\n")
  for _, h in ipairs(img.history or {}) do
    local layer = h.diff_id and (" layer " .. util.bare(h.diff_id)
      :sub(1, 12)) or ""
    write("# ", M.time(h.created), layer, "\n")
    write(M.instruction(h), "\n")
  end
end

return M

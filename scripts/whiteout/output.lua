-- Record formatters: text for people, json, jsonl and csv for tools, and
-- the TSK bodyfile for mactime and plaso.  Records are plain tables.
local util = require "whiteout.util"

local M = {}

local cjson = require "cjson"
cjson.encode_sparse_array(true)

-- Fields shown first in text tables, in this order, when present.
local FIRST = { "kind", "container", "name", "id", "path", "change", "type",
                "where", "image", "state", "created", "time", "size" }
local FIRST_RANK = {}
for i, k in ipairs(FIRST) do FIRST_RANK[k] = i end


--- Encodes one record as compact JSON.
-- Debian's cjson 2.1 writes every empty table as {}; we mark empty ones
-- with a sentinel string and put [] (or {} for util.object) in its place.
local EMPTY_LIST, EMPTY_MAP = "\0[]\0", "\0{}\0"

local function mark_empties(v, depth)
  if depth > 64 then return v end
  local copy = {}
  for k, x in pairs(v) do
    if type(x) == "table" then
      if next(x) == nil then
        x = getmetatable(x) == util.OBJECT and EMPTY_MAP or EMPTY_LIST
      else
        x = mark_empties(x, depth + 1)
      end
    end
    copy[k] = x
  end
  return copy
end


function M.json(rec)
  local text = cjson.encode(mark_empties(rec, 0))
  text = text:gsub('"\\u0000%[%]\\u0000"', "[]")
    :gsub('"\\u0000{}\\u0000"', "{}")
  -- Debian's cjson escapes every "/" as "\/"; undo it for readability
  -- (it never writes a raw "/" after a backslash, so this is exact)
  return (text:gsub("\\/", "/"))
end


local function is_list(t)
  return type(t) == "table" and (#t > 0 or next(t) == nil)
end


-- A scalar for a table cell or a CSV field.
local function flat(v, short)
  if v == nil or v == cjson.null then return "" end
  if type(v) == "boolean" or type(v) == "number" then return tostring(v) end
  if type(v) == "string" then
    if short and util.is_id(v) then return v:sub(1, 12) end
    if short then v = v:gsub("[\r\n\t]", " ") end
    return v
  end
  if is_list(v) then
    local parts = {}
    for _, x in ipairs(v) do
      parts[#parts + 1] = type(x) == "table" and cjson.encode(x)
        or flat(x, short)
    end
    return table.concat(parts, short and "," or ";")
  end
  return cjson.encode(v)
end
M.flat = flat


-- The columns of a set of records: the playbook's choice, or every key
-- seen, well-known ones first.
local function columns_of(recs, chosen)
  if chosen then return chosen end
  local seen, cols = {}, {}
  for _, r in ipairs(recs) do
    for k in pairs(r) do
      if not seen[k] then seen[k] = true; cols[#cols + 1] = k end
    end
  end
  table.sort(cols, function(a, b)
    local ra, rb = FIRST_RANK[a] or 100, FIRST_RANK[b] or 100
    if ra ~= rb then return ra < rb end
    return a < b
  end)
  return cols
end
M.columns_of = columns_of


local function utf8_len(s)
  return utf8.len(s) or #s
end


--- Writes records as an aligned table with a header.  maxw cuts cells.
function M.table(write, recs, cols, maxw)
  maxw = maxw or 60
  local rows, width = {}, {}
  for i, c in ipairs(cols) do width[i] = utf8_len(c:upper()) end
  for _, r in ipairs(recs) do
    local row = {}
    for i, c in ipairs(cols) do
      local s = flat(r[c], true)
      if utf8_len(s) > maxw then s = s:sub(1, maxw - 3) .. "..." end
      row[i] = s
      if utf8_len(s) > width[i] then width[i] = utf8_len(s) end
    end
    rows[#rows + 1] = row
  end
  local function line(cells)
    local out = {}
    for i, s in ipairs(cells) do
      out[i] = i < #cells and s .. (" "):rep(width[i] - utf8_len(s)) or s
    end
    write(table.concat(out, "  "), "\n")
  end
  local head = {}
  for i, c in ipairs(cols) do head[i] = c:upper() end
  line(head)
  for _, row in ipairs(rows) do line(row) end
end


-- Groups records by kind, keeping the order kinds first appear.
local function by_kind(recs)
  local groups, order = {}, {}
  for _, r in ipairs(recs) do
    local k = r.kind or "?"
    if not groups[k] then groups[k] = {}; order[#order + 1] = k end
    table.insert(groups[k], r)
  end
  return groups, order
end
M.by_kind = by_kind


--- The default text rendering: one table per kind.  A playbook's
-- `columns[kind]` chooses the columns; `source` is left to json.
function M.text(write, recs, pb)
  local groups, order = by_kind(recs)
  for n, k in ipairs(order) do
    if n > 1 then write("\n") end
    local cols = pb and pb.columns and pb.columns[k]
    if not cols then
      cols = {}
      for _, c in ipairs(columns_of(groups[k])) do
        if c ~= "source" and c ~= "kind" then cols[#cols + 1] = c end
      end
    end
    if #order > 1 then write("# ", k, "\n") end
    M.table(write, groups[k], cols)
  end
end


local function csv_field(s)
  if s:find('[,"\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end


--- CSV: one header of every field seen, nested values flattened.
function M.csv(write, recs)
  local cols = columns_of(recs)
  local head = {}
  for i, c in ipairs(cols) do head[i] = csv_field(c) end
  write(table.concat(head, ","), "\n")
  for _, r in ipairs(recs) do
    local row = {}
    for i, c in ipairs(cols) do row[i] = csv_field(flat(r[c], false)) end
    write(table.concat(row, ","), "\n")
  end
end


local function secs(t)
  if type(t) == "number" then return t // 1000000000 end
  local ns = util.parse_time(t)
  return ns and ns // 1000000000 or 0
end


-- The four bodyfile times of a record: a file's own, or an event's one
-- time in all four (mactime would otherwise list it at the epoch).
local function body_times(r)
  if r.mtime or r.atime or r.ctime or r.btime then
    return secs(r.atime), secs(r.mtime), secs(r.ctime), secs(r.btime)
  end
  local t = secs(r.time)
  return t, t, t, t
end


--- The TSK 3 bodyfile: MD5|name|inode|mode|UID|GID|size|atime|mtime|
-- ctime|crtime, for every record that has a time.
function M.bodyfile(write, recs)
  for _, r in ipairs(recs) do
    local t = r.mtime or r.atime or r.ctime or r.btime or r.time
    if t then
      -- a container's event without a path is named by the container
      local name = r.path or not r.container and (r.name or r.image
        or r.id) or nil
      if r.container then
        name = (r.name or r.container:sub(1, 12)) .. (name and ":" .. name
          or "")
      end
      name = name or "?"
      if r.description then name = name .. " (" .. r.description .. ")" end
      local mode = r.type and r.mode and util.mode_string(r.type, r.mode)
        or "0"
      local a, m, c, b = body_times(r)
      write(table.concat({ r.sha256 or "0", (name:gsub("|", "_")),
        tostring(r.inum or 0), mode, tostring(r.uid or 0),
        tostring(r.gid or 0), tostring(r.size or 0), a, m, c, b }, "|"),
        "\n")
    end
  end
end

M.formats = { text = true, json = true, jsonl = true, csv = true,
              bodyfile = true }

return M

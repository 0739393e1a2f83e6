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


-- Columns whose text matters whole: wrapped at the width, never cut.
local WRAP = { message = true, finding = true, findings = true, note = true,
  notes = true, reason = true, reasons = true, content = true,
  strings = true, preview = true, summary = true, why = true,
  description = true, detail = true, line = true }
M.WRAP = WRAP


-- Splits s into pieces of at most w characters, at spaces when it can.
local function wrap(s, w)
  local out = {}
  while utf8_len(s) > w do
    local cut = utf8.offset(s, w + 1) or (w + 1)
    local head = s:sub(1, cut - 1)
    local sp = head:match("^.*() ")
    if sp and sp > w // 3 then
      out[#out + 1], s = s:sub(1, sp - 1), s:sub(sp + 1)
    else
      out[#out + 1], s = head, s:sub(cut)
    end
  end
  out[#out + 1] = s
  return out
end


-- One row's cells, each a list of lines (one unless wrapped).
local function row_cells(r, cols, maxw)
  local row = {}
  for i, c in ipairs(cols) do
    local s = flat(r[c], true)
    if WRAP[c] then
      row[i] = wrap(s, maxw)
    else
      if utf8_len(s) > maxw then s = s:sub(1, maxw - 3) .. "..." end
      row[i] = { s }
    end
  end
  return row
end


--- Writes records as an aligned table with a header.  maxw cuts cells,
-- except those of WRAP columns, which wrap onto further lines.
function M.table(write, recs, cols, maxw)
  maxw = maxw or 60
  local rows, width = {}, {}
  for i, c in ipairs(cols) do width[i] = utf8_len(c:upper()) end
  for _, r in ipairs(recs) do
    local row = row_cells(r, cols, maxw)
    for i, cell in ipairs(row) do
      for _, s in ipairs(cell) do
        if utf8_len(s) > width[i] then width[i] = utf8_len(s) end
      end
    end
    rows[#rows + 1] = row
  end
  local function line(cells)
    local out = {}
    for i, s in ipairs(cells) do
      out[i] = i < #cells and s .. (" "):rep(width[i] - utf8_len(s)) or s
    end
    write((table.concat(out, "  "):gsub("%s+$", "")), "\n")
  end
  local head = {}
  for i, c in ipairs(cols) do head[i] = c:upper() end
  line(head)
  for _, row in ipairs(rows) do
    local n = 1
    for _, cell in ipairs(row) do n = math.max(n, #cell) end
    for k = 1, n do
      local cells = {}
      for i, cell in ipairs(row) do cells[i] = cell[k] or "" end
      line(cells)
    end
  end
end


--- Groups records by one field ("?" when absent), keeping the order the
-- values first appear.  Returns groups (value -> records) and order.
function M.group(recs, field)
  local groups, order = {}, {}
  for _, r in ipairs(recs) do
    local k = r[field] or "?"
    if not groups[k] then groups[k] = {}; order[#order + 1] = k end
    table.insert(groups[k], r)
  end
  return groups, order
end


-- Groups records by kind.
local function by_kind(recs)
  return M.group(recs, "kind")
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


-- Escapes a bodyfile name so one record is one line and fields stay
-- apart: backslash, "|" and control bytes become \\, \x7c, \n, \x1b...
local ESC = { ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t" }
local function body_name(s)
  return (s:gsub("[%c|\\\127]", function(c)
    return ESC[c] or ("\\x%02x"):format(c:byte())
  end))
end
M.body_name = body_name


-- The mode column: the mode string when the type or the mode is known
-- ("?" for unknown permission bits), else "0".
local function body_mode(r)
  if r.mode ~= nil and math.type(r.mode) == "integer" then
    return util.mode_string(r.type, r.mode)
  end
  if type(r.type) == "string" then
    return util.mode_string(r.type, 0):sub(1, 1) .. ("?"):rep(9)
  end
  return "0"
end


-- The name column: path (or the container's or image's name), what the
-- record describes, and the sha256 (the first column holds MD5 only).
local function body_label(r)
  -- a container's event without a path is named by the container
  local name = r.path or not r.container and (r.name or r.image
    or r.id) or nil
  if r.container then
    name = (r.name or r.container:sub(1, 12)) .. (name and ":" .. name
      or "")
  end
  name = name or "?"
  if r.description then name = name .. " (" .. r.description .. ")" end
  if type(r.sha256) == "string" then
    name = name .. " [sha256 " .. r.sha256 .. "]"
  end
  return body_name(name)
end


--- The TSK 3 bodyfile: MD5|name|inode|mode|UID|GID|size|atime|mtime|
-- ctime|crtime, for every record that has a time.
function M.bodyfile(write, recs)
  for _, r in ipairs(recs) do
    if r.mtime or r.atime or r.ctime or r.btime or r.time then
      local md5 = type(r.md5) == "string" and r.md5:match("^%x+$")
        and #r.md5 == 32 and r.md5 or "0"
      local a, m, c, b = body_times(r)
      write(table.concat({ md5, body_label(r), tostring(r.inum or 0),
        body_mode(r), tostring(r.uid or 0), tostring(r.gid or 0),
        tostring(r.size or 0), a, m, c, b }, "|"), "\n")
    end
  end
end

M.formats = { text = true, json = true, jsonl = true, csv = true,
              bodyfile = true }

return M

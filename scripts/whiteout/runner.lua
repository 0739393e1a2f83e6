-- Loads playbooks, checks their fields, runs them over an evidence and
-- hands their records to a formatter.  A failing playbook prints one line
-- and the others go on.
local log = require "whiteout.log"
local output = require "whiteout.output"

local M = { dirs = {} }

-- What a playbook may do: the access categories (exactly one) and the
-- topics (any).
M.ACCESS = { safe = "reads only", writes = "writes to a folder you name",
  mounts = "mounts file systems read-only (root)",
  activates = "sets up loop or device-mapper devices (root)" }
M.TOPICS = { metadata = true, filesystem = true, logs = true,
  investigation = true, recovery = true, timeline = true,
  devicemapper = true, report = true }


--- Adds a folder to search for playbooks (the shipped one is first).
function M.add_dir(dir)
  M.dirs[#M.dirs + 1] = dir
end


local function readable(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end


--- The file of a playbook name (or a path ending in .lua).
function M.find(name)
  if name:match("%.lua$") and readable(name) then return name end
  if name:match("[^%w_%-]") then return nil end
  for _, d in ipairs(M.dirs) do
    local p = d .. "/" .. name .. ".lua"
    if readable(p) then return p end
  end
  return nil
end


local function check_field(pb, field, kind, where)
  if type(pb[field]) ~= kind then
    error(("%s: field '%s' must be a %s"):format(where, field, kind), 0)
  end
end


-- Checks categories: exactly one access category, known topics.
local function check_categories(pb, where)
  local access = 0
  for _, c in ipairs(pb.categories) do
    if M.ACCESS[c] then
      access = access + 1
    elseif not M.TOPICS[c] then
      error(("%s: unknown category '%s'"):format(where, c), 0)
    end
  end
  if access ~= 1 then
    error(where .. ": needs exactly one of safe, writes, mounts, "
      .. "activates among its categories", 0)
  end
end


--- Loads and validates a playbook file; raises with the file's name.
function M.load(path)
  local chunk, err = loadfile(path, "t")
  if not chunk then error(err, 0) end
  local pb = chunk()
  local where = path
  if type(pb) ~= "table" then error(where .. ": returns no table", 0) end
  for _, f in ipairs({ "description", "usage", "sample" }) do
    check_field(pb, f, "string", where)
  end
  check_field(pb, "categories", "table", where)
  check_field(pb, "args", "table", where)
  check_field(pb, "run", "function", where)
  check_categories(pb, where)
  for i, a in ipairs(pb.args) do
    if type(a.name) ~= "string" or type(a.help) ~= "string" then
      error(("%s: args[%d] needs a name and a help"):format(where, i), 0)
    end
  end
  pb.name = pb.name or path:match("([^/]+)%.lua$")
  pb.path = path
  pb.summary = pb.description:match("^%s*(.-%.)%s") or
    pb.description:match("^%s*([^\n]*)")
  return pb
end


--- Every playbook found, sorted by name (a later folder's playbook of
-- the same name is shadowed by the earlier one).
function M.all()
  local seen, list = {}, {}
  for _, d in ipairs(M.dirs) do
    local p = io.popen('ls -1 "' .. d .. '" 2>/dev/null')
    for f in p:lines() do
      local name = f:match("^([%w_%-]+)%.lua$")
      if name and not seen[name] then
        seen[name] = true
        local ok, pb = pcall(M.load, d .. "/" .. f)
        if ok then list[#list + 1] = pb else log.warn("%s", pb) end
      end
    end
    p:close()
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  return list
end


-- A usage error: raised (or returned) by a playbook for an argument it
-- cannot use; the command line exits 2 for it instead of 4.
local Usage = { __tostring = function(u) return u.message end }

--- A usage error object: `error(runner.usage("..."))` in a playbook.
function M.usage(message)
  return setmetatable({ message = message }, Usage)
end


--- True when v is a usage error.
function M.is_usage(v)
  return getmetatable(v) == Usage
end


-- Checks a value against an arg's declared type; nil and why when wrong.
local TYPES = {
  time = function(v)
    return tonumber(v) or require("whiteout.util").parse_time(v)
  end,
  size = function(v) return require("whiteout.util").parse_size(v) end,
  number = function(v) return tonumber(v) end,
  yesno = function(v) return v == "yes" or v == "no" end,
}
local TYPE_WANT = {
  time = "a time (RFC 3339 such as 2024-01-31T12:00:00Z, or epoch seconds)",
  size = "a size (bytes, or with K, M, G)", number = "a number",
  yesno = "yes or no" }


local function check_arg(pb, a, v)
  if v == nil or v == "" then
    if a.required then
      error(M.usage(("%s: needs --arg %s=... (%s)"):format(pb.name, a.name,
        a.help)))
    end
    return
  end
  if a.choices then
    local ok = false
    for _, c in ipairs(a.choices) do ok = ok or c == v end
    if not ok then
      error(M.usage(("%s: --arg %s must be one of %s, not '%s'"):format(
        pb.name, a.name, table.concat(a.choices, ", "), v)))
    end
  end
  if a.type and TYPES[a.type] and not TYPES[a.type](v) then
    error(M.usage(("%s: --arg %s must be %s, not '%s'"):format(pb.name,
      a.name, TYPE_WANT[a.type], v)))
  end
end


--- Merges --arg values with a playbook's defaults.  Returns the args
-- table; raises a usage error for a value a declared arg cannot take
-- (choices, type = time|size|number|yesno, required = true).
function M.args_for(pb, given)
  local args = {}
  for _, a in ipairs(pb.args) do
    local v = given[a.name]
    if v == nil then v = a.default end
    check_arg(pb, a, v)
    args[a.name] = v
  end
  return args
end


--- Checks one record; returns it or nil and why.
local function valid(rec)
  if type(rec) ~= "table" then return nil, "a record is not a table" end
  if type(rec.kind) ~= "string" then return nil, "a record has no kind" end
  if rec.source == nil then
    return nil, ("a '%s' record has no source"):format(rec.kind)
  end
  return rec
end


M.valid = valid


--- Runs one playbook; emit(rec, pb) receives each valid record.
-- Returns true, or nil, a one-line message and "usage" when the
-- playbook's arguments were wrong.
function M.run_one(pb, ev, given, emit, trace)
  local ok, args = pcall(M.args_for, pb, given)
  if not ok then return nil, tostring(args), M.is_usage(args) and "usage" end
  if pb.applies and not pb.applies(ev, args) then
    log.warn("%s: does not apply to this evidence", pb.name)
    return true
  end
  local function put(rec)
    local r, why = valid(rec)
    if r then emit(r, pb) else log.warn("%s: %s", pb.name, why) end
  end
  local handler = function(m)
    if M.is_usage(m) or not trace then return m end
    return debug.traceback(m)
  end
  local okrun, res = xpcall(pb.run, handler, ev, args, put)
  if not okrun then
    if M.is_usage(res) then return nil, tostring(res), "usage" end
    return nil, ("%s failed: %s"):format(pb.name, tostring(res))
  end
  if M.is_usage(res) then return nil, tostring(res), "usage" end
  if type(res) == "table" then
    for _, rec in ipairs(res) do put(rec) end
  end
  return true
end


--- A sink for records in a format.  Returns {put = fn, ran = fn,
-- finish = fn}: ran(pb) says a playbook finished, so text can say "no
-- records" for one that found nothing.  jsonl streams; the others
-- gather and write at the end.
function M.sink(format, write)
  local recs, pbs, ran = {}, {}, {}
  local s = {}
  function s.put(rec, pb)
    if format == "jsonl" then
      write(output.json(rec), "\n")
    else
      recs[#recs + 1] = rec
      pbs[#pbs + 1] = pb
    end
  end
  function s.ran(pb) ran[#ran + 1] = pb end
  function s.finish()
    if format == "json" then
      write("[")
      for i, r in ipairs(recs) do
        write(i > 1 and ",\n" or "\n", output.json(r))
      end
      write(#recs > 0 and "\n]\n" or "]\n")
    elseif format == "csv" then
      output.csv(write, recs)
    elseif format == "bodyfile" then
      output.bodyfile(write, recs)
    elseif format == "text" then
      M.text(write, recs, pbs, ran)
    end
  end
  return s
end


--- Text: each playbook's records, by its own renderer or as tables;
-- "no records" for a playbook in ran that emitted none.
function M.text(write, recs, pbs, ran)
  local order, groups = {}, {}
  for _, pb in ipairs(ran or {}) do
    if not groups[pb] then groups[pb] = {}; order[#order + 1] = pb end
  end
  for i, r in ipairs(recs) do
    local pb = pbs[i]
    if not groups[pb] then groups[pb] = {}; order[#order + 1] = pb end
    table.insert(groups[pb], r)
  end
  for n, pb in ipairs(order) do
    if n > 1 or #order > 1 then write(n > 1 and "\n" or "", "== ",
      pb.name, "\n") end
    if #groups[pb] == 0 then
      write(pb.name, ": no records\n")
    elseif pb.text then pb.text(groups[pb], write) else
      output.text(write, groups[pb], pb)
    end
  end
end

return M

-- Small helpers shared by the library and playbooks: times, JSON,
-- string shapes.  Nothing here touches evidence.
local cjson = require "cjson.safe"

local M = {}


--- Formats nanoseconds since the epoch as RFC 3339 UTC with nanoseconds,
-- as Docker writes times.  util.time(0) --> "1970-01-01T00:00:00.000000000Z"
function M.time(ns)
  if type(ns) ~= "number" then return nil end
  local sec, frac = ns // 1000000000, ns % 1000000000
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. string.format(".%09dZ", frac)
end


local function days_from_civil(y, m, d)
  -- Howard Hinnant's days-from-civil, so no time zone is involved
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end


--- Parses an RFC 3339 time ("2026-12-03T16:07:43.548292153Z", offsets
-- too) into nanoseconds since the epoch; nil for anything else,
-- including Docker's zero time "0001-01-01T00:00:00Z".
function M.parse_time(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, se, rest =
    s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y or tonumber(y) < 1900 then return nil end
  local frac, zone = rest:match("^%.(%d+)(.*)$")
  zone = zone or rest
  local ns = frac and tonumber((frac .. "000000000"):sub(1, 9)) or 0
  local off = 0
  if zone ~= "Z" and zone ~= "z" and zone ~= "" then
    local sign, zh, zm = zone:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    off = (tonumber(zh) * 60 + tonumber(zm)) * 60
    if sign == "-" then off = -off end
  end
  local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(d))
  local secs = days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60
    + tonumber(se) - off
  return secs * 1000000000 + ns
end


--- Decodes JSON text; returns value or nil, message.
function M.json_decode(text)
  if type(text) ~= "string" then return nil, "not text" end
  local v, err = cjson.decode(text)
  if v == nil then return nil, err or "not JSON" end
  return v
end


--- Encodes a value as JSON (cjson; nil as null).
function M.json_encode(v)
  return cjson.encode(v)
end

M.null = cjson.null

--- Marks a table as a JSON object, so that it prints {} when empty
-- (every other empty table prints as the list []).
M.OBJECT = {}
function M.object(t)
  return setmetatable(t or {}, M.OBJECT)
end


--- Turns cjson's null into nil; other values pass through.
function M.nn(v)
  if v == cjson.null then return nil end
  return v
end


--- Whether whiteout runs as root (mounting and activation need it).
function M.is_root()
  local h = io.popen("id -u")
  local uid = h and h:read("l")
  if h then h:close() end
  return uid == "0"
end


--- Returns a sorted array of a table's keys.
function M.keys(t)
  local out = {}
  for k in pairs(t or {}) do out[#out + 1] = k end
  table.sort(out, function(a, b) return tostring(a) < tostring(b) end)
  return out
end


--- True when s looks like a full 64-hex id.
function M.is_id(s)
  return type(s) == "string" and #s == 64 and s:match("^%x+$") ~= nil
end


--- Strips "sha256:" from an id.
function M.bare(id)
  if type(id) ~= "string" then return id end
  return (id:gsub("^sha256:", ""))
end


--- Converts a shell-style glob into an anchored Lua pattern.
function M.glob_pattern(glob)
  local out = { "^" }
  local i = 1
  while i <= #glob do
    local c = glob:sub(i, i)
    if c == "*" and glob:sub(i + 1, i + 1) == "*" then
      out[#out + 1] = ".*"
      i = i + 1
    elseif c == "*" then
      out[#out + 1] = "[^/]*"
    elseif c == "?" then
      out[#out + 1] = "[^/]"
    elseif c:match("%p") then
      out[#out + 1] = "%" .. c
    else
      out[#out + 1] = c
    end
    i = i + 1
  end
  out[#out + 1] = "$"
  return table.concat(out)
end


--- Parses sizes like "10M", "2k", "512": bytes, or nil.
function M.parse_size(s)
  local n, unit = tostring(s):match("^(%d+)([kKmMgG]?)$")
  if not n then return nil end
  local mul = { [""] = 1, k = 1024, m = 1024 ^ 2, g = 1024 ^ 3 }
  return math.tointeger(tonumber(n) * mul[unit:lower()])
end


--- Formats a mode as "-rwxr-xr-x"-style text for a type name.
function M.mode_string(type_, mode)
  local t = ({ dir = "d", symlink = "l", char = "c", block = "b",
               fifo = "p", socket = "s" })[type_] or "-"
  local s = { t }
  local bits = "rwxrwxrwx"
  for i = 0, 8 do
    s[#s + 1] = (mode & (1 << (8 - i))) ~= 0 and bits:sub(i + 1, i + 1)
      or "-"
  end
  if mode & 0x800 ~= 0 then s[4] = s[4] == "x" and "s" or "S" end
  if mode & 0x400 ~= 0 then s[7] = s[7] == "x" and "s" or "S" end
  if mode & 0x200 ~= 0 then s[10] = s[10] == "x" and "t" or "T" end
  return table.concat(s)
end

return M

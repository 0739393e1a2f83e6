-- What containers printed: the json-file and local logging drivers'
-- files under containers/<id>/, rotated and gzip-compressed ones too,
-- and a note for drivers that keep logs elsewhere.
--
-- Caveats:
-- - A log file larger than the cap is read from its end (the newest
--   lines); the older part is skipped, with a warning.
local gzip = require "whiteout.gzip"
local util = require "whiteout.util"

local M = {}

--- Bytes read (and inflated) of one log file at most.
M.MAX_BYTES = 64 << 20
-- A local-driver entry longer than this is corruption (Docker caps a
-- message at 1 MiB, more with partial metadata).
local MAX_ENTRY = 4 << 20

-- Where drivers that write nowhere under the data root keep logs.
local ELSEWHERE = {
  journald = "the host's systemd journal (journalctl CONTAINER_ID=%s)",
  syslog = "the host's syslog (tag docker/%s by default)",
  none = "nowhere: logging was disabled for this container (%s)",
}


-- Splits text at "\n"; yields line number, line, and whether it ended
-- with a newline.
local function lines(text)
  local pos, n = 1, 0
  return function()
    if pos > #text then return nil end
    local nl = text:find("\n", pos, true)
    local line = text:sub(pos, (nl or #text + 1) - 1)
    pos = (nl or #text) + 1
    n = n + 1
    return n, line, nl ~= nil
  end
end


--- Parses json-file log text: a list of {time, stream, log, attrs,
-- lineno}, and the count and first number of lines that were not JSON
-- log entries (a torn last line after a power cut is one).
function M.parse_json_lines(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'parse_json_lines' (string expected)", 2)
  end
  local out, bad, first = {}, 0, nil
  for n, line, ended in lines(text) do
    local e = line ~= "" and ended and util.json_decode(line)
    if type(e) == "table" and type(e.log) == "string" then
      out[#out + 1] = { time = util.nn(e.time), stream = util.nn(e.stream),
        log = e.log, attrs = util.nn(e.attrs), lineno = n }
    elseif line ~= "" then
      bad, first = bad + 1, first or n
    end
  end
  return out, bad, first
end


-- Reads one protobuf varint at pos: value, next position; nil if cut.
local function varint(s, pos, stop)
  local v, shift = 0, 0
  while pos <= stop and shift < 64 do
    local b = s:byte(pos)
    v = v | ((b & 0x7f) << shift)
    pos, shift = pos + 1, shift + 7
    if b < 0x80 then return v, pos end
  end
  return nil
end


-- Skips one field of a wire type; returns the next position or nil.
local function skip(s, pos, stop, wire)
  if wire == 0 then local _, p = varint(s, pos, stop) return p end
  if wire == 1 then return pos + 8 <= stop + 1 and pos + 8 or nil end
  if wire == 5 then return pos + 4 <= stop + 1 and pos + 4 or nil end
  if wire == 2 then
    local len, p = varint(s, pos, stop)
    if not len or len < 0 or p + len > stop + 1 then return nil end
    return p + len
  end
  return nil
end


--- Decodes one protobuf LogEntry (moby's logdriver.LogEntry: 1 source,
-- 2 time_nano, 3 line, 4 partial) from s[pos..stop].  Returns a table
-- or nil, message.
function M.decode_entry(s, pos, stop)
  if type(s) ~= "string" then
    error("bad argument #1 to 'decode_entry' (string expected)", 2)
  end
  pos, stop = pos or 1, stop or #s
  local e = { source = "", line = "", partial = false }
  while pos <= stop do
    local key, p = varint(s, pos, stop)
    if not key then return nil, "cut field key" end
    local field, wire = key >> 3, key & 7
    if (field == 1 or field == 3) and wire == 2 then
      local len, q = varint(s, p, stop)
      if not len or len < 0 or q + len > stop + 1 then
        return nil, "field runs past the entry"
      end
      e[field == 1 and "source" or "line"] = s:sub(q, q + len - 1)
      pos = q + len
    elseif (field == 2 or field == 4) and wire == 0 then
      local v, q = varint(s, p, stop)
      if not v then return nil, "cut varint" end
      if field == 2 then e.time_nano = v else e.partial = v ~= 0 end
      pos = q
    else
      pos = skip(s, p, stop, wire)
      if not pos then return nil, "bad field" end
    end
  end
  return e
end


--- Parses local-driver log text: frames of a big-endian 32-bit length,
-- a LogEntry, the same length again.  Returns the list of entries (with
-- offset) and a message for the first damage met (reading stops there).
function M.parse_local(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'parse_local' (string expected)", 2)
  end
  local out, pos = {}, 1
  while pos + 3 <= #text do
    local len = string.unpack(">I4", text, pos)
    if len > MAX_ENTRY or pos + 8 + len - 1 > #text then
      return out, ("frame at offset %d: length %d runs past the file")
        :format(pos - 1, len)
    end
    local tail = string.unpack(">I4", text, pos + 4 + len)
    if tail ~= len then
      return out, ("frame at offset %d: lengths %d and %d differ")
        :format(pos - 1, len, tail)
    end
    local e, err = M.decode_entry(text, pos + 4, pos + 3 + len)
    if not e then
      return out, ("frame at offset %d: %s"):format(pos - 1, err)
    end
    e.offset = pos - 1
    out[#out + 1] = e
    pos = pos + 8 + len
  end
  if pos <= #text then
    return out, ("%d bytes after the last frame"):format(#text - pos + 1)
  end
  return out
end


-- The rotation number of a log file name (0 for the live file), or
-- nil when the name is not one of base's.
local function rotation(name, base)
  if name == base then return 0 end
  if name:sub(1, #base + 1) ~= base .. "." then return nil end
  local n = name:sub(#base + 2):match("^(%d+)$")
    or name:sub(#base + 2):match("^(%d+)%.gz$")
  return n and tonumber(n)
end


--- The files of one log, oldest first: {rel, n, gz} for base and
-- base.1 .. base.N (and .N.gz) in folder dir.
function M.files(root, dir, base)
  local out = {}
  for _, e in ipairs(root:list(dir)) do
    local n = e.type == "file" and rotation(e.name, base)
    if n then
      out[#out + 1] = { rel = dir .. "/" .. e.name, n = n,
                        gz = e.name:match("%.gz$") ~= nil }
    end
  end
  table.sort(out, function(a, b) return a.n > b.n end)
  return out
end


-- Reads a log file: whole when small, its last max bytes otherwise;
-- gzip ones inflated up to max.  Returns text or nil after a warning.
local function read_log(root, f, max)
  local st, err = root.src:lstat(f.rel)
  if not st or st.type ~= "file" then
    root:warn(f.rel, "%s", err or "not a regular file")
    return nil
  end
  local off, len = 0, st.size
  if st.size > max then
    off, len = st.size - max, max
    root:warn(f.rel, "%d bytes; only the last %d read", st.size, max)
  end
  local data, rerr = root.src:read(f.rel, off, len)
  if not data then root:warn(f.rel, "%s", rerr) return nil end
  if off > 0 and not f.gz then data = data:gsub("^[^\n]*\n", "", 1) end
  if not f.gz then return data end
  local text, why, _, part = gzip.decompress(data, max)
  if not text then
    root:warn(f.rel, "%s; %d bytes inflated before it", why, #(part or ""))
    text = part
  end
  return text
end


-- A log record: provenance and what was printed.
local function log_record(c, rel, root, t)
  local line = t.log:gsub("\r?\n$", "")
  return { kind = "log", time = t.time, container = c.id, name = c.name,
    stream = t.stream, line = line, partial = t.partial or nil,
    driver = t.driver, source = root:where(rel), lineno = t.lineno,
    offset = t.offset, attrs = t.attrs, data_root = root:where("") }
end


-- Records of a json-file log; returns how many files it has.
local function json_file(root, c, max, out)
  local dir = "containers/" .. c.id
  local base = c.log_path and c.log_path:match("([^/]+)$")
    or c.id .. "-json.log"
  local files = M.files(root, dir, base)
  for _, f in ipairs(files) do
    local text = read_log(root, f, max)
    local entries, bad, first = M.parse_json_lines(text or "")
    if bad > 0 then
      root:warn(f.rel, "lines not JSON log entries: %d (first: line %d)",
        bad, first)
    end
    for _, t in ipairs(entries) do
      t.driver = "json-file"
      t.partial = not t.log:find("\n$") or nil
      out[#out + 1] = log_record(c, f.rel, root, t)
    end
  end
  return #files
end


-- Records of a local-driver (or dual-logging cache) file set.
local function local_file(root, c, dir, base, max, out)
  for _, f in ipairs(M.files(root, dir, base)) do
    local entries, err = M.parse_local(read_log(root, f, max) or "")
    if err then root:warn(f.rel, "%s", err) end
    for _, e in ipairs(entries) do
      local t = { time = util.time(e.time_nano), stream = e.source,
        log = e.line, partial = e.partial or nil, offset = e.offset,
        driver = base == "container.log" and "local" or "cache" }
      out[#out + 1] = log_record(c, f.rel, root, t)
    end
  end
end


-- A note for a driver whose logs are not under the data root.
local function note(root, c, out)
  local drv = c.log_driver or "?"
  local where = ELSEWHERE[drv] or ("wherever the '" .. drv
    .. "' driver sent them; nothing of them is under the data root")
  if drv == "" then
    drv = "daemon default"
    where = "the daemon's default driver (none recorded for the "
      .. "container, and no json-file log is under the data root)"
  end
  out[#out + 1] = { kind = "note", container = c.id, name = c.name,
    driver = drv, source = c.hostconfig_source or c.source,
    data_root = root:where(""),
    note = ("logs went to " .. where):format(c.id:sub(1, 12)) }
end


--- Every log line a container left under the data root, as records of
-- kind "log" (json-file, local, and Docker 20.10's local cache of other
-- drivers), with a "note" record saying where logs went when the driver
-- keeps them elsewhere.  opts.max_bytes caps each file.
function M.container_logs(root, c, opts)
  if type(c) ~= "table" or type(c.id) ~= "string" then
    error("bad argument #2 to 'container_logs' (container expected)", 2)
  end
  local max, out = (opts and opts.max_bytes) or M.MAX_BYTES, {}
  local drv = c.log_driver or "json-file"
  local dir = "containers/" .. c.id
  if drv == "" then
    -- no driver recorded: the daemon's default, json-file unless its
    -- daemon.json said otherwise; its files tell
    if json_file(root, c, max, out) == 0 then note(root, c, out) end
  elseif drv == "json-file" then
    json_file(root, c, max, out)
  elseif drv == "local" then
    local_file(root, c, dir .. "/local-logs", "container.log", max, out)
  else
    note(root, c, out)
    local_file(root, c, dir, "container-cached.log", max, out)
  end
  return out
end


--- Adds root:logs(container, opts) to the DataRoot class.
function M.install(DataRoot)
  function DataRoot:logs(c, opts)
    return M.container_logs(self, c, opts)
  end
end

return M

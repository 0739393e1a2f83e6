-- Record formatters: the bodyfile (one line per record, mactime reads
-- every line, MD5 column holds MD5 or 0, mode strings) and text tables
-- that keep long messages whole.
local t = require "testlib"
local output = require "whiteout.output"

local function collect(fn, ...)
  local out = {}
  fn(function(...) for _, s in ipairs({ ... }) do out[#out + 1] = s end end,
    ...)
  return table.concat(out)
end

local SHA = ("ab"):rep(32)
local recs = {
  { kind = "history", source = "x", image = "evil:1",
    description = "step 3: /bin/sh -c set -e;\n  curl x |\r sh\27[2J\0end",
    time = "2024-01-02T03:04:05Z" },
  { kind = "file", source = "x", path = "/a|b\\c\nd", type = "file",
    mode = 420, size = 5, sha256 = SHA, inum = 12,
    mtime = "2024-01-02T03:04:05Z", atime = "2024-01-02T03:04:05Z",
    ctime = "2024-01-02T03:04:05Z", btime = "2024-01-02T03:04:05Z" },
  { kind = "deleted", source = "x", path = "/gone", type = "dir",
    inum = 13, time = "2024-01-02T03:04:05Z" },
  { kind = "event", source = "x", container = ("c"):rep(64),
    time = "2024-01-02T03:04:05Z", md5 = ("0f"):rep(16) },
}
local body = collect(output.bodyfile, recs)
local lines = {}
for l in body:gmatch("[^\n]*\n") do lines[#lines + 1] = l end
t.eq("bodyfile: one line per record", #lines, #recs)
t.eq("bodyfile: multi-line command escaped", lines[1],
  "0|evil:1 (step 3: /bin/sh -c set -e;\\n  curl x \\x7c\\r sh\\x1b[2J"
  .. "\\x00end)|0|0|0|0|0|1704164645|1704164645|1704164645|1704164645\n")
t.eq("bodyfile: sha256 in the name, MD5 column 0, mode string", lines[2],
  "0|/a\\x7cb\\\\c\\nd [sha256 " .. SHA .. "]|12|-rw-r--r--|0|0|5|"
  .. "1704164645|1704164645|1704164645|1704164645\n")
t.eq("bodyfile: a known type without mode bits", lines[3]:match(
  "^[^|]*|[^|]*|[^|]*|([^|]*)|"), "d?????????")
t.eq("bodyfile: an MD5 stays", lines[4]:match("^([^|]*)|"), ("0f"):rep(16))

local dir = t.tmp("output")
local f = assert(io.open(dir .. "/body", "w"))
f:write(body)
f:close()
local p = io.popen("TZ=UTC mactime -b '" .. dir .. "/body' -d -y 2>&1")
local out = p:read("a")
p:close()
local n = 0
for l in out:gmatch("[^\n]+") do
  if l:match("^%d%d%d%d%-") then n = n + 1 end
end
t.eq("mactime -b -d reads every record", n, #recs)
t.ok("mactime sees the escaped name", out:find("curl x \\x7c\\r sh", 1,
  true), out)

-- text tables: long messages and findings are not cut
local long = ("interrupted transaction: "):rep(6) .. "the end"
local text = collect(output.table, { { id = 1, message = long,
  other = ("x"):rep(100) } }, { "id", "message", "other" })
t.ok("table: message kept whole", text:find("the end", 1, true), text)
t.ok("table: other columns still cut", text:find("...", 1, true), text)
local _, n_parts = text:gsub("interrupted transaction:", "")
t.eq("table: message wrapped, every part there", n_parts, 6)
t.ok("table: no line over 130 columns", not text:match("[^\n]" ..
  ("[^\n]"):rep(130)), text)

-- the free-data preview keeps a string's end (the container's name)
local dmthin = require "whiteout.dmthin"
t.eq("thin preview keeps whole strings", dmthin.preview({
  { text = "BANANA line 00000: bananas from the deleted container "
    .. "bananasplit", count = 1100 },
  { text = "short", count = 1 } }),
  "BANANA line 00000: bananas from the deleted container bananasplit x1100"
  .. " | short")

-- logs text: times with a fixed 9-digit fraction whatever Docker wrote
local runner = require "whiteout.runner"
local logs = runner.load("playbooks/logs.lua")
local ltext = collect(function(w) logs.text({
  { kind = "log", source = "x", time = "2024-01-02T03:04:05.1Z",
    name = "a", stream = "stdout", line = "one" },
  { kind = "log", source = "x", time = "2024-01-02T03:04:06Z",
    name = "a", stream = "stdout", line = "two" } }, w) end)
t.ok("logs: .1 becomes .100000000", ltext:find(
  "2024-01-02T03:04:05.100000000Z  a", 1, true), ltext)
t.ok("logs: no fraction becomes .000000000", ltext:find(
  "2024-01-02T03:04:06.000000000Z  a", 1, true), ltext)

-- timeline's detail, a log line, a description: wrapped, never cut
for _, col in ipairs({ "detail", "line", "description", "preview",
                       "strings", "reasons", "summary" }) do
  local txt = collect(output.table, { { [col] = ("word "):rep(40) .. "END" } },
    { col }, 50)
  t.ok("table: " .. col .. " wrapped whole", txt:find("END", 1, true)
    and not txt:find("...", 1, true), txt)
end

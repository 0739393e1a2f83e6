-- Hostile metadata: random bytes changed in the fixture pool's B-tree
-- nodes and bitmaps, read with force (checksums do not stop us), must
-- give values or nil, message, code: never a crash or an endless walk.
local t = require "testlib"
local fs = require "whiteout.fs"
local thin = require "whiteout.thin"

if not t.have("thin_restore") then
  t.skip("thin fuzz", "needs thin_restore")
  return
end
local d = t.tmp("thin-fuzz")
assert(os.execute("tests/fixtures/make-thin " .. d .. " >/dev/null"))
local meta = io.open(d .. "/pool/metadata", "rb"):read(64 * 4096)
local rnd = 12345
local function rand(n)   -- a fixed-seed generator: the same run each time
  rnd = (rnd * 1103515245 + 12345) % 2147483648
  return rnd % n
end
local dir = assert(fs.open(d))
local data = assert(thin.file(dir, "pool/data"))
local runs, failures = 0, 0
for i = 1, 300 do
  local m = { meta:byte(1, -1) }
  for _ = 1, 1 + rand(4) do
    local at = 4096 + rand(#m - 4096) + 1   -- leave the superblock
    m[at] = rand(256)
  end
  local parts = {}
  for k = 1, #m, 4096 do
    parts[#parts + 1] = string.char(table.unpack(m, k, math.min(k + 4095,
      #m)))
  end
  local f = io.open(d .. "/m", "wb")
  f:write(table.concat(parts))
  f:close()
  local pool = thin.open(assert(thin.file(dir, "m")), data,
    { force = true })
  if pool then
    local ok = pcall(function()
      for id = 1, 4 do
        local r, _, code = pool:mappings(id)
        if not r then failures = failures + (code and 1 or 0) end
        local dev = pool:device(id)
        if dev then dev:read(0, 4096) end
      end
      pool:devices()
      pool:space_map()
      pool:delta(1, 2)
    end)
    runs = runs + (ok and 1 or 0)
  else
    runs = runs + 1
  end
end
t.eq("every damaged pool answered", runs, 300)
t.ok("damage was noticed", failures > 0, "no failure in 300 runs")

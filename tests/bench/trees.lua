-- The tree comparison bench: changes of a full-copy (vfs) layer against
-- its parent, against a plain walk of both trees, the floor.
local evidence = require "whiteout.evidence"
local changes = require "whiteout.changes"
local views = require "whiteout.views"
local _, args = ...
local root = assert(evidence.open({ args[1] })).roots[1]
local bowl = assert(root:container("bowl"))

-- Wall-clock seconds (os.clock counts CPU time only).
local function clock()
  local h = io.popen("date +%s.%N")
  local t = tonumber(h:read("l"))
  h:close()
  return t
end


local function plain()
  local count = 0
  for _, layer in ipairs({ "rw", "init" }) do
    local src = assert(views.open(root, bowl, layer))
    for _ in src:walk("/") do count = count + 1 end
  end
  return count
end


local function compare()
  local count = 0
  assert(changes.walk(root, bowl, "rw", function() count = count + 1 end))
  return count
end


local function best(fn)
  local t, count = math.huge, 0
  for _ = 1, 3 do
    local t0 = clock()
    count = fn()
    t = math.min(t, clock() - t0)
  end
  return t, count
end

local tp, np = best(plain)
local tc, nc = best(compare)
local ratio = tc / tp
local line = ("trees: %d changes over %d entries in %.2fs; two plain "
  .. "walks %.2fs (%.1fx)"):format(nc, np, tc, tp, ratio)
-- the goal: comparing costs at most 4 plain walks of both trees
if nc == 19 and ratio <= 4 then print("ok " .. line)
else print("not ok " .. line) end

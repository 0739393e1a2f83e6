-- The tree comparison bench: changes of a full-copy (vfs) layer against
-- its parent, against a plain walk of both trees, the floor.
local evidence = require "whiteout.evidence"
local changes = require "whiteout.changes"
local views = require "whiteout.views"
local _, args = ...
local root = assert(evidence.open({ args[1] })).roots[1]
local bowl = assert(root:container("bowl"))

-- best(fn): the shortest wall-clock time of three runs (timing.lua)
local best = dofile(debug.getinfo(1, "S").source:match("^@(.*/)")
  .. "timing.lua").best


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

local tp, np = best(plain)
local tc, nc = best(compare)
local ratio = tc / tp
local line = ("trees: %d changes over %d entries in %.2fs; two plain "
  .. "walks %.2fs (%.1fx)"):format(nc, np, tc, tp, ratio)
-- the goal: comparing costs at most 4 plain walks of both trees
if nc == 19 and ratio <= 4 then print("ok " .. line)
else print("not ok " .. line) end

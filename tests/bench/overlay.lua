-- The overlay bench: a merged walk of a layer stack against one plain
-- pass (readdir and lstat) over the same layer folders, the floor.
local fs = require "whiteout.fs"
local overlay = require "whiteout.overlay"
local ev, args = ...
local dir, n = args[1], tonumber(args[2] or 20)

-- best(fn): the shortest wall-clock time of three runs (timing.lua)
local best = dofile(debug.getinfo(1, "S").source:match("^@(.*/)")
  .. "timing.lua").best

local layers = {}
for i = n - 1, 0, -1 do
  layers[#layers + 1] = assert(fs.open(("%s/layer%02d"):format(dir, i)))
end

local function plain()
  local count = 0
  for _, l in ipairs(layers) do
    for _, st in l:walk("/") do count = count + 1 end
  end
  return count
end

local function merged()
  local u = overlay.union(layers)
  local count = 0
  for _, st in overlay.walk(u, "/") do count = count + 1 end
  u:close()
  return count
end

local tp, np = best(plain)
local tm, nm = best(merged)
print(("%s overlay merged walk: %d layers, %d entries: %.3f s; plain "
  .. "pass over %d entries: %.3f s; %.2fx the floor (goal: at most 2x)")
  :format(tm <= 2 * tp and "ok" or "not ok", n, nm, tm, np, tp, tm / tp))

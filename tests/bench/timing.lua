-- What the Lua benches share: wall-clock timing of a run, best of three.
-- Loaded with dofile from the bench's own folder.
local M = {}


--- Wall-clock seconds (os.clock counts CPU time only).
function M.clock()
  local h = io.popen("date +%s.%N")
  local t = tonumber(h:read("l"))
  h:close()
  return t
end


--- The shortest time of three runs of fn, and what the last returned.
function M.best(fn)
  local t, count = math.huge, 0
  for _ = 1, 3 do
    local t0 = M.clock()
    count = fn()
    t = math.min(t, M.clock() - t0)
  end
  return t, count
end

return M

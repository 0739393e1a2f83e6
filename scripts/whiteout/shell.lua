-- The interactive prompt: Lua with `ev` (the opened evidence) and the
-- library's modules at hand.  Line editing through GNU readline.
local M = {}


-- The names a user finds at the prompt.
local function environment(ev)
  local env = setmetatable({}, { __index = _G })
  env.ev = ev
  env.fs = require "whiteout.fs"
  env.util = require "whiteout.util"
  env.docker = require "whiteout.docker"
  env.json = function(v) print(require("whiteout.output").json(v)) end
  return env
end


-- Compiles a line as an expression first, so `ev.roots` prints.
local function compile(line, env)
  local chunk = load("return " .. line, "=shell", "t", env)
  if chunk then return chunk end
  return load(line, "=shell", "t", env)
end


local function show(ok, ...)
  if not ok then
    io.stderr:write(tostring((...)), "\n")
    return
  end
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "table" then
      local okj, text = pcall(require("whiteout.output").json, v)
      print(okj and text or tostring(v))
    else
      print(tostring(v))
    end
  end
end


--- Runs the prompt until end of input; returns 0.
function M.run(ev)
  local rl = require "whiteout.readline"
  local env = environment(ev)
  print("whiteout shell: `ev` is the evidence; ev.roots[1]:containers(); "
    .. "ctrl-d leaves")
  while true do
    local line = rl.readline("whiteout> ")
    if not line then io.stdout:write("\n") break end
    if line:match("%S") then
      rl.add_history(line)
      local chunk, err = compile(line, env)
      if chunk then show(xpcall(chunk, debug.traceback)) else
        io.stderr:write(err, "\n") end
    end
  end
  return 0
end

return M

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


-- Compiles a chunk as an expression first, so `ev.roots` prints; "= x"
-- is the same as "x".  Returns the function, or nil, the message and
-- whether more input could complete it.
local function compile(text, env)
  text = text:gsub("^%s*=", "", 1)
  local chunk = load("return " .. text, "=shell", "t", env)
  if chunk then return chunk end
  local err
  chunk, err = load(text, "=shell", "t", env)
  if chunk then return chunk end
  return nil, err, err:find("<eof>", 1, true) ~= nil
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


-- One line of an error (its first); the traceback only with --debug.
local function handler(debugging)
  if debugging then return debug.traceback end
  return function(m)
    return (tostring(m):match("^[^\n]*"))
  end
end


local BANNER = "whiteout shell: `ev` is the evidence; ev.roots[1]:containers()"
  .. ";\n= EXPR prints a value; `local` names last one input (a line or "
  .. "an open block),\nglobals persist; ctrl-d leaves"


--- Runs the prompt until end of input; returns 0.
function M.run(ev, o)
  local rl = require "whiteout.readline"
  local env = environment(ev)
  local on_error = handler(o and o.debug)
  print(BANNER)
  local buf = nil
  while true do
    local line = rl.readline(buf and "...> " or "whiteout> ")
    if not line then io.stdout:write("\n") break end
    if buf or line:match("%S") then
      rl.add_history(line)
      local text = buf and (buf .. "\n" .. line) or line
      local chunk, err, more = compile(text, env)
      if chunk then
        buf = nil
        show(xpcall(chunk, on_error))
      elseif more then
        buf = text
      else
        buf = nil
        io.stderr:write(err, "\n")
      end
    end
  end
  if buf then io.stderr:write("shell: input ended inside a chunk\n") end
  return 0
end

return M

-- Storage drivers are Lua files: the shipped scripts/drivers/, a folder
-- given with --driver-path, and ~/.config/whiteout/drivers/.  A user's
-- driver overrides a shipped one of the same name.  docs/drivers.md
-- describes the interface each file returns.
local log = require "whiteout.log"

local M = { dirs = {}, loaded = nil }


--- Sets the folders searched, lowest priority first.
function M.setup(shipped, user_path, config_dir)
  M.dirs = { { dir = shipped, origin = "shipped" } }
  if config_dir then
    M.dirs[#M.dirs + 1] = { dir = config_dir, origin = "user config" }
  end
  if user_path then
    M.dirs[#M.dirs + 1] = { dir = user_path, origin = "--driver-path" }
  end
  M.loaded = nil
end


local function files_in(dir)
  local out = {}
  local p = io.popen('ls -1 "' .. dir:gsub('"', '\\"') .. '" 2>/dev/null')
  for f in p:lines() do
    local name = f:match("^([%w_%-]+)%.lua$")
    if name then out[#out + 1] = name end
  end
  p:close()
  return out
end


-- Loads one driver file and checks the fields every driver has.
local function load_driver(path, name, origin)
  local chunk, err = loadfile(path, "t")
  if not chunk then return nil, err end
  local ok, d = pcall(chunk)
  if not ok then return nil, path .. ": " .. tostring(d) end
  if type(d) ~= "table" or type(d.detect) ~= "function"
     or type(d.description) ~= "string" then
    return nil, path .. ": a driver returns a table with description and "
      .. "detect"
  end
  d.name = d.name or name
  d.path, d.origin = path, origin
  return d
end


--- Every driver by name, later folders overriding earlier ones.
function M.all()
  if M.loaded then return M.loaded end
  local by = {}
  for _, d in ipairs(M.dirs) do
    for _, name in ipairs(files_in(d.dir)) do
      local drv, err = load_driver(d.dir .. "/" .. name .. ".lua", name,
        d.origin)
      if drv then by[name] = drv else log.warn("driver %s", err) end
    end
  end
  M.loaded = by
  return by
end


--- The driver of a data root: the one named by the containers' Driver
-- field when given, else the first whose detect() says yes.
function M.for_root(root, hint)
  local all = M.all()
  if hint and all[hint] and all[hint].detect(root) then return all[hint] end
  local names = {}
  for name in pairs(all) do names[#names + 1] = name end
  table.sort(names, function(a, b)
    return (all[a].priority or 50) > (all[b].priority or 50)
      or ((all[a].priority or 50) == (all[b].priority or 50) and a < b)
  end)
  for _, name in ipairs(names) do
    local ok, yes = pcall(all[name].detect, root)
    if ok and yes then return all[name] end
  end
  return nil
end


--- `whiteout list --drivers`.
function M.list_command(write)
  local rows = {}
  for name, d in pairs(M.all()) do
    rows[#rows + 1] = { name = name, origin = d.origin, path = d.path,
      summary = d.description:match("^[^\n]*") }
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  require("whiteout.output").table(write, rows,
    { "name", "origin", "summary", "path" }, 90)
  return 0
end

return M

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


-- The fields of a driver (docs/drivers.md): name, kind, required.
local FIELDS = {
  { "description", "string", true }, { "detect", "function", true },
  { "layer_dir", "function", true }, { "name", "string" },
  { "priority", "number" }, { "whiteouts", "string" }, { "diff", "string" },
  { "view", "function" }, { "layer_path", "function" },
  { "container_layers", "function" }, { "image_layers", "function" },
  { "parse_path", "function" },
}
M.WHITEOUTS = { overlay = true, ["fuse-overlayfs"] = true, aufs = true,
  all = true, none = true }
M.DIFFS = { layer = true, trees = true }


--- Checks a driver table against the interface: true, or nil and what
-- is wrong with it.
function M.check(d)
  if type(d) ~= "table" then return nil, "returns no table" end
  for _, f in ipairs(FIELDS) do
    local k, v = f[1], d[f[1]]
    if v == nil and f[3] then return nil, "has no " .. k end
    if v ~= nil and type(v) ~= f[2] then
      return nil, ("%s is a %s, not a %s"):format(k, type(v), f[2])
    end
  end
  if d.whiteouts and not M.WHITEOUTS[d.whiteouts] then
    return nil, "whiteouts '" .. d.whiteouts .. "' is not one of overlay, "
      .. "fuse-overlayfs, aufs, all, none"
  end
  if d.diff and not M.DIFFS[d.diff] then
    return nil, "diff '" .. d.diff .. "' is not layer or trees"
  end
  return true
end


-- Loads one driver file and checks it against the interface.
local function load_driver(path, name, origin)
  local chunk, err = loadfile(path, "t")
  if not chunk then return nil, err end
  local ok, d = pcall(chunk)
  if not ok then return nil, path .. ": " .. tostring(d) end
  local good, why = M.check(d)
  if not good then return nil, path .. ": not a driver: " .. why end
  if d.name ~= nil and d.name ~= name then
    return nil, ("%s: not a driver: name '%s' is not its file's name")
      :format(path, tostring(d.name))
  end
  d.name = name
  d.whiteouts = d.whiteouts or "overlay"
  d.diff = d.diff or (d.whiteouts == "none" and "trees" or "layer")
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
      if drv then
        drv.overrides = by[name] and by[name].origin
        by[name] = drv
      else
        log.warn("driver %s", err)
      end
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
    local origin = d.overrides and ("%s (over %s)"):format(d.origin,
      d.overrides) or d.origin
    rows[#rows + 1] = { name = name, origin = origin, path = d.path,
      summary = d.description:match("^[^\n]*") }
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  require("whiteout.output").table(write, rows,
    { "name", "origin", "summary", "path" }, 90)
  return 0
end

return M

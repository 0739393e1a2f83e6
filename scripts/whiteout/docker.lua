-- The Docker model of one data root: images, containers, layer chains,
-- built lazily from the files and cached for the run (docs/docker.md).
--
-- Caveats:
-- - Only the storage driver's image/<driver>/ tree is read; a data root
--   that changed drivers keeps the other trees, which are not listed.
-- - Times are kept as Docker wrote them; nothing here converts zones.
local log = require "whiteout.log"
local util = require "whiteout.util"

local M = {}

--- Largest sizes read, in bytes, by the kind of file: an id file
-- (mount-id, cache-id, parent, diff, size), a config (config.v2.json,
-- hostconfig.json, an image config), repositories.json.
M.CAP = { id = 4096, config = 16 << 20, repositories = 64 << 20 }

-- Drivers Docker has shipped, for data roots that name none elsewhere.
M.DRIVERS = { "overlay2", "overlay", "aufs", "devicemapper", "btrfs", "zfs",
              "vfs", "fuse-overlayfs", "windowsfilter" }

local DataRoot = {}
local LAZY = {}


DataRoot.__index = function(t, k)
  local m = DataRoot[k]
  if m ~= nil then return m end
  local make = LAZY[k]
  if not make then return nil end
  local v = make(t)
  if v == nil then v = false end
  rawset(t, k, v)
  return v
end


--- The path of a file of the data root as the analyst finds it: under
-- the data root's path on the host, or under the -e folder.
-- root:where("containers/ab") --> "/var/lib/docker/containers/ab"
function DataRoot:where(rel)
  if type(rel) ~= "string" then
    error("bad argument #1 to 'where' (string expected)", 2)
  end
  local base = self.prefix
  rel = rel:gsub("^/+", "")
  if rel == "" then return base end
  return (base:gsub("/+$", "")) .. "/" .. rel
end


--- Warns about one file of the data root: "path: message".
function DataRoot:warn(rel, fmt, ...)
  if type(fmt) ~= "string" then
    error("bad argument #2 to 'warn' (format string expected)", 2)
  end
  local msg = select("#", ...) > 0 and fmt:format(...) or fmt
  log.warn("%s: %s", self:where(rel), msg)
end


--- The source and path to read rel through: a file two levels below a
-- store folder (containers/<id>/config.v2.json, layerdb/sha256/<id>/diff)
-- is read through a Source at the store, made once, so that resolving
-- its path walks two components instead of six.
function DataRoot:store_of(rel)
  if type(rel) ~= "string" then
    error("bad argument #1 to 'store_of' (string expected)", 2)
  end
  local store, tail = rel:match("^(.+)/([^/]+/[^/]+)$")
  if not store then return self.src, rel end
  local subs = self.cache.stores
  if not subs then subs = {} self.cache.stores = subs end
  local sub = subs[store]
  if sub == nil then
    sub = self.src:sub(store) or false
    subs[store] = sub
  end
  if not sub then return self.src, rel end
  return sub, tail
end


--- Reads a file expected to be small: at most cap bytes.  Checks the
-- type and size with lstat first, so a 2 GiB file in place of a config
-- is never read.  Returns the bytes, or nil, message, code ("ENOENT",
-- "RANGE", "CORRUPT", ...).
function DataRoot:read_capped(rel, cap)
  if type(rel) ~= "string" or math.type(cap) ~= "integer" then
    error("bad argument to 'read_capped' (path and integer cap)", 2)
  end
  local src, tail = self:store_of(rel)
  local st, err, code = src:lstat(tail)
  if not st then return nil, err, code end
  if st.type ~= "file" then
    return nil, ("is a %s, not a file"):format(st.type), "CORRUPT"
  end
  if st.size > cap then
    return nil, ("%d bytes, more than the %d expected of it; not read")
      :format(st.size, cap), "RANGE"
  end
  local data, rerr, rcode = src:read(tail, 0, st.size)
  if not data then return nil, rerr, rcode end
  return data
end


--- Reads and decodes a small JSON file.  Returns the value, or nil,
-- message, code; code "ENOENT" when the file is absent.
function DataRoot:read_json(rel, cap)
  if type(rel) ~= "string" then
    error("bad argument #1 to 'read_json' (string expected)", 2)
  end
  local text, err, code = self:read_capped(rel, cap or M.CAP.config)
  if not text then return nil, err, code end
  local v, jerr = util.json_decode(text)
  if type(v) ~= "table" then
    local why = #text == 0 and "empty" or ("truncated or not JSON (%s)")
      :format(jerr or "not an object")
    return nil, why, "CORRUPT"
  end
  return v
end


--- Reads a one-line id file (mount-id, cache-id, parent, diff): the
-- trimmed text, or nil, message, code.
function DataRoot:read_id(rel)
  if type(rel) ~= "string" then
    error("bad argument #1 to 'read_id' (string expected)", 2)
  end
  -- one bounded read, no lstat first: an id file is read thousands of
  -- times per run, and cap + 1 bytes tell a file too long for an id
  local src, tail = self:store_of(rel)
  local text, err, code = src:read(tail, 0, M.CAP.id + 1)
  if not text then return nil, err, code end
  if #text > M.CAP.id then
    return nil, ("more than the %d bytes of an id; not read"):format(
      M.CAP.id), "RANGE"
  end
  text = text:match("^%s*(.-)%s*$")
  if text == "" or text:find("[%c%s]") then
    return nil, "not an id", "CORRUPT"
  end
  return text
end


--- Names in a folder of the data root (sorted), or an empty list and
-- the message when it cannot be listed.
function DataRoot:list(rel)
  if type(rel) ~= "string" then
    error("bad argument #1 to 'list' (string expected)", 2)
  end
  local it, err, code = self.src:dir(rel)
  local out = {}
  if not it then return out, err, code end
  for name, type_ in it do
    out[#out + 1] = { name = name, type = type_ }
  end
  return out
end


-- The image/<driver> folders holding an image or layer store.
local function image_dirs(r)
  local out = {}
  for _, e in ipairs(r:list("image")) do
    if e.type == "dir" and (r.src:lstat("image/" .. e.name .. "/imagedb")
        or r.src:lstat("image/" .. e.name .. "/layerdb")) then
      out[#out + 1] = e.name
    end
  end
  return out
end


-- The driver most containers name, among allowed ones when given.
local function containers_driver(r, allowed)
  local count, best = {}, nil
  for _, c in ipairs(r:container_configs()) do
    local d = c.cfg and util.nn(c.cfg.Driver)
    if type(d) == "string" and (not allowed or allowed[d]) then
      count[d] = (count[d] or 0) + 1
      if not best or count[d] > count[best] then best = d end
    end
  end
  return best
end


-- The storage driver's name: the only image/<driver>/ tree, else the
-- one the containers' Driver names, else what the v1 layout shows.
function LAZY.driver_name(r)
  local dirs = image_dirs(r)
  if #dirs == 1 then return dirs[1] end
  local allowed = nil
  if #dirs > 1 then
    allowed = {}
    for _, d in ipairs(dirs) do allowed[d] = true end
  end
  local d = containers_driver(r, allowed)
  if d then return d end
  if #dirs > 1 then return dirs[1] end
  for _, name in ipairs(M.DRIVERS) do
    if r.src:lstat("repositories-" .. name) then return name end
  end
  for _, name in ipairs(M.DRIVERS) do
    if r.src:lstat(name) then return name end
  end
  return nil
end


-- The driver module (scripts/drivers/) for this data root, if any.
function LAZY.driver(r)
  local drivers = require "whiteout.drivers"
  local ok, d = pcall(drivers.for_root, r, r.driver_name or nil)
  if not ok then
    log.warn("%s: choosing a storage driver failed: %s", r:where(""), d)
    return nil
  end
  return d
end


-- "v2" (image/, Docker 1.10 on) or "v1" (graph/, older).
function LAZY.layout(r)
  if r.src:lstat("image") then return "v2" end
  if r.src:lstat("graph") then return "v1" end
  return "v2"
end


-- The folder of the image and layer stores: image/<driver>.
function LAZY.image_dir(r)
  return r.driver_name and "image/" .. r.driver_name or nil
end


--- Picks from list the one entry whose bare id starts with hex, as
-- Docker resolves short ids.  Returns it, or nil and why: none, or an
-- ambiguous prefix with its candidates named.
function DataRoot:by_prefix(list, hex, kind, ref)
  if type(list) ~= "table" or type(hex) ~= "string" then
    error("bad argument to 'by_prefix' (list and hex prefix expected)", 2)
  end
  local hits = {}
  for _, v in ipairs(list) do
    local id = util.bare(v.id)
    if type(id) == "string" and id:sub(1, #hex) == hex then
      hits[#hits + 1] = v
    end
  end
  if #hits == 1 then return hits[1] end
  if #hits == 0 then return nil, ("no %s '%s'"):format(kind, ref) end
  local names = {}
  for i, v in ipairs(hits) do
    names[i] = util.bare(v.id):sub(1, 12) .. (v.name and " (" .. v.name
      .. ")" or v.tags and v.tags[1] and " (" .. v.tags[1] .. ")" or "")
  end
  table.sort(names)
  return nil, ("%s id prefix '%s' is ambiguous: %s"):format(kind, ref,
    table.concat(names, ", "))
end


--- Turns a data root found by the evidence module into a DataRoot: r is
-- {src = Source at the data root, path = its path on the host, label =
-- the -e path, host = the host's Source or nil}.  Returns r itself with
-- the model's methods; nothing is read until asked.
function M.new_root(r, ev)
  if type(r) ~= "table" or r.src == nil then
    error("bad argument #1 to 'new_root' (data root table expected)", 2)
  end
  r.ev = ev
  r.path = r.path or "/"
  r.prefix = r.host and r.path or (r.label or r.path)
  r.cache = {}
  return setmetatable(r, DataRoot)
end


--- True when v is a DataRoot.
function M.is_root(v)
  return getmetatable(v) == DataRoot
end


M.DataRoot = DataRoot

-- The rest of the model adds its methods to DataRoot.
require("whiteout.images").install(DataRoot, M)
require("whiteout.containers").install(DataRoot, M)
require("whiteout.logs").install(DataRoot, M)

return M

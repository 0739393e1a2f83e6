-- Docker's devicemapper driver over a dm-thin pool read in user space:
-- the pool (loop-lvm files in the data root, or an LVM thin pool that
-- the evidence found on a PV), Docker's per-device files, and how the
-- two agree (docs/devicemapper.md).
--
-- Caveats:
-- - A device's size comes from Docker's file; a pool device with no
--   file is read up to its highest mapped block.
-- - Only XFS devices are read as file systems until the libtsk backend
--   serves ext4 over block sources.
local thin = require "whiteout.thin"
local util = require "whiteout.util"

local M = {}

local DM = "devicemapper/"
local META = DM .. "metadata/"
-- Docker's own files in metadata/ that are not devices.
local NOT_DEVICES = { ["deviceset-metadata"] = true,
  ["transaction-metadata"] = true }


-- Docker's per-device JSON (devInfo): hash, device_id, size,
-- transaction_id, initialized, deleted.
local function read_device(root, name)
  local j, err = root:read_json(META .. name, 1 << 20)
  if type(j) ~= "table" then
    root:warn(META .. name, "not a device file: %s", tostring(err))
    return nil
  end
  local id = math.tointeger(j.device_id)
  if not id or id < 0 or id > 0xffffff then
    root:warn(META .. name, "device_id is not a 24-bit integer")
    return nil
  end
  return { hash = name == "base" and "" or name, file = name,
    device_id = id, size = math.tointeger(j.size),
    transaction_id = math.tointeger(j.transaction_id),
    initialized = j.initialized == true, deleted = j.deleted == true,
    source = root:where(META .. name) }
end


--- Docker's side: {devices = list, by_hash, by_id, deviceset,
-- transaction}, read once per data root.
function M.docker(root)
  if root.cache.dm_docker then return root.cache.dm_docker end
  local d = { devices = {}, by_hash = {}, by_id = {} }
  for _, e in ipairs(root:list(META)) do
    if e.type == "file" and not NOT_DEVICES[e.name] then
      local dev = read_device(root, e.name)
      if dev then
        d.devices[#d.devices + 1] = dev
        d.by_hash[dev.hash] = dev
        d.by_id[dev.device_id] = d.by_id[dev.device_id] or dev
      end
    end
  end
  table.sort(d.devices, function(a, b) return a.device_id < b.device_id end)
  d.deviceset = root:read_json(META .. "deviceset-metadata", 1 << 20)
  d.transaction = root:read_json(META .. "transaction-metadata", 1 << 20)
  root.cache.dm_docker = d
  return d
end


-- The loop-lvm pool: two sparse files in the data root.
local function loop_pool(root)
  local mp, dp = DM .. "devicemapper/metadata", DM .. "devicemapper/data"
  if not root.src:lstat(mp) then return nil end
  local m, err = thin.file(root.src, mp)
  if not m then return nil, err end
  local d, derr = thin.file(root.src, dp)
  if not d then root:warn(dp, "%s: reading metadata only", derr) end
  return { meta = m, data = d or nil, kind = "loop-lvm",
    label = root:where(DM .. "devicemapper/{metadata,data}") }
end


-- The pool named by daemon.json's dm.thinpooldev, as "vg/lv".
local function wanted_pool(root)
  local host = root.host
  local text = host and host:read("/etc/docker/daemon.json")
  local cfg = text and util.json_decode(text)
  for _, o in ipairs(type(cfg) == "table" and
      type(cfg["storage-opts"]) == "table" and cfg["storage-opts"] or {}) do
    local dev = type(o) == "string" and o:match("^dm%.thinpooldev=(.+)$")
    local vg, lv = dev and dev:match("mapper/([^/]-[^-/])%-([^-/][^/]*)$")
    if vg then return vg:gsub("%-%-", "-") .. "/" .. lv:gsub("%-%-", "-") end
  end
  return "docker/thinpool"   -- what dm.directlvm_device sets up
end


-- An LVM thin pool that the evidence found (ev.thin_pools).
local function lvm_pool(root)
  local pools = root.ev and root.ev.thin_pools or {}
  if #pools == 0 then return nil end
  local want = wanted_pool(root)
  for _, p in ipairs(pools) do
    if p.name == want then return p end
  end
  if #pools > 1 then
    root:warn(DM, "%d LVM thin pools and none is %s; using %s", #pools,
      want, pools[1].name)
  end
  return pools[1]
end


--- The pool of a devicemapper data root: {pool = whiteout.thin.Pool,
-- kind = "loop-lvm" or "direct-lvm", label = where it was read}, or
-- nil and a message.  Opened once per data root.
function M.pool(root)
  local c = root.cache
  if c.dm_pool ~= nil then return c.dm_pool or nil, c.dm_pool_err end
  local where, err = loop_pool(root)
  if not where and not err then where = lvm_pool(root) end
  local pool
  if where then
    local opts = { force = root.ev and root.ev.opts and root.ev.opts.force }
    pool, err = thin.open(where.meta, where.data, opts)
    if pool then where.pool = pool end
  end
  if not pool then
    err = err or "no thin pool: neither devicemapper/devicemapper/" ..
      "{metadata,data} nor an LVM thin pool in the evidence (give the " ..
      "PV or disk with another -e)"
  end
  for _, w in ipairs(pool and pool:warnings() or {}) do
    root:warn(DM, "%s: %s", where.label, w)
  end
  c.dm_pool, c.dm_pool_err = pool and where or false, err
  return pool and where or nil, err
end


--- The Source of the file system of the device Docker calls hash (a
-- cache id, mount id, "<mount id>-init" or "" for the base), cached;
-- nil and a message when it cannot be read.
function M.device_fs(root, hash)
  local c = root.cache
  c.dm_fs = c.dm_fs or {}
  if c.dm_fs[hash] then return c.dm_fs[hash] end
  local dev = M.docker(root).by_hash[hash]
  if not dev then return nil, ("no %s%s"):format(META, hash) end
  local p, err = M.pool(root)
  if not p then return nil, err end
  local src, serr = p.pool:source(dev.device_id, dev.size)
  if not src then
    return nil, ("thin device %d (%s): %s"):format(dev.device_id,
      dev.source, serr)
  end
  c.dm_fs[hash] = src
  return src
end

return M

-- Mounting a devicemapper container's thin device read-only, the way
-- the seized host did (libdevmapper: a read_only pool and a thin
-- device) or, where the kernel has no device-mapper, from user space
-- (the device as a FUSE file that a read-only loop device carries).
-- Every step records its undo; an error or Ctrl-C undoes what was done,
-- and a state file lets `--arg action=umount` undo it later.
--
-- Caveats: the libdevmapper path is tested only where
-- /dev/mapper/control exists; its tables and options are unit-tested.
local util = require "whiteout.util"
local hash = require "whiteout.hash"

local M = {}

-- Where the state of each mount lives (one folder per target).
M.STATE = "/run/whiteout/thin"


--- The thin-pool table line for a pool whose data device holds
-- data_bytes, with data blocks of block_sectors: read_only, so the
-- kernel never writes the metadata (K-doc thin-pool features).
-- M.pool_table(2^31, "/dev/loop1", "/dev/loop2", 128) -->
--   { 0, 4194304, "thin-pool", "/dev/loop1 /dev/loop2 128 0 1 read_only" }
function M.pool_table(data_bytes, meta_dev, data_dev, block_sectors)
  if math.type(data_bytes) ~= "integer" or data_bytes <= 0 or
      math.type(block_sectors) ~= "integer" or block_sectors <= 0 then
    error("bad argument to 'pool_table' (sizes must be positive "
      .. "integers)", 2)
  end
  local bs = block_sectors * 512
  local sectors = data_bytes // bs * block_sectors
  return { 0, sectors, "thin-pool", ("%s %s %d 0 1 read_only"):format(
    meta_dev, data_dev, block_sectors) }
end


--- The thin table line of device dev_id of size bytes in pool:
-- "0 <size/512> thin <pool> <dev_id>".
function M.thin_table(size, pool_dev, dev_id)
  if math.type(size) ~= "integer" or size < 512 or
      math.type(dev_id) ~= "integer" or dev_id < 0 or dev_id > 0xffffff then
    error("bad argument to 'thin_table' (size or device id)", 2)
  end
  return { 0, size // 512, "thin", ("%s %d"):format(pool_dev, dev_id) }
end


--- A table line as dmsetup prints it.
function M.line(t)
  return ("%d %d %s %s"):format(t[1], t[2], t[3], t[4])
end


--- Read-only mount options for a file system type: XFS needs nouuid
-- (every device carries the base device's UUID) and norecovery (no log
-- replay); ext4 needs noload (no journal replay).
function M.mount_options(fstype)
  if fstype == "xfs" then return "ro,nouuid,norecovery" end
  if fstype == "ext4" then return "ro,noload" end
  error(("bad argument to 'mount_options' (xfs or ext4, not %s)")
    :format(tostring(fstype)), 2)
end


--- A dm name for this mount's devices, from the target path.
function M.dm_name(target, what)
  return ("whiteout-%s-%s"):format(hash.sha256(target):sub(1, 12), what)
end


local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end


-- Runs a command; raises with its output when it fails.
local function run(cmd)
  local h = io.popen(cmd .. " 2>&1")
  local out = h:read("a")
  local ok = h:close()
  if not ok then
    error(("'%s' failed: %s"):format(cmd, out:gsub("\n$", "")), 0)
  end
  return out:gsub("\n$", "")
end
M.run = run


-- A job: the steps done so far, each with its undo (a shell command or
-- a dm device name), saved to the state file after every step.
local Job = {}
Job.__index = Job


function M.job(target)
  local dir = M.STATE .. "/" .. hash.sha256(target):sub(1, 16)
  run("mkdir -p " .. q(dir))
  return setmetatable({ target = target, dir = dir, undo = {} }, Job)
end


function Job:save()
  local f = assert(io.open(self.dir .. "/state.json", "w"))
  f:write(util.json_encode({ target = self.target, undo = self.undo }))
  f:close()
end


--- Does a step (fn) and records how to undo it (a table {cmd=} or
-- {dm=name}); returns what fn returns.
function Job:step(undo, fn)
  local r = fn()
  self.undo[#self.undo + 1] = undo
  self:save()
  return r
end


local function undo_one(u)
  if u.dm then return require("whiteout.dm").remove(u.dm) end
  return pcall(run, u.cmd)
end


--- Undoes every step, newest first; returns the messages of failures.
function M.teardown(undo)
  local errs = {}
  for i = #undo, 1, -1 do
    local ok, err = undo_one(undo[i])
    if not ok then errs[#errs + 1] = tostring(err) end
  end
  return errs
end


--- Reads the undo list saved for target; nil when none.
function M.saved(target)
  local dir = M.STATE .. "/" .. hash.sha256(target):sub(1, 16)
  local f = io.open(dir .. "/state.json")
  if not f then return nil, dir end
  local st = util.json_decode(f:read("a"))
  f:close()
  return type(st) == "table" and st.undo or nil, dir
end


--- Gives a loop device carrying dev (Blocks) read-only, via FUSE.
function Job:loop(dev, what)
  local fdir = self.dir .. "/" .. what
  run("mkdir -p " .. q(fdir))
  self:step({ cmd = "fusermount3 -u " .. q(fdir) }, function()
    return assert(dev:serve(fdir, "device"))
  end)
  local loop = run("losetup -r -f --show " .. q(fdir .. "/device"))
  self.undo[#self.undo + 1] = { cmd = "losetup -d " .. q(loop) }
  self:save()
  return loop
end


--- Gives a read-only loop device over a local file (the evidence's
-- own pool file, when it is one on the analyst's machine).
function Job:loop_file(path)
  local loop = run("losetup -r -f --show " .. q(path))
  self.undo[#self.undo + 1] = { cmd = "losetup -d " .. q(loop) }
  self:save()
  return loop
end


--- The libdevmapper path: a read_only pool over read-only loop devices
-- of the pool's metadata and data (local files when files gives them,
-- {meta = path, data = path}; else FUSE files), and the thin device.
-- Returns its node.
function Job:dm_device(p, dev_id, size, files)
  local dm = require "whiteout.dm"
  files = files or {}
  local meta = files.meta and self:loop_file(files.meta) or
    self:loop(p.meta, "meta")
  local data = files.data and self:loop_file(files.data) or
    self:loop(p.data, "data")
  local sb = p.pool:super()
  local pool = M.dm_name(self.target, "pool")
  local thin = M.dm_name(self.target, "thin")
  self:step({ dm = pool }, function()
    return assert(dm.create(pool, { M.pool_table(p.data:size(), meta, data,
      sb.data_block_size) }))
  end)
  self:step({ dm = thin }, function()
    return assert(dm.create(thin, { M.thin_table(size,
      "/dev/mapper/" .. pool, dev_id) }))
  end)
  return "/dev/mapper/" .. thin
end


--- Mounts node (fstype) read-only at the state folder, and its rootfs/
-- read-only on the target.
function Job:mount(node, fstype, sub)
  local at = self.dir .. "/fs"
  run("mkdir -p " .. q(at) .. " " .. q(self.target))
  self:step({ cmd = "umount " .. q(at) }, function()
    return run(("mount -t %s -o %s %s %s"):format(fstype,
      M.mount_options(fstype), q(node), q(at)))
  end)
  self:step({ cmd = "umount " .. q(self.target) }, function()
    run("mount --bind " .. q(at .. sub) .. " " .. q(self.target))
    return run("mount -o remount,bind,ro " .. q(self.target))
  end)
end

return M

-- Playbook: a devicemapper container's (or layer's) thin device mounted
-- read-only, through the kernel's device-mapper where it has one, else
-- from user space (FUSE file, read-only loop device); and the teardown.
local dmmount = require "whiteout.dmmount"
local dmthin = require "whiteout.dmthin"
local util = require "whiteout.util"
local views = require "whiteout.views"

-- The Docker device file of the chosen layer of the target.
local function device_of(root, args)
  local list, err = views.targets({ roots = { root } }, args, false)
  if not list then error(err, 0) end
  local stack, serr = views.stack(root, list[1].target, args.layer)
  if not stack then error(serr, 0) end
  local f = dmthin.docker(root).by_hash[stack[1].cache_id]
  if not f then
    error("no devicemapper/metadata file for " .. stack[1].cache_id, 0)
  end
  return f
end


-- Which path: "dm" when asked or available, else "fuse".
local function method(args)
  if args.method == "fuse" then return "fuse" end
  local ok, dm = pcall(require, "whiteout.dm")
  local yes, why = false, dm
  if ok then yes, why = dm.available() end
  if yes then return "dm" end
  if args.method == "dm" then
    error("device-mapper: " .. tostring(why or dm), 0)
  end
  return "fuse", why
end


-- The pool's files on the analyst's machine, when the pool is loop-lvm
-- in a folder given as evidence (not inside a disk image).
local function local_files(t)
  local host = t.root.host
  local src = host or t.root.src
  if t.pool.kind ~= "loop-lvm" or not tostring(src):find("(directory)",
      1, true) then
    return nil
  end
  local out = {}
  for _, k in ipairs({ "meta", "data" }) do
    local rel = "devicemapper/devicemapper/" .. (k == "meta" and
      "metadata" or "data")
    local path = views.local_path(t.root, rel)
    local f = io.open(path, "rb")
    if not f then return nil end
    f:close()
    out[k] = path
  end
  return out
end


local function do_mount(ev, args, emit)
  local t = dmthin.roots(ev)[1]
  if not t then error("no devicemapper data root with a pool", 0) end
  local target = views.local_real(args.target)
  if views.inside_evidence(ev, target) then
    error(require("whiteout.runner").usage("refusing a target inside "
      .. "the evidence: " .. args.target))
  end
  local f = device_of(t.root, args)
  local p = t.pool
  local dev = assert(p.pool:device(f.device_id, f.size))
  local fstype = dev:fstype()
  if not fstype then error("no XFS or ext4 on the thin device", 0) end
  local how, why = method(args)
  if why then
    t.root:warn("devicemapper", "%s; mounting from user space (FUSE)", why)
  end
  local job = dmmount.job(target)
  local ok, err = pcall(function()
    local node = how == "dm" and job:dm_device(p, f.device_id, f.size,
      local_files(t)) or job:loop(dev, "device")
    job:mount(node, fstype, "/rootfs")
  end)
  if not ok then
    dmmount.teardown(job.undo)
    os.remove(job.dir .. "/state.json")
    error(err, 0)
  end
  emit({ kind = "mount", target = target, what = how == "dm" and
    "device-mapper" or "fuse", device_id = f.device_id, fstype = fstype,
    options = dmmount.mount_options(fstype), hash = f.hash,
    source = f.source })
end


local function do_umount(args, emit)
  local target = views.local_real(args.target)
  local undo, dir = dmmount.saved(target)
  if not undo then error("nothing mounted by thin-mount on " .. target, 0) end
  local errs = dmmount.teardown(undo)
  for _, e in ipairs(errs) do emit({ kind = "problem", message = e }) end
  os.remove(dir .. "/state.json")
  os.execute("rm -rf -- '" .. dir:gsub("'", "'\\''") .. "'")
  emit({ kind = "umount", target = target, steps = #undo,
    source = target })
end

return {
  description = [[
Mounts the thin device of a devicemapper container (or of one of its
layers) read-only on the folder --arg target names, showing its rootfs/.
Where the kernel has device-mapper, it does what the host did, through
libdevmapper: read-only loop devices over the pool's metadata and data,
a pool with the read_only feature (its metadata is never written), and
the thin device ("0 <size/512> thin <pool> <device_id>"). Where it has
none, it says so and takes the user-space path: the thin device is
served as a read-only file through FUSE and carried by a read-only loop
device. XFS is mounted ro,nouuid,norecovery; ext4 ro,noload. Needs root.
An error or Ctrl-C takes down what was set up; --arg action=umount takes
down a mount made earlier.]],
  categories = { "activates", "devicemapper", "filesystem" },
  args = {
    { name = "target", required = true,
      help = "the folder to mount on (made if absent)" },
    { name = "container", help = "container id, id prefix or name" },
    { name = "image", help = "image reference or id" },
    { name = "layer", help = "rw, init, image or a cache id",
      default = "top" },
    { name = "method", help = "auto, dm or fuse", default = "auto",
      choices = { "auto", "dm", "fuse" } },
    { name = "action", help = "mount or umount", default = "mount",
      choices = { "mount", "umount" } },
  },
  usage = [[
whiteout run thin-mount -e /mnt/ev --arg container=web --arg target=/mnt/web
whiteout run thin-mount -e X --arg action=umount --arg target=/mnt/web]],
  sample = [[
KIND   TARGET          WHAT  DEVICE_ID  FSTYPE  OPTIONS
mount  /mnt/fruitbowl  fuse  4          xfs     ro,nouuid,norecovery
]],
  columns = { mount = { "target", "what", "device_id", "fstype",
    "options" } },
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    if not args.target or args.target == "" then
      error("give --arg target=DIR", 0)
    end
    if not util.is_root() then
      error("activating devices needs root", 0)
    end
    if args.action == "umount" then return do_umount(args, emit) end
    do_mount(ev, args, emit)
  end,
}

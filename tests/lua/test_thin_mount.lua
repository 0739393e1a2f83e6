-- thin-mount: the device-mapper tables and mount options (everywhere),
-- and the user-space path as root: the fixture pool's snapshot mounted
-- through FUSE and a read-only loop device shows the same files as the
-- user-space reader, and is taken down again.
local t = require "testlib"
local dmmount = require "whiteout.dmmount"

t.eq("pool table", dmmount.pool_table(2 << 30, "/dev/loop1", "/dev/loop2",
  128), { 0, 4194304, "thin-pool",
  "/dev/loop1 /dev/loop2 128 0 1 read_only" })
t.eq("pool table rounds to whole blocks", dmmount.pool_table(1000000,
  "m", "d", 1024)[2], 1024)
t.eq("thin table", dmmount.line(dmmount.thin_table(536870912,
  "/dev/mapper/p", 4)), "0 1048576 thin /dev/mapper/p 4")
t.eq("xfs options", dmmount.mount_options("xfs"), "ro,nouuid,norecovery")
t.eq("ext4 options", dmmount.mount_options("ext4"), "ro,noload")
t.ok("dm names differ per target", dmmount.dm_name("/a", "pool") ~=
  dmmount.dm_name("/b", "pool"))
t.raises("options of an unknown fs", function()
  dmmount.mount_options("vfat") end, "xfs or ext4")
t.raises("thin table id", function()
  dmmount.thin_table(4096, "p", 1 << 24) end, "device id")
t.raises("pool table sizes", function()
  dmmount.pool_table(0, "m", "d", 128) end, "positive")
local dm_ok, dm = pcall(require, "whiteout.dm")
t.ok("whiteout.dm loads", dm_ok, tostring(dm))
if dm_ok then
  local yes, why = dm.available()
  t.ok("dm.available answers", yes == true or type(why) == "string")
  t.raises("dm.create needs a table", function() dm.create("x") end,
    "bad argument")
end

-- the user-space path
local function sh(cmd) return os.execute(cmd .. " >/dev/null 2>&1") end
local why
if io.popen("id -u"):read("l") ~= "0" then why = "needs root"
elseif not io.open("/dev/fuse") then why = "no /dev/fuse"
elseif not sh("command -v losetup && command -v fusermount3") then
  why = "losetup or fusermount3 missing"
elseif not sh("command -v thin_restore && command -v mkfs.xfs") then
  why = "thin_restore or mkfs.xfs missing"
elseif not sh("losetup -f") then why = "no free loop device"
end
if why then
  t.skip("thin-mount fuse path", why)
  return
end
local d = t.tmp("thin-mount")
assert(sh("tests/fixtures/make-thin " .. d))
local fs = require "whiteout.fs"
local thin = require "whiteout.thin"
local dir = assert(fs.open(d))
local pool = assert(thin.open(thin.file(dir, "pool/metadata"),
  thin.file(dir, "pool/data")))
local dev = assert(pool:device(2, 512 << 20))
local user = assert(pool:source(2, 512 << 20))
local target = d .. "/mnt"
local job = dmmount.job(target)
local ok, err = pcall(function()
  job:mount(job:loop(dev, "device"), "xfs", "/rootfs")
end)
t.ok("fuse mount", ok, err)
if ok then
  local kernel = assert(fs.open(target))
  local seen = {}
  for path, st in user:sub("/rootfs"):walk("/") do
    local k = kernel:lstat(path)
    seen[#seen + 1] = path
    t.eq("kernel sees " .. path, k and { k.type, k.size, k.uid },
      { st.type, st.size, st.uid })
    if st.type == "file" then
      t.eq("same bytes " .. path, kernel:sha256(path),
        user:sub("/rootfs"):sha256(path))
    end
  end
  t.eq("walked", #seen, 5)
  kernel:close()
  local saved = dmmount.saved(target)
  t.eq("state saved", saved and #saved, 4)
end
t.eq("teardown", dmmount.teardown(job.undo), {})
t.ok("nothing left mounted", not sh("mountpoint -q " .. target) and
  not sh("mountpoint -q " .. job.dir .. "/device"))
os.remove(job.dir .. "/state.json")
os.execute("rm -rf '" .. job.dir .. "'")

-- whiteout.tsk: an ext4 image built by tests/fixtures/make-ext4img read
-- without mounting: files, links, whiteouts, xattrs, deleted names, split
-- and E01 images, and the evidence opener.
local t = require "testlib"
local tsk = require "whiteout.tsk"

local dir = t.tmp("tsk")
if not os.execute("tests/fixtures/make-ext4img " .. dir .. " 2>/dev/null")
then
  t.skip("tsk fixture", "mke2fs -d or debugfs missing (e2fsprogs)")
  return
end
local imgpath = dir .. "/fs.img"
local img = assert(tsk.open(imgpath))
t.eq("image type", img:info().type, "raw")
t.eq("no partitions", #img:volumes(), 0)
t.eq("sniff", img:sniff(0), "ext4")
local src = assert(img:fs(0))
local L1 = "/var/lib/docker/overlay2/l1/diff/etc/"
local L2 = "/var/lib/docker/overlay2/l2/diff/"
t.eq("read", src:read(L1 .. "passwd"), "root:x:0:0:root:/root:/bin/sh\n")
local secs = io.popen("date -d '2020-01-02 03:04:05' +%s"):read("n")
t.eq("mtime", src:lstat(L1 .. "passwd").mtime, secs * 1000000000)
t.eq("fast symlink", src:readlink(L1 .. "short"), "passwd")
t.eq("slow symlink", src:readlink(L1 .. "long"),
  "/" .. string.rep("x", 100) .. "/target")
t.eq("link followed", src:read(L1 .. "short"),
  "root:x:0:0:root:/root:/bin/sh\n")
local wh = src:lstat(L2 .. "etc/gone")
t.eq("whiteout", { wh.type, wh.rdev_major, wh.rdev_minor }, { "char", 0, 0 })
t.eq("opaque xattr", src:xattrs(L2 .. "opq"),
  { ["trusted.overlay.opaque"] = "y" })
t.eq("no xattrs", src:xattrs(L1 .. "passwd"), {})
local names = {}
for n in src:dir(L2 .. "tmp") do names[#names + 1] = n end
t.eq("deleted name hidden from dir", names, {})
local v, _, code = src:lstat(L2 .. "tmp/secret")
t.eq("deleted name is ENOENT", code, "ENOENT")

-- below the live tree
local dinum = assert(tsk.lookup(src, L2 .. "tmp"))
local del = tsk.names(src, dinum)
t.eq("deleted name listed", { del[1].name, del[1].allocated },
  { "secret", false })
local st = tsk.stat(src, del[1].inum)
t.eq("deleted inode unallocated", st.allocated, false)
local want = io.open(dir .. "/tree" .. "/var/lib/docker/overlay2/l2/diff"
  .. "/tmp/secret"):read("a")
t.eq("deleted size", st.size, #want)
t.eq("deleted content", tsk.iread(src, del[1].inum, 0, st.size), want)
local ino = tsk.inode(src, del[1].inum)
local data, alloc = tsk.read_runs(src, ino.runs, ino.size)
t.eq("runs content", data, want)
t.eq("runs blocks free", alloc, 0)
local un = tsk.unallocated(src)
local found = false
for _, i in ipairs(un) do found = found or i == del[1].inum end
t.ok("unallocated inode walk", found)
t.raises("bad inode number", function() tsk.stat(src, 0) end,
  "no such inode")
t.raises("not a tsk source", function()
  tsk.names(require("whiteout.fs").open(dir), 2) end, "not a whiteout.tsk")

-- split raw and E01
os.execute("split -b 4M -d -a 3 --numeric-suffixes=1 " .. imgpath .. " "
  .. dir .. "/split.")
local sp = assert(tsk.open(dir .. "/split.001"))
t.eq("split size", sp:info().size, 16 << 20)
t.eq("split read", assert(sp:fs(0)):read(L1 .. "passwd"),
  "root:x:0:0:root:/root:/bin/sh\n")
if t.have("ewfacquire") then
  os.execute("ewfacquire -u -q -c none -t " .. dir .. "/ewf " .. imgpath
    .. " >/dev/null 2>&1")
  local e = tsk.open(dir .. "/ewf.E01")
  t.eq("E01 type", e and e:info().type, "ewf")
  t.eq("E01 read", e and assert(e:fs(0)):read(L1 .. "passwd"),
    "root:x:0:0:root:/root:/bin/sh\n")
else
  t.skip("E01", "ewfacquire missing (ewf-tools)")
end

-- VMDK and VHD, made from the same raw image by qemu-img
if t.have("qemu-img") then
  for _, f in ipairs({ { "vmdk", "vmdk" }, { "vpc", "vhd" } }) do
    local out = dir .. "/image." .. f[2]
    os.execute("qemu-img convert -f raw -O " .. f[1] .. " " .. imgpath
      .. " " .. out)
    local v = tsk.open(out)
    t.eq(f[2] .. " type", v and v:info().type, f[1] == "vpc" and "vhd"
      or "vmdk")
    t.eq(f[2] .. " read", v and assert(v:fs(0)):read(L1 .. "passwd"),
      "root:x:0:0:root:/root:/bin/sh\n")
  end
else
  t.skip("VMDK and VHD", "qemu-img missing (qemu-utils)")
end

-- the opener: -e on an image finds the data root
local ev = assert(require("whiteout.evidence").open({ imgpath }))
t.eq("data root in image", { #ev.roots, ev.roots[1].path },
  { 1, "/var/lib/docker" })
local v2, err = tsk.open(dir .. "/nothing")
t.eq("missing image", v2, nil)

-- GPT disk, LVM2 PV in partition 1, the image as an LV in two segments
if os.execute("tests/fixtures/make-lvm-gpt " .. imgpath .. " " .. dir
  .. "/disk.img") then
  local disk = assert(tsk.open(dir .. "/disk.img"))
  local vols = disk:volumes()
  t.eq("gpt partition", { #vols, vols[1].start, vols[1].content },
    { 1, 1 << 20, "lvm2" })
  local vg = assert(disk:lvm(vols[1].start))
  t.eq("lvm vg and lv", { vg.vg, vg.lvs[1].name, vg.lvs[1].size,
    #vg.lvs[1].segments }, { "wovg", "root", 16 << 20, 2 })
  local ev2 = assert(require("whiteout.evidence").open({ dir .. "/disk.img" }))
  t.eq("data root through gpt and lvm", { #ev2.roots, ev2.roots[1].label },
    { 1, dir .. "/disk.img:p1/wovg/root" })
  t.eq("read through lvm", ev2.roots[1].src:read(
    "overlay2/l1/diff/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
  local ev3 = require("whiteout.evidence").open({ dir .. "/disk.img" },
    { partition = "2" })
  t.eq("no such partition", ev3, nil)
  local ev4 = assert(require("whiteout.evidence").open({ imgpath },
    { offset = "0" }))
  t.eq("offset", #ev4.roots, 1)
else
  t.skip("lvm gpt", "make-lvm-gpt failed (python3?)")
end

-- a real LVM2 PV (lvcreate's metadata), when the shared evidence is here
local pvtar = (os.getenv("SHARED") or "../shared")
  .. "/evidence/dmthin/direct-lvm/pv.img.tar.xz"
if io.open(pvtar) and os.execute("tar -C " .. dir .. " -xJf " .. pvtar) then
  local pv = assert(tsk.open(dir .. "/pv.img"))
  local vg = assert(pv:lvm(0))
  local by = {}
  for _, lv in ipairs(vg.lvs) do by[lv.name] = lv end
  t.eq("real lvm tdata", { by.thinpool_tdata.segments[1].pv_offset,
    by.thinpool_tdata.size }, { 1048576, 968 << 20 })
  t.eq("real lvm tmeta", by.thinpool_tmeta.segments[1].pv_offset,
    1016070144)
  t.eq("real lvm thin pool", { by.thinpool.linear, by.thinpool.why },
    { false, "thin-pool" })
else
  t.skip("real lvm", "no " .. pvtar)
end

-- the deleted playbook's module on the fixture: the name debugfs removed
local ev5 = assert(require("whiteout.evidence").open({ imgpath }))
local del = require "whiteout.deleted"
local recs = del.layers(ev5.roots[1])
local hit
for _, r in ipairs(recs) do if r.name == "secret" then hit = r end end
t.eq("deleted secret", hit and { hit.path, hit.found_in, hit.size,
  hit.sha256, hit.layer }, { "/var/lib/docker/overlay2/l2/diff/tmp/secret",
  "directory", #want, require("whiteout.hash").sha256(want), "l2" })

-- XFS (through libfsxfs) and btrfs (named, not read)
if t.have("mkfs.xfs") then
  local xd = dir .. "/xfs"
  os.execute("mkdir -p " .. xd)
  local f = io.open(xd .. "/hostname", "w") f:write("xfs-host\n") f:close()
  f = io.open(xd .. "/proto", "w")
  f:write("/dev/null\n0 0\nd--755 0 0\netc d--755 0 0\nhostname ---644 0 0 "
    .. xd .. "/hostname\n$\nvar d--755 0 0\nlib d--755 0 0\n"
    .. "docker d--711 0 0\ncontainers d--710 0 0\n$\nimage d--700 0 0\n"
    .. "$\n$\n$\n$\n$\n")
  f:close()
  os.execute("truncate -s 320M " .. xd .. "/x.img && mkfs.xfs -q -f -p "
    .. xd .. "/proto " .. xd .. "/x.img")
  local evx = require("whiteout.evidence").open({ xd .. "/x.img" })
  t.eq("xfs host image", evx and { #evx.roots, evx.roots[1].path,
    evx.hosts[1].src:read("/etc/hostname") },
    { 1, "/var/lib/docker", "xfs-host\n" })
else
  t.skip("xfs image", "mkfs.xfs missing")
end
if t.have("mkfs.btrfs") then
  os.execute("truncate -s 128M " .. dir .. "/b.img && mkfs.btrfs -q -f "
    .. dir .. "/b.img >/dev/null 2>&1")
  local evb, msg = require("whiteout.evidence").open({ dir .. "/b.img" })
  t.ok("btrfs named", not evb and msg and msg:find("btrfs file system",
    1, true), msg)
else
  t.skip("btrfs image", "mkfs.btrfs missing")
end

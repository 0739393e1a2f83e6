-- whiteout.thin on a pool that tests/fixtures/make-thin builds with
-- thin_restore: devices, mappings and bytes against thin_dump and
-- thin_ls, XFS through a thin device, delta, space map, freed bytes,
-- and damaged metadata (checksum, cycle, range, count).
local t = require "testlib"
local tc = require "thincheck"
local fs = require "whiteout.fs"
local thin = require "whiteout.thin"

if not (t.have("thin_restore") and t.have("mkfs.xfs")
    and t.have("python3")) then
  t.skip("thin", "needs thin_restore, mkfs.xfs and python3")
  return
end
local d = t.tmp("thin")
assert(os.execute("tests/fixtures/make-thin " .. d .. " >/dev/null"))
local expect = require("cjson").decode(io.open(d .. "/expect.json"):read("a"))
local dir = assert(fs.open(d))
local meta = assert(thin.file(dir, "pool/metadata"))
local data = assert(thin.file(dir, "pool/data"))
local pool = assert(thin.open(meta, data))
local BS = 65536

-- superblock
local sb = pool:super()
t.eq("superblock", { sb.time, sb.transaction_id, sb.data_block_size,
  sb.data_nr_blocks, sb.block_bytes }, { 1, 3, 128, 1024, BS })

-- devices and usage, as thin_ls counts them
local ls = tc.ls(d .. "/pool/metadata")
for _, dev in ipairs(pool:devices()) do
  t.eq("thin_ls agrees on device " .. dev.device_id,
    { dev.mapped, dev.exclusive, dev.shared, dev.creation_time,
      dev.snapshotted_time, dev.transaction_id }, ls[dev.device_id])
end
t.eq("device count", #pool:devices(), 4)

-- mappings and bytes, as thin_dump maps them
local dump = tc.dump(d .. "/pool/metadata")
for id = 1, 4 do
  local runs = assert(pool:mappings(id))
  t.eq("thin_dump agrees on device " .. id, tc.expand(runs), dump[id])
  local dev = assert(pool:device(id, 512 << 20))
  t.ok("bytes of device " .. id, tc.bytes_match(dev, data, dump[id], BS))
end
local dev3 = assert(pool:device(3))
t.eq("size from the mappings", dev3:size(), 8191 * BS)
t.eq("unmapped reads as zeros", dev3:read(100 * BS, 4), "\0\0\0\0")
t.eq("mapped block", dev3:read(8190 * BS, 6), "SPARSE")

-- the file systems on the devices
local x1 = assert(pool:source(1, 512 << 20))
local x2 = assert(pool:source(2, 512 << 20))
t.eq("fstype", pool:device(1, 512 << 20):fstype(), "xfs")
t.eq("image lemons", x1:read("/rootfs/fruit/lemons"):sub(1, 20),
  "LEMON v1: lemons fro")
t.eq("snapshot lemons", x2:read("/rootfs/fruit/lemons"):sub(1, 20),
  "LEMON v2: lemons rew")
local now = os.time() * 1000000000
local ast = x2:stat("/rootfs/fruit/apples")
t.ok("mtime from the inode (bigtime)", math.abs(ast.mtime - now) <
  600 * 1000000000, tostring(ast.mtime))
t.eq("nlink from the inode", x2:stat("/rootfs/fruit").nlink, 2)
t.eq("dir size from the inode", x2:stat("/rootfs/fruit").size > 0, true)
t.eq("apples owner", x2:stat("/rootfs/fruit/apples").uid, 1000)
t.eq("symlink", x2:readlink("/rootfs/fruit/tart"), "lemons")
t.eq("link followed inside", x2:read("/rootfs/fruit/tart"):sub(1, 8),
  "LEMON v2")
local names = {}
for n in x2:dir("/rootfs/fruit") do names[#names + 1] = n end
table.sort(names)
t.eq("dir", names, { "apples", "lemons", "tart" })
t.eq("missing file", select(3, x2:stat("/rootfs/pears")), "ENOENT")

-- ext4 through libtsk over the thin device
local e4 = pool:device(4, 64 << 20)
t.eq("ext4 fstype", e4:fstype(), "ext4")
local x4, x4err = pool:source(4, 64 << 20)
t.ok("ext4 source", x4, x4err)
t.eq("ext4 file", x4 and x4:read("/rootfs/fruit/figs"):sub(1, 8),
  "FIG\nFIG\n")

-- delta: one rewritten block
local diff = {}
for _, r in ipairs(pool:delta(1, 2)) do
  if r.kind ~= "same" then diff[#diff + 1] = r end
end
t.eq("delta", #diff, 1)
t.eq("delta kind", diff[1] and diff[1].kind, "different")
t.eq("delta blocks", diff[1] and { diff[1].left_data, diff[1].right_data },
  dump[1] and diff[1] and { dump[1][diff[1].begin], dump[2][diff[1].begin] })

-- space map and freed bytes
local counts = {}
for _, r in ipairs(pool:space_map()) do
  for b = r.begin, r.begin + r.length - 1 do counts[b] = r.count end
end
t.eq("freed block is free", counts[expect.freed], 0)
t.eq("shared block counted twice", counts[dump[1][0]], 2)
t.eq("free blocks with bytes", pool:free_used(), { expect.freed })
t.eq("freed bytes", pool:read_block(expect.freed):sub(1, 6), "BANANA")

-- damaged metadata
local function bad(name, flags)
  local m = assert(thin.file(dir, "bad/" .. name))
  return assert(thin.open(m, data, flags))
end
local p, err, code = bad("csum"):mappings(1)
t.eq("bad checksum is CORRUPT", code, "CORRUPT")
t.ok("bad checksum message", err and err:find("bad checksum in btree " ..
  "node " .. math.tointeger(expect.roots["1"]), 1, true), err)
local forced = bad("csum", { force = true })
t.ok("force reads on", forced:mappings(1))
t.ok("force warns", forced:warnings()[1] and
  forced:warnings()[1]:find("bad checksum", 1, true))
p, err, code = bad("cycle"):mappings(3)
t.eq("cycle is LOOP", code, "LOOP")
t.ok("cycle message", err and err:find("reached twice"), err)
p, err, code = bad("range"):mappings(3)
t.eq("out of range is CORRUPT", code, "CORRUPT")
t.ok("out of range message", err and err:find("beyond the 1024"), err)
p, err, code = bad("count"):mappings(3)
t.eq("impossible count is CORRUPT", code, "CORRUPT")
t.ok("count message", err and err:find("claims 4000"), err)
local snap = bad("held", { held = true })
t.eq("metadata snapshot superblock", snap:super().blocknr, 2046)
t.eq("snapshot devices", #snap:devices(), 4)
t.eq("snapshot mappings", tc.expand(snap:mappings(2)), dump[2])
t.eq("snapshot has no space map", select(3, snap:space_map()),
  "UNSUPPORTED")
t.eq("live superblock names the snapshot", bad("held"):super().held_root,
  2046)
t.eq("no snapshot to read", select(3, thin.open(meta, data,
  { held = true })), "ENOENT")
p, err, code = thin.open(data, data)
t.eq("not a pool", code, "CORRUPT")
t.eq("no such device", select(3, pool:mappings(9)), "ENOENT")

-- caller mistakes raise
t.raises("open needs Blocks", function() thin.open("x") end,
  "bad argument")
t.raises("device id range", function() pool:mappings(-1) end, "24 bits")
t.raises("read length", function() meta:read(0, -1) end, "length")
t.raises("concat shape", function() thin.concat({ {} }) end, "Blocks")
pool:close()
t.raises("closed pool", function() pool:devices() end, "closed")

-- carving helpers used on data blocks
local carve = require "whiteout.carve"
local strs = carve.strings("\0\0DURIAN line 001: smelly\0DURIAN line 002: "
  .. "smelly\0short\0\31\139\8\0")
t.eq("strings fold digits", { #strs, strs[1].text, strs[1].count,
  strs[1].offset }, { 1, "DURIAN line 001: smelly", 2, 2 })
t.eq("signatures", carve.signatures("xx\31\139\8yy%PDF-1.4"),
  { { type = "gzip", offset = 2 }, { type = "pdf", offset = 7 } })
t.eq("tar magic at 257", carve.signatures(("\0"):rep(257) .. "ustar")[1],
  { type = "tar", offset = 0 })
t.raises("strings wants a string", function() carve.strings() end,
  "bad argument")

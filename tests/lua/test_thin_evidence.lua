-- The devicemapper reader on ../shared/evidence/dmthin (loop-lvm files,
-- a direct-lvm PV, the ext4 host image holding the loop-lvm pool):
-- every device's mappings and bytes against thin_dump, usage against
-- thin_ls, Docker's side (orphan device 8, the interrupted create) and
-- the fruitbowl container's files.
local t = require "testlib"
local tc = require "thincheck"
local evidence = require "whiteout.evidence"
local dmthin = require "whiteout.dmthin"

local shared = os.getenv("SHARED") or "../shared"
local dir = shared .. "/evidence/dmthin"
if not io.open(dir .. "/loop-lvm/var-lib-docker.tar.xz") then
  t.skip("thin evidence", dir .. " is absent")
  return
end
if not t.have("thin_dump") then
  t.skip("thin evidence", "thin_dump (thin-provisioning-tools) missing")
  return
end
local cache = os.getenv("WO_EVIDENCE_CACHE") or "/tmp/whiteout-evidence"


-- Unpacks the tarballs into a cache folder once.
local function unpack(name, tars)
  local d = cache .. "/" .. name
  if not io.open(d .. "/.done") then
    local cmd = { "rm -rf " .. d, "mkdir -p " .. d, "cd " .. d }
    for _, tar in ipairs(tars) do
      cmd[#cmd + 1] = "tar --sparse -xJf " .. dir .. "/" .. tar
    end
    cmd[#cmd + 1] = "touch .done"
    assert(os.execute(table.concat(cmd, " && ")))
  end
  return d
end


-- Writes a Blocks whole into a file (for thin_dump and thin_ls).
local function save(blocks, path)
  local f = assert(io.open(path, "wb"))
  for at = 0, blocks:size() - 1, 4 << 20 do
    f:write(assert(blocks:read(at, 4 << 20)))
  end
  f:close()
  return path
end


local FRUITBOWL = "af503660140900716cae03e8dc76ca21628e3e0e28ce4e2a08dd088d"
  .. "7fe4b2d6"

local function check(label, paths, meta_file)
  local ev = assert(evidence.open(paths, {}))
  local root = ev.roots[1]
  local p = assert(dmthin.pool(root))
  local meta = meta_file or save(p.meta, t.tmp("thin-ev-" .. label) ..
    "/metadata")
  local dump, ls = tc.dump(meta), tc.ls(meta)
  local bs = p.pool:super().block_bytes
  local docker = dmthin.docker(root)
  local n = 0
  for _, dev in ipairs(p.pool:devices()) do
    local id = dev.device_id
    n = n + 1
    t.eq(label .. ": thin_ls on device " .. id, { dev.mapped, dev.exclusive,
      dev.shared, dev.creation_time, dev.snapshotted_time,
      dev.transaction_id }, ls[id])
    t.eq(label .. ": thin_dump on device " .. id,
      tc.expand(p.pool:mappings(id)), dump[id])
    local f = docker.by_id[id]
    local blocks = assert(p.pool:device(id, f and f.size or 512 << 20))
    t.ok(label .. ": bytes of device " .. id,
      tc.bytes_match(blocks, p.data, dump[id], bs))
  end
  t.eq(label .. ": devices", n, 6)
  local findings, ts = dmthin.findings(root)
  t.eq(label .. ": transaction", ts.state, "interrupted create")
  local orphan
  for _, f in ipairs(findings) do
    if f.what == "orphan_device" then orphan = f.device_id end
  end
  t.eq(label .. ": orphan device", orphan, 8)
  local c = assert(root:container(FRUITBOWL))
  local fs = assert(dmthin.device_fs(root, c.mount_id)):sub("/rootfs")
  t.eq(label .. ": apples", fs:read("/fruit/apples"):sub(1, 6), "APPLE ")
  t.eq(label .. ": lemons rewritten", fs:read("/fruit/lemons"):sub(1, 8),
    "LEMON v2")
  t.eq(label .. ": no pears", fs:lstat("/fruit/pears"), nil)
  local image = assert(dmthin.device_fs(root, c.init_id)):sub("/rootfs")
  t.ok(label .. ": pears in the init device",
    image:lstat("/fruit/pears") ~= nil)
  local bananas = false
  for _, r in ipairs(dmthin.free_data(root)) do
    local strs = dmthin.look(p, r.begin, r.length)
    for _, s in ipairs(strs) do
      bananas = bananas or s.text:find("BANANA", 1, true) ~= nil
    end
  end
  t.ok(label .. ": bananas in free blocks", bananas)
  return meta
end

local loop = unpack("dmthin-loop", { "loop-lvm/var-lib-docker.tar.xz" })
local lmeta = loop .. "/var/lib/docker/devicemapper/devicemapper/metadata"
check("loop-lvm", { loop }, lmeta)
local direct = unpack("dmthin-direct", { "direct-lvm/var-lib-docker.tar.xz",
  "direct-lvm/pv.img.tar.xz" })
check("direct-lvm", { direct, direct .. "/pv.img" })
local host = unpack("dmthin-host", { "loop-lvm/host-ext4.img.tar.xz" })
if pcall(require, "whiteout.tsk") then
  check("host-ext4", { host .. "/host-ext4.img" }, lmeta)
else
  t.skip("thin host image", "this build has no whiteout.tsk")
end

-- whiteout.dmthin's policy on a data root built around the fixture pool
-- (tests/fixtures/make-thin): Docker's device files against the pool's
-- devices, an interrupted create and an interrupted delete, a stale
-- next_device_id, deferred deletion, a file naming a missing device.
local t = require "testlib"
local evidence = require "whiteout.evidence"
local dmthin = require "whiteout.dmthin"

if not t.have("thin_restore") then
  t.skip("dmthin", "needs thin_restore")
  return
end
local d = t.tmp("dmthin")
assert(os.execute("tests/fixtures/make-thin " .. d .. "/fx >/dev/null"))
local r = d .. "/docker"
local dm = r .. "/devicemapper"
assert(os.execute(table.concat({
  "mkdir -p " .. r .. "/containers " .. r .. "/image " .. dm ..
    "/devicemapper " .. dm .. "/metadata",
  "cp --sparse=always " .. d .. "/fx/pool/metadata " .. d ..
    "/fx/pool/data " .. dm .. "/devicemapper/" }, " && ")))

local function write(name, text)
  local f = assert(io.open(dm .. "/metadata/" .. name, "w"))
  f:write(text)
  f:close()
end
local function dev(id, extra)
  return ('{"device_id":%d,"size":536870912,"transaction_id":%d,'
    .. '"initialized":false,"deleted":%s}'):format(id, id + 1,
    extra or "false")
end
write("base", dev(1))
write("aaa", dev(2, "true"))
write("ccc", dev(9))
write("deviceset-metadata", '{"next_device_id":3}')
write("transaction-metadata",
  '{"open_transaction_id":5,"device_hash":"zzz","device_id":3}')

local function findings()
  local ev = assert(evidence.open({ r }, {}))
  local out, ts = dmthin.findings(ev.roots[1])
  local set = {}
  for _, f in ipairs(out) do set[#set + 1] = f.what .. ":" .. f.device_id end
  return set, ts, out
end
local set, ts, out = findings()
t.eq("interrupted create", ts.state, "interrupted create")
t.eq("findings", set, { "deferred_deletion:2", "interrupted_transaction:3",
  "orphan_device:3", "orphan_device:4", "missing_device:9",
  "stale_next_device_id:9" })
t.ok("orphan named with its hash", out[3].message:find("zzz", 1, true),
  out[3].message)

write("transaction-metadata",
  '{"open_transaction_id":5,"device_hash":"ccc","device_id":9}')
set, ts = findings()
t.eq("interrupted delete", ts.state, "interrupted delete")
write("transaction-metadata",
  '{"open_transaction_id":3,"device_hash":"ccc","device_id":9}')
set, ts = findings()
t.eq("closed transaction", ts.state, "closed")
t.eq("no transaction finding", set[2], "orphan_device:3")

-- the driver on this root
local ev = assert(evidence.open({ r }, {}))
local root = ev.roots[1]
local drv = require("whiteout.drivers").for_root(root)
t.eq("driver", drv and drv.name, "devicemapper")
local view = drv.layer_dir(root, "")
t.ok("base device's rootfs", view and view:lstat("/fruit/lemons"))
t.eq("docker files", #dmthin.docker(root).devices, 3)
t.raises("where wants a string", function() root:where() end,
  "bad argument")

-- the metadata snapshot (held_root) of a pool that has one
t.eq("no snapshot here", select(2, dmthin.snapshot(root)):match("no "
  .. "metadata snapshot"), "no metadata snapshot")
assert(os.execute("cp --sparse=always " .. d .. "/fx/bad/held " .. dm ..
  "/devicemapper/metadata"))
ev = assert(evidence.open({ r }, {}))
local snap = assert(dmthin.snapshot(ev.roots[1]))
t.eq("snapshot superblock", snap.pool:super().blocknr, 2046)
t.eq("snapshot mappings as live ones", snap.pool:mappings(2),
  dmthin.pool(ev.roots[1]).pool:mappings(2))
t.ok("snapshot label", snap.label:find("metadata snapshot", 1, true))

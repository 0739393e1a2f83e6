-- Playbook: every thin device of a devicemapper host's pool, as thin_ls
-- lists them, joined with what Docker made each one for.
local dmthin = require "whiteout.dmthin"

local function pool_record(root, p, ts)
  local sb, used = p.pool:super(), 0
  for _, r in ipairs(p.pool:space_map() or {}) do
    if r.count > 0 then used = used + r.length end
  end
  local ds = dmthin.docker(root).deviceset
  return { kind = "thin_pool", pool = p.label, pool_kind = p.kind,
    transaction_id = sb.transaction_id, time = sb.time,
    data_block_size = sb.data_block_size, data_blocks = sb.data_nr_blocks,
    data_used = used, metadata_blocks = sb.metadata_nr_blocks,
    needs_check = sb.needs_check, transaction_state = ts.state,
    open_transaction_id = ts.open_transaction_id,
    next_device_id = type(ds) == "table" and
      math.tointeger(ds.next_device_id) or nil,
    source = p.label }
end


local function device_record(root, p, dev, owners)
  local d = dmthin.docker(root)
  local f = d.by_id[dev.device_id]
  local o = f and owners[f.hash] or {}
  return { kind = "thin_device", device_id = dev.device_id,
    mapped = dev.mapped, exclusive = dev.exclusive, shared = dev.shared,
    creation_time = dev.creation_time,
    snapshotted_time = dev.snapshotted_time,
    transaction_id = dev.transaction_id,
    docker_transaction_id = f and f.transaction_id,
    size = f and f.size, hash = f and f.hash,
    role = f and (o.role or (f.hash:match("%-init$") and "init" or
      "unknown")) or "no docker file",
    container = o.container, container_name = o.container_name,
    chain_id = o.chain_id, images = o.images,
    deleted = f and f.deleted, initialized = f and f.initialized,
    source = f and f.source or p.label }
end


local function free_records(root, emit)
  local recs, err = dmthin.free_records(root)
  if not recs then
    root:warn("devicemapper", "free blocks not scanned: %s", err)
  end
  for _, r in ipairs(recs or {}) do emit(r) end
end


return {
  description = [[
Lists every thin device of a devicemapper host's pool, as thin_ls does:
mapped, exclusive and shared data blocks, creation and snapshot times
(the pool's snapshot clock), the transaction id the kernel stamped and
the one in Docker's metadata file, and the layer or container Docker
made the device for. Then the pool's own state: an interrupted Docker
transaction (the orphaned device named), devices with no Docker file,
a stale next_device_id, and free data blocks that still hold bytes (a
removed container's data when the pool did not discard it), with their
printable strings and file signatures. That scan reads every free data
block (holes of a sparse loop file read fast; a large pool still takes
a while): --arg free=no skips it.]],
  categories = { "safe", "devicemapper", "investigation" },
  args = {
    { name = "free", help = "yes or no: scan free data blocks for bytes",
      default = "yes", choices = { "yes", "no" } },
  },
  usage = [[
whiteout run thin-ls -e /mnt/evidence/var/lib/docker
whiteout run thin-ls -e SYSTEM_DISK -e DOCKER_PV --arg free=no]],
  sample = [[
# thin_pool
POOL                     TRANSACTION_ID  TRANSACTION_STATE   OPEN_TRANS...
.../{metadata,data}      9               interrupted create  10

# thin_device
DEVICE_ID  MAPPED  EXCLUSIVE  SHARED  CREATION_TIME  ...  ROLE  HASH
4          46      42         4       3              ...  rw    07cbd07b...
8          42      0          42      7              ...  no docker file
]],
  columns = {
    thin_pool = { "pool", "transaction_id", "transaction_state",
      "open_transaction_id", "next_device_id", "data_used",
      "data_blocks" },
    thin_device = { "device_id", "mapped", "exclusive", "shared",
      "creation_time", "snapshotted_time", "transaction_id",
      "docker_transaction_id", "role", "container_name", "hash" },
    thin_finding = { "what", "device_id", "message" },
    thin_free_data = { "data_begin", "length", "offset", "preview" },
  },
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, t in ipairs(dmthin.roots(ev)) do
      local root, p = t.root, t.pool
      local findings, ts = dmthin.findings(root)
      emit(pool_record(root, p, ts or {}))
      local devs, err = p.pool:devices()
      if not devs then root:warn("devicemapper", "%s", err) end
      local owners = dmthin.owners(root)
      for _, dev in ipairs(devs or {}) do
        emit(device_record(root, p, dev, owners))
      end
      for _, f in ipairs(findings or {}) do
        f.kind, f.source = "thin_finding", f.source or p.label
        emit(f)
      end
      if args.free ~= "no" then free_records(root, emit) end
    end
  end,
}

-- Playbook: a thin device's mappings, as thin_dump prints them.
local dmthin = require "whiteout.dmthin"

-- The device ids args name: --arg device (an id, a Docker hash or a
-- container), or every device of the pool.
local function wanted(root, p, args)
  local d = dmthin.docker(root)
  if not args.device then
    local ids = {}
    for _, dev in ipairs(p.pool:devices() or {}) do
      ids[#ids + 1] = dev.device_id
    end
    return ids
  end
  local id = math.tointeger(tonumber(args.device))
  if id then return { id } end
  local f = d.by_hash[args.device]
  if not f then
    local c = root:container(args.device)
    f = c and d.by_hash[c.mount_id or ""]
  end
  if not f then
    error(("no device, Docker hash or container '%s'"):format(
      args.device), 0)
  end
  return { f.device_id }
end


return {
  description = [[
Lists the mappings of thin devices as thin_dump does: runs of virtual
blocks (in data blocks of the pool's block size) and the data blocks
that hold them, with the pool time each was written at. Runs follow on
in both virtual and data blocks and share one time. With --arg device,
one device: its id, a Docker device hash (cache id, mount id, "" for
the base) or a container. With --arg snapshot=yes, the mappings of the
pool's metadata snapshot (held_root), an older state, as thin_dump -m.]],
  categories = { "safe", "devicemapper" },
  args = {
    { name = "device", help = "device id, Docker hash or container "
      .. "(default: every device)" },
    { name = "snapshot", help = "yes or no: read the pool's metadata "
      .. "snapshot (held_root, an older state) instead", default = "no",
      choices = { "yes", "no" } },
  },
  usage = [[
whiteout run thin-dump -e /mnt/evidence/var/lib/docker --arg device=4
whiteout run thin-dump -e HOST --arg device=fruitbowl --format csv]],
  sample = [[
DEVICE_ID  BEGIN  DATA_BEGIN  LENGTH  TIME
4          0      84          1       3
4          1      45          1       2
4          2048   85          8       3
]],
  columns = { thin_mapping = { "device_id", "begin", "data_begin",
    "length", "time" } },
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, t in ipairs(dmthin.roots(ev)) do
      local p = t.pool
      if args.snapshot == "yes" then
        local serr
        p, serr = dmthin.snapshot(t.root)
        if not p then error(serr, 0) end
      end
      for _, id in ipairs(wanted(t.root, p, args)) do
        local runs, err = p.pool:mappings(id)
        if not runs then error(err, 0) end
        for _, r in ipairs(runs) do
          r.kind, r.device_id, r.source = "thin_mapping", id, p.label
          emit(r)
        end
      end
    end
  end,
}

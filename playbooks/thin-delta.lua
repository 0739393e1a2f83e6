-- Playbook: the data blocks a container changed against its image, as
-- thin_delta compares two thin devices, and what those blocks hold.
local dmthin = require "whiteout.dmthin"
local views = require "whiteout.views"

-- The two devices to compare: {left, right} Docker device files.
local function pair(root, c, against)
  local d = dmthin.docker(root)
  local right = d.by_hash[c.mount_id or ""]
  local lh = c.init_id
  if against == "image" then
    for _, l in ipairs(c.layers or {}) do
      if l.role == "image" then lh = l.cache_id break end
    end
  end
  local left = d.by_hash[lh or ""]
  if not (left and right) then
    return nil, ("container %s: no device file for %s"):format(
      c.name or c.id, right and tostring(lh) or tostring(c.mount_id))
  end
  return { left = left, right = right }
end


local function delta_records(t, c, dv, args, emit)
  local p = t.pool
  local bs = p.pool:super().block_bytes
  local list, err = p.pool:delta(dv.left.device_id, dv.right.device_id)
  if not list then error(err, 0) end
  for _, r in ipairs(list) do
    if r.kind ~= "same" or args.same == "yes" then
      local data = r.kind == "left_only" and r.left_data or r.right_data
      local rec = { kind = "thin_delta", container = c.id,
        name = c.name, left_device = dv.left.device_id,
        right_device = dv.right.device_id, change = r.kind,
        begin = r.begin, length = r.length, offset = r.begin * bs,
        left_data = r.left_data, right_data = r.right_data,
        source = p.label }
      if r.kind ~= "same" and args.look ~= "no" then
        rec.strings, rec.signatures = dmthin.look(p, data, r.length)
        rec.preview = dmthin.preview(rec.strings)
      end
      emit(rec)
    end
  end
end


return {
  description = [[
Compares a container's thin device with its init device (or, with
--arg against=image, with its image's top layer) block by block, as
thin_delta does: runs of virtual blocks that differ, or that only one
side maps. For each changed run it shows the printable strings and the
file signatures in the container's data blocks. Deleted files of the
container often survive there: copy-on-write copies whole 64 KiB or
512 KiB blocks, and a file deleted after it was written leaves its
blocks mapped.]],
  categories = { "safe", "devicemapper", "investigation", "recovery" },
  args = {
    { name = "container", help = "container id, id prefix or name "
      .. "(default: every container)" },
    { name = "against", help = "init or image: the device compared with",
      default = "init", choices = { "init", "image" } },
    { name = "same", help = "yes or no: list unchanged runs too",
      default = "no", choices = { "yes", "no" } },
    { name = "look", help = "yes or no: strings and signatures of "
      .. "changed blocks", default = "yes", choices = { "yes", "no" } },
  },
  usage = [[
whiteout run thin-delta -e /mnt/evidence/var/lib/docker --arg container=web
whiteout run thin-delta -e HOST --arg container=3f2a --arg against=image]],
  sample = [[
NAME       CHANGE      BEGIN  LENGTH  RIGHT_DATA  PREVIEW
fruitbowl  right_only  2052   4       89          DURIAN line 00000: sm...
]],
  columns = { thin_delta = { "name", "change", "begin", "length",
    "left_data", "right_data", "preview" } },
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, t in ipairs(dmthin.roots(ev)) do
      local targets = args.container and
        { (assert(t.root:container(args.container))) } or
        t.root:containers()
      for _, c in ipairs(targets) do
        local dv, err = pair(t.root, c, args.against)
        if dv then delta_records(t, c, dv, args, emit)
        else views.warn(t.root, "%s", err) end
      end
    end
  end,
}

-- Disk images as evidence, without mounting: partitions, LVM logical
-- volumes and file systems are found with libtsk (whiteout.tsk), and
-- each file system becomes a host source searched for data roots.
--
-- Caveats: only linear LVs are opened (thin pools belong to the
-- devicemapper reader); XFS and btrfs are named, not read.
local tsk = require "whiteout.tsk"
local log = require "whiteout.log"

local M = {}

-- File systems libtsk 4.11 cannot read, by what img:sniff() says; XFS
-- is read through libfsxfs (whiteout.thin's block sources) instead.
local UNREADABLE = { btrfs = "btrfs" }
-- LVs inside LVs inside partitions: deeper is a loop or nonsense.
local MAX_DEPTH = 4

local examine


-- An XFS file system at off, through libfsxfs.
local function xfs_source(img, off)
  local ok, thin = pcall(require, "whiteout.thin")
  if not ok then return nil, "XFS needs whiteout.thin (libfsxfs)" end
  local b = thin.image(img)
  if off > 0 then
    b = thin.concat({ { b, off, img:info().size - off } })
  end
  return b:source()
end


-- Opens the file system at off; a problem string when there is none.
local function open_fs(img, off, label, out, problems)
  local kind = img:sniff(off)
  if kind == "xfs" then
    local src, err = xfs_source(img, off)
    if src then
      out[#out + 1] = { src = src, label = label, image = img, offset = off,
                        fstype = "xfs" }
    else
      problems[#problems + 1] = ("%s: XFS: %s"):format(label, err)
    end
    return
  end
  if UNREADABLE[kind] then
    problems[#problems + 1] = string.format("%s: %s file system "
      .. "(libtsk cannot read %s; extract it or mount it read-only)",
      label, UNREADABLE[kind], UNREADABLE[kind])
    return
  end
  local src, err = img:fs(off)
  if not src then
    problems[#problems + 1] = string.format("%s: %s", label, err)
    return
  end
  out[#out + 1] = { src = src, label = label, image = img, offset = off,
                    fstype = tsk.info(src).fstype }
end


-- Opens every linear LV of the PV at off.
local function open_lvm(img, off, label, out, problems, depth)
  local vg, err = img:lvm(off)
  if not vg then
    problems[#problems + 1] = string.format("%s: LVM2: %s", label, err)
    return
  end
  for _, lv in ipairs(vg.lvs) do
    local name = string.format("%s/%s/%s", label, vg.vg, lv.name)
    -- a thin pool's hidden volumes and LVM's spare hold no file system
    local hidden = lv.name:match("_t?meta$") or lv.name:match("_tdata$")
      or lv.name:match("_pmspare$")
    if lv.linear and not hidden then
      local sub, serr = img:segments(lv.segments, lv.size)
      if sub then
        examine(sub, 0, name, out, problems, depth + 1)
      else
        problems[#problems + 1] = name .. ": " .. serr
      end
    elseif lv.type == "thin-pool" then
      out.pools = out.pools or {}
      require("whiteout.dmthin").lvm_pool(img, vg, lv, label, out.pools,
        problems)
    elseif not hidden then
      log.warn("%s: logical volume not opened (%s)", name, lv.why or "?")
    end
  end
end


-- What lies at off: an LVM PV or a file system.
function examine(img, off, label, out, problems, depth)
  if depth > MAX_DEPTH then
    problems[#problems + 1] = label .. ": volumes nest too deep"
  elseif img:sniff(off) == "lvm2" then
    open_lvm(img, off, label, out, problems, depth)
  else
    open_fs(img, off, label, out, problems)
  end
end


-- The partitions of img, or the whole image when it has none.
local function explore(img, label, opts, out, problems)
  local vols = img:volumes() or {}
  if opts.offset then
    return examine(img, math.tointeger(tonumber(opts.offset)) or 0,
      label .. "@" .. opts.offset, out, problems, 0)
  end
  for _, v in ipairs(vols) do
    if not opts.partition or tonumber(opts.partition) == v.index then
      examine(img, v.start, string.format("%s:p%d", label, v.index), out,
        problems, 0)
    end
  end
  if #vols == 0 then
    examine(img, 0, label, out, problems, 0)
  elseif opts.partition and #out == 0 and #problems == 0 then
    problems[1] = string.format("%s: no partition %s (it has %d)", label,
      opts.partition, #vols)
  end
end


--- The opener evidence.lua calls for each -e path: a list of
-- {src, label} file system sources, nil when path is not an image
-- libtsk opens, or false, message when it is one but nothing in it
-- can be read.
function M.open(path, ev)
  local img, err = tsk.open(path)
  if not img then return nil, err end
  local out, problems = {}, {}
  explore(img, path, ev and ev.opts or {}, out, problems)
  for _, p in ipairs(problems) do
    if #out > 0 then log.warn("%s", p) end
  end
  if ev and out.pools then   -- devicemapper pools, for the data roots
    ev.thin_pools = ev.thin_pools or {}
    table.move(out.pools, 1, #out.pools, #ev.thin_pools + 1, ev.thin_pools)
    out.pools = nil
    if #out == 0 then return out end
  end
  if #out == 0 then
    return false, problems[1] or (path .. ": no file system found")
  end
  return out
end


return M

-- Docker's devicemapper driver over a dm-thin pool read in user space:
-- the pool (loop-lvm files in the data root, or an LVM thin pool that
-- the evidence found on a PV), Docker's per-device files, and how the
-- two agree (docs/devicemapper.md).
--
-- Caveats:
-- - A device's size comes from Docker's file; a pool device with no
--   file is read up to its highest mapped block.
-- - Only XFS devices are read as file systems until the libtsk backend
--   serves ext4 over block sources.
local thin = require "whiteout.thin"
local util = require "whiteout.util"

local M = {}

local DM = "devicemapper/"
local META = DM .. "metadata/"
-- Docker's own files in metadata/ that are not devices.
local NOT_DEVICES = { ["deviceset-metadata"] = true,
  ["transaction-metadata"] = true }


-- Docker's per-device JSON (devInfo): hash, device_id, size,
-- transaction_id, initialized, deleted.
local function read_device(root, name)
  local j, err = root:read_json(META .. name, 1 << 20)
  if type(j) ~= "table" then
    root:warn(META .. name, "not a device file: %s", tostring(err))
    return nil
  end
  local id = math.tointeger(j.device_id)
  if not id or id < 0 or id > 0xffffff then
    root:warn(META .. name, "device_id is not a 24-bit integer")
    return nil
  end
  return { hash = name == "base" and "" or name, file = name,
    device_id = id, size = math.tointeger(j.size),
    transaction_id = math.tointeger(j.transaction_id),
    initialized = j.initialized == true, deleted = j.deleted == true,
    source = root:where(META .. name) }
end


--- Docker's side: {devices = list, by_hash, by_id, deviceset,
-- transaction}, read once per data root.
function M.docker(root)
  if root.cache.dm_docker then return root.cache.dm_docker end
  local d = { devices = {}, by_hash = {}, by_id = {} }
  for _, e in ipairs(root:list(META)) do
    if e.type == "file" and not NOT_DEVICES[e.name] then
      local dev = read_device(root, e.name)
      if dev then
        d.devices[#d.devices + 1] = dev
        d.by_hash[dev.hash] = dev
        d.by_id[dev.device_id] = d.by_id[dev.device_id] or dev
      end
    end
  end
  table.sort(d.devices, function(a, b) return a.device_id < b.device_id end)
  d.deviceset = root:read_json(META .. "deviceset-metadata", 1 << 20)
  d.transaction = root:read_json(META .. "transaction-metadata", 1 << 20)
  root.cache.dm_docker = d
  return d
end


-- The loop-lvm pool: two sparse files in the data root.
local function loop_pool(root)
  local mp, dp = DM .. "devicemapper/metadata", DM .. "devicemapper/data"
  if not root.src:lstat(mp) then return nil end
  local m, err = thin.file(root.src, mp)
  if not m then return nil, err end
  local d, derr = thin.file(root.src, dp)
  if not d then root:warn(dp, "%s: reading metadata only", derr) end
  return { meta = m, data = d or nil, kind = "loop-lvm",
    label = root:where(DM .. "devicemapper/{metadata,data}") }
end


--- Adds the thin pool LV lv of vg (img:lvm's answer for a PV in img)
-- to pools when its <lv>_tmeta and <lv>_tdata volumes can be opened;
-- else adds a message to problems.  label names the image.
function M.lvm_pool(img, vg, lv, label, pools, problems)
  local name = vg.vg .. "/" .. lv.name
  local where = label .. "/" .. name
  local parts = {}
  for _, l in ipairs(vg.lvs) do
    for _, sfx in ipairs({ "_tmeta", "_tdata" }) do
      if l.name == lv.name .. sfx then parts[sfx] = l end
    end
  end
  for _, sfx in ipairs({ "_tmeta", "_tdata" }) do
    local l = parts[sfx]
    local sub, err = l and l.linear and img:segments(l.segments, l.size)
    if not sub then
      problems[#problems + 1] = ("%s: thin pool %s%s: %s"):format(where,
        lv.name, sfx, err or (l and l.why) or "not in the metadata")
      return
    end
    parts[sfx] = thin.image(sub)
  end
  pools[#pools + 1] = { name = name, kind = "direct-lvm",
    meta = parts._tmeta, data = parts._tdata,
    label = where .. " (" .. lv.name .. "_tmeta, " .. lv.name .. "_tdata)" }
end


-- The pool named by daemon.json's dm.thinpooldev, as "vg/lv".
local function wanted_pool(root)
  local host = root.host
  local text = host and host:read("/etc/docker/daemon.json")
  local cfg = text and util.json_decode(text)
  for _, o in ipairs(type(cfg) == "table" and
      type(cfg["storage-opts"]) == "table" and cfg["storage-opts"] or {}) do
    local dev = type(o) == "string" and o:match("^dm%.thinpooldev=(.+)$")
    local vg, lv = dev and dev:match("mapper/([^/]-[^-/])%-([^-/][^/]*)$")
    if vg then return vg:gsub("%-%-", "-") .. "/" .. lv:gsub("%-%-", "-") end
  end
  return "docker/thinpool"   -- what dm.directlvm_device sets up
end


-- An LVM thin pool that the evidence found (ev.thin_pools).
local function lvm_pool(root)
  local pools = root.ev and root.ev.thin_pools or {}
  if #pools == 0 then return nil end
  local want = wanted_pool(root)
  for _, p in ipairs(pools) do
    if p.name == want then return p end
  end
  if #pools > 1 then
    root:warn(DM, "%d LVM thin pools and none is %s; using %s", #pools,
      want, pools[1].name)
  end
  return pools[1]
end


--- The pool of a devicemapper data root: {pool = whiteout.thin.Pool,
-- kind = "loop-lvm" or "direct-lvm", label = where it was read}, or
-- nil and a message.  Opened once per data root.
function M.pool(root)
  local c = root.cache
  if c.dm_pool ~= nil then return c.dm_pool or nil, c.dm_pool_err end
  local where, err = loop_pool(root)
  if not where and not err then where = lvm_pool(root) end
  local pool
  if where then
    local opts = { force = root.ev and root.ev.opts and root.ev.opts.force }
    pool, err = thin.open(where.meta, where.data, opts)
    if pool then where.pool = pool end
  end
  if not pool then
    err = err or "no thin pool: neither devicemapper/devicemapper/" ..
      "{metadata,data} nor an LVM thin pool in the evidence (give the " ..
      "PV or disk with another -e)"
  end
  for _, w in ipairs(pool and pool:warnings() or {}) do
    root:warn(DM, "%s: %s", where.label, w)
  end
  c.dm_pool, c.dm_pool_err = pool and where or false, err
  return pool and where or nil, err
end


--- The pool as its metadata snapshot (held_root) shows it: an older
-- state of every device, when userspace reserved one; nil and a
-- message when there is none.
function M.snapshot(root)
  local p, err = M.pool(root)
  if not p then return nil, err end
  local snap, serr = thin.open(p.meta, p.data, { held = true,
    force = root.ev and root.ev.opts and root.ev.opts.force })
  if not snap then return nil, serr end
  local s = {}
  for k, v in pairs(p) do s[k] = v end
  s.pool, s.label = snap, p.label .. " (metadata snapshot)"
  return s
end


--- The Source of the file system of the device Docker calls hash (a
-- cache id, mount id, "<mount id>-init" or "" for the base), cached;
-- nil and a message when it cannot be read.
function M.device_fs(root, hash)
  local c = root.cache
  c.dm_fs = c.dm_fs or {}
  if c.dm_fs[hash] then return c.dm_fs[hash] end
  local dev = M.docker(root).by_hash[hash]
  if not dev then return nil, ("no %s%s"):format(META, hash) end
  local p, err = M.pool(root)
  if not p then return nil, err end
  local src, serr = p.pool:source(dev.device_id, dev.size)
  if not src then
    return nil, ("thin device %d (%s): %s"):format(dev.device_id,
      dev.source, serr)
  end
  c.dm_fs[hash] = src
  return src
end


-- Owner records by hash: what Docker made each device for.
local function add_owner(o, hash, rec)
  if type(hash) == "string" and not o[hash] then o[hash] = rec end
end


--- What each Docker device belongs to, by hash: {role = "base",
-- "layer", "init" or "rw", container, container_name, chain_id,
-- images}.
function M.owners(root)
  if root.cache.dm_owners then return root.cache.dm_owners end
  local o = { [""] = { role = "base" } }
  for _, c in ipairs(root:containers()) do
    local who = { container = c.id, container_name = c.name }
    add_owner(o, c.mount_id, { role = "rw", container = who.container,
      container_name = who.container_name })
    add_owner(o, c.init_id, { role = "init", container = who.container,
      container_name = who.container_name })
  end
  for _, img in ipairs(root:images()) do
    for _, l in ipairs(img.layers or {}) do
      add_owner(o, l.cache_id, { role = "layer", chain_id = l.chain_id,
        images = {} })
      local rec = o[l.cache_id]
      if rec and rec.images then
        rec.images[#rec.images + 1] = img.tags and img.tags[1] or img.id
      end
    end
  end
  root.cache.dm_owners = o
  return o
end


-- The open transaction, as Docker's openTransaction left it: the
-- pool's transaction id behind Docker's open one means the host died
-- between creating (or deleting) a device and committing it.
local function transaction_state(d, sb, pooldevs)
  local t = type(d.transaction) == "table" and d.transaction or {}
  local open = math.tointeger(t.open_transaction_id)
  local id = math.tointeger(t.device_id)
  local st = { open_transaction_id = open, transaction_id =
    sb.transaction_id, device_id = id, device_hash = t.device_hash }
  if not open or open <= sb.transaction_id then
    st.state = "closed"
  elseif id and pooldevs[id] and not d.by_hash[t.device_hash or ""] then
    st.state = "interrupted create"
  elseif id and not pooldevs[id] then
    st.state = "interrupted delete"
  else
    st.state = "open"
  end
  return st
end


-- A finding record; message from fmt and its arguments.
local function finding(what, rec, fmt, ...)
  rec.what, rec.message = what, fmt:format(...)
  return rec
end


-- The open transaction, if Docker's is ahead of the pool's.
local function transaction_findings(ts, add)
  if ts.state == "closed" then return end
  add(finding("interrupted_transaction", { device_id = ts.device_id,
    device_hash = ts.device_hash, state = ts.state,
    open_transaction_id = ts.open_transaction_id,
    transaction_id = ts.transaction_id }, "%s: Docker opened transaction "
    .. "%d for device %s (%s) but the pool's transaction id is %d",
    ts.state, ts.open_transaction_id, tostring(ts.device_id),
    tostring(ts.device_hash), ts.transaction_id))
end


-- Pool devices without a Docker file, and the other way round.
local function device_findings(d, pooldevs, ts, add)
  for id, dev in pairs(pooldevs) do
    if not d.by_id[id] then
      local orphan = ts.state == "interrupted create" and ts.device_id == id
      add(finding("orphan_device", { device_id = id, mapped_blocks =
        dev.mapped_blocks, device_hash = orphan and ts.device_hash or nil },
        "pool device %d has no Docker metadata file%s", id, orphan and
        " (created by the interrupted transaction for " ..
        tostring(ts.device_hash) .. ")" or ""))
    end
  end
  for _, dev in ipairs(d.devices) do
    local rec = { device_id = dev.device_id, device_hash = dev.hash,
      source = dev.source }
    if not pooldevs[dev.device_id] then
      add(finding("missing_device", rec, "%s names device %d, which the "
        .. "pool lacks", dev.source, dev.device_id))
    elseif dev.deleted then
      add(finding("deferred_deletion", rec, "marked deleted (deferred "
        .. "deletion pending); its data remains"))
    end
  end
end


-- next_device_id saved before devices that exist: a crash or unclean
-- stop (Docker saves deviceset-metadata at clean shutdown).
local function next_id_findings(d, pooldevs, add)
  local ds = type(d.deviceset) == "table" and d.deviceset or {}
  local nextid, maxid = math.tointeger(ds.next_device_id), -1
  for id in pairs(pooldevs) do maxid = math.max(maxid, id) end
  for id in pairs(d.by_id) do maxid = math.max(maxid, id) end
  if nextid and maxid >= nextid then
    add(finding("stale_next_device_id", { device_id = maxid,
      next_device_id = nextid }, "deviceset-metadata says next_device_id "
      .. "%d but device %d exists: saved before a crash or unclean stop",
      nextid, maxid))
  end
end


--- Findings about the pool against Docker's files: a list of records
-- {what, device_id, message, ...}, what one of
-- "interrupted_transaction", "orphan_device", "missing_device",
-- "deferred_deletion", "stale_next_device_id"; and the transaction
-- state {state, open_transaction_id, transaction_id, device_id,
-- device_hash}.  nil and a message when the pool cannot be read.
function M.findings(root)
  local p, err = M.pool(root)
  if not p then return nil, err end
  local d, pooldevs, out = M.docker(root), {}, {}
  for _, dev in ipairs(p.pool:devices() or {}) do
    pooldevs[dev.device_id] = dev
  end
  local function add(rec) out[#out + 1] = rec end
  local ts = transaction_state(d, p.pool:super(), pooldevs)
  transaction_findings(ts, add)
  device_findings(d, pooldevs, ts, add)
  next_id_findings(d, pooldevs, add)
  table.sort(out, function(a, b)
    return (a.device_id or -1) < (b.device_id or -1) or
      ((a.device_id or -1) == (b.device_id or -1) and a.what < b.what)
  end)
  return out, ts
end


--- Runs of free data blocks that still hold bytes: list of {begin,
-- length, data = bytes of the first block}.
function M.free_data(root, limit)
  local p, err = M.pool(root)
  if not p then return nil, err end
  if not p.data then return nil, "the pool's data device is missing" end
  local blocks, ferr = p.pool:free_used(limit)
  if not blocks then return nil, ferr end
  local runs = {}
  for _, b in ipairs(blocks) do
    local r = runs[#runs]
    if r and r.begin + r.length == b then r.length = r.length + 1
    else runs[#runs + 1] = { begin = b, length = 1 } end
  end
  return runs
end


--- Records (kind "thin_free_data") of the free data blocks of root's
-- pool that still hold bytes: {data_begin, length, offset, bytes,
-- strings, signatures, preview, source}.  For thin-ls and for any
-- playbook looking for what removed containers left (a pool that did
-- not discard keeps their blocks).  nil and a message on failure.
function M.free_records(root)
  local runs, err = M.free_data(root)
  if not runs then return nil, err end
  local p = M.pool(root)
  local bs, out = p.pool:super().block_bytes, {}
  for _, r in ipairs(runs) do
    local strs, sigs = M.look(p, r.begin, r.length)
    out[#out + 1] = { kind = "thin_free_data", data_begin = r.begin,
      length = r.length, offset = r.begin * bs, bytes = r.length * bs,
      strings = strs, signatures = sigs, preview = M.preview(strs),
      source = p.label }
  end
  return out
end


--- The data roots of ev that use devicemapper, with their pools:
-- list of {root, pool = M.pool's table}; roots whose pool cannot be
-- opened are warned about and left out.
function M.roots(ev)
  local out = {}
  for _, root in ipairs(ev.roots) do
    local st = root.src:lstat(META)
    if st and st.type == "dir" then
      local p, err = M.pool(root)
      if p then out[#out + 1] = { root = root, pool = p }
      else root:warn(DM, "%s", err) end
    end
  end
  return out
end


--- Strings and signatures of n data blocks from first (bytes read at
-- most cap): {strings, signatures} with signature offsets in bytes of
-- the data device.
function M.look(p, first, n, cap)
  local bs = p.pool:super().block_bytes
  local carve = require "whiteout.carve"
  local seen, strs, sigs = {}, {}, {}
  n = math.min(n, math.max(1, (cap or (16 << 20)) // bs))
  for b = first, first + n - 1 do
    local data = p.pool:read_block(b)
    if not data then break end
    for _, s in ipairs(carve.strings(data, 8, 40)) do
      local shape = s.text:gsub("%d", "#")
      if seen[shape] then seen[shape].count = seen[shape].count + s.count
      elseif #strs < 40 then
        s.offset = b * bs + s.offset
        seen[shape] = s
        strs[#strs + 1] = s
      end
    end
    for _, g in ipairs(carve.signatures(data)) do
      if #sigs < 100 then
        sigs[#sigs + 1] = { type = g.type, offset = b * bs + g.offset }
      end
    end
  end
  return strs, sigs
end


--- A short line of the most telling strings (longest first, folded
-- repeats marked xN) for text output.
function M.preview(strs, n)
  local list = table.move(strs, 1, #strs, 1, {})
  table.sort(list, function(a, b)
    return a.count * #a.text > b.count * #b.text
  end)
  local out = {}
  for i = 1, math.min(n or 3, #list) do
    local s = list[i]
    -- whole strings up to a long line: names sit at their ends
    local text = #s.text > 160 and s.text:sub(1, 157) .. "..." or s.text
    out[i] = text .. (s.count > 1 and " x" .. s.count or "")
  end
  return table.concat(out, " | ")
end

return M

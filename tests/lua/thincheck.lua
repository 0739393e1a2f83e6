-- Cross-checks for dm-thin pools: what Debian's thin-provisioning-tools
-- (thin_dump, thin_ls) say about a metadata file, and a comparison of
-- every device's bytes with what thin_dump's mappings say they are.
local M = {}


local function lines(cmd)
  local p = assert(io.popen(cmd .. " 2>/dev/null"))
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end


--- thin_dump's mappings: {[dev_id] = {[vblock] = dblock}}, and counts.
function M.dump(meta)
  local devs, cur = {}, nil
  for _, l in ipairs(lines("thin_dump '" .. meta .. "'")) do
    local id = l:match('<device dev_id="(%d+)"')
    if id then cur = {} devs[tonumber(id)] = cur end
    local ob, db = l:match('single_mapping origin_block="(%d+)" ' ..
      'data_block="(%d+)"')
    if ob then cur[tonumber(ob)] = tonumber(db) end
    local o, d, n = l:match('range_mapping origin_begin="(%d+)" ' ..
      'data_begin="(%d+)" length="(%d+)"')
    if o then
      for i = 0, tonumber(n) - 1 do cur[o + i] = d + i end
    end
  end
  return devs
end


--- thin_ls: {[dev_id] = {mapped, exclusive, shared, ctime, stime, trans}}.
function M.ls(meta)
  local out = {}
  local cmd = "thin_ls --format DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS," ..
    "SHARED_BLOCKS,CREATE_TIME,SNAP_TIME,TRANSACTION '" .. meta .. "'"
  for _, l in ipairs(lines(cmd)) do
    local f = {}
    for n in l:gmatch("%d+") do f[#f + 1] = tonumber(n) end
    if #f == 7 then out[f[1]] = { table.unpack(f, 2) } end
  end
  return out
end


--- Our mappings expanded as thin_dump's: {[vblock] = dblock}.
function M.expand(runs)
  local m = {}
  for _, r in ipairs(runs) do
    for i = 0, r.length - 1 do m[r.begin + i] = r.data_begin + i end
  end
  return m
end


--- Reads dev (Blocks) whole in chunks and compares each block with the
-- data block thin_dump maps there (zeros where unmapped).  Returns
-- true, or false and the first differing vblock.
function M.bytes_match(dev, data, map, bs)
  local zero = string.rep("\0", bs)
  local chunk = 64
  for at = 0, dev:size() - 1, bs * chunk do
    local got = assert(dev:read(at, bs * chunk))
    for i = 0, #got // bs - 1 do
      local vb = at // bs + i
      local want = map[vb] and data:read(map[vb] * bs, bs) or zero
      if got:sub(i * bs + 1, (i + 1) * bs) ~= want then
        return false, vb
      end
    end
  end
  return true
end

return M

-- Playbook: containers removed with docker rm, from a disk image.
local deleted = require "whiteout.deleted"
local dmthin = require "whiteout.dmthin"
local output = require "whiteout.output"

local M = {
  description = [[
Finds containers removed with docker rm: ids that the ext4 journal's
old copies of the containers/ folder still list, each container
folder's old files (config.v2.json, hostconfig.json, the json-file log,
hostname, hosts, ...) rebuilt from journal copies of their inodes and
read from blocks still free, and from those the container's name,
image, command, its layer folder (from the old layerdb mount-id) and
the log lines it printed (with carve=yes, also log lines of its
lifetime carved from free blocks when its log inode is lost). Each
finding names the journal transaction and block it came from. Needs -e
on a disk image. On a devicemapper host (a directory or an image) it
also lists the thin pool's free data blocks that still hold bytes: a
removed container's files survive there when the pool did not discard
them (kind "thin_free_data", with their strings and file signatures).]],
  categories = { "safe", "recovery", "investigation" },
  args = {
    { name = "carve", type = "yesno", default = "no",
      help = "yes: when a container's log is not recovered through its "
        .. "inode, look for json-file log lines of its lifetime in free "
        .. "blocks (slow on large file systems)" },
  },
  usage = "whiteout run removed -e host.img --format json",
  sample = [[
ID            NAME     IMAGE             SEEN                       LOG_LINES
f948ace553b3  tempjob  dfx/busybox:1.35  2026-12-03T16:07:43Z (seq 299)  2
]],
}


function M.applies(ev)
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then return true end
  end
  return #dmthin.roots(ev) > 0
end


-- The free data blocks of a devicemapper root's pool, with a warning
-- instead when the pool cannot be read.
local function free_data(ev, root, out)
  local recs, err = dmthin.free_records(root)
  if not recs then
    ev:warn("%s: free data blocks not read: %s", root.label or root.path,
      err)
    return
  end
  for _, x in ipairs(recs) do out[#out + 1] = x end
end


function M.run(ev, args)
  if args.carve ~= "yes" and args.carve ~= "no" then
    error("--arg carve: yes or no, not " .. tostring(args.carve), 0)
  end
  local out, pools = {}, {}
  for _, d in ipairs(dmthin.roots(ev)) do pools[d.root] = true end
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then
      for _, x in ipairs(deleted.removed(r, false, args.carve == "yes"))
      do out[#out + 1] = x end
    elseif not pools[r] then
      ev:warn("%s: not a disk image; removed containers need -e on an "
        .. "image", r.label or r.path)
    end
    if pools[r] then free_data(ev, r, out) end
  end
  return out
end


-- Removed containers as a table with their log lines; free thin data
-- blocks as thin-ls shows them.
function M.text(all, write)
  local recs, free, rows = {}, {}, {}
  for _, r in ipairs(all) do
    table.insert(r.kind == "thin_free_data" and free or recs, r)
  end
  if #free > 0 then
    output.table(write, free, { "data_begin", "length", "offset",
      "preview" })
    if #recs == 0 then return end
    write("\n")
  end
  for _, r in ipairs(recs) do
    rows[#rows + 1] = { id = r.id:sub(1, 12), name = r.name or "",
      image = r.image or "", seen = ("%s (seq %d)"):format(
        r.journal_time or "?", r.journal_seq or 0),
      log_lines = r.log and #r.log or 0 }
  end
  output.table(write, rows, { "id", "name", "image", "seen", "log_lines" },
    80)
  for _, r in ipairs(recs) do
    for _, l in ipairs(r.log or {}) do
      write(("%s  %s  %s  %s\n"):format(r.id:sub(1, 12), l.time or "",
        l.stream or "", (l.text or ""):gsub("%s+$", "")))
    end
  end
end

return M

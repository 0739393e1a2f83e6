-- Playbook: files deleted inside layers, from a disk image.
local deleted = require "whiteout.deleted"
local output = require "whiteout.output"

local M = {
  description = [[
Lists files deleted inside every layer directory of every image and
container, read from a disk image without mounting it: names libtsk
still sees in directories, and names and inodes kept in the ext4
journal's old copies of directory blocks and inode tables (Linux 5.13+
wipes deleted directory entries, so the journal is where most of them
are). Each entry has its inode, size, times, the layer, container and
image it belongs to, the journal transaction and block it came from,
and its content's sha256 when a version of its inode still maps blocks
that are free now (blocks_in_use counts blocks reused since). Inodes
freed without any name found are listed as orphans. Needs -e on a disk
image; a data root copied to a folder keeps nothing deleted.]],
  categories = { "safe", "recovery", "filesystem" },
  args = {
    { name = "orphans", type = "yesno", default = "yes",
      help = "also list free inodes no deleted name covers (yes or no)" },
  },
  usage = "whiteout run deleted -e host.img --format jsonl",
  sample = [[
PATH                                 INUM  SIZE  FOUND    SHA256
/var/lib/docker/overlay2/7dce7a...   578  2150  journal  afdeea52f685...
]],
}


function M.applies(ev)
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then return true end
  end
  return false
end


-- Drops the fields kept for other playbooks (content bytes, runs).
local function clean(rec)
  rec._data, rec._runs = nil, nil
  return rec
end


function M.run(ev, args)
  if args.orphans ~= "yes" and args.orphans ~= "no" then
    error("--arg orphans: yes or no, not " .. tostring(args.orphans), 0)
  end
  local out = {}
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then
      local recs, covered = deleted.layers(r)
      for _, x in ipairs(recs) do out[#out + 1] = clean(x) end
      if args.orphans == "yes" then
        for _, x in ipairs(deleted.orphans(r, covered)) do
          out[#out + 1] = clean(x)
        end
      end
    else
      ev:warn("%s: not a disk image; deleted files need -e on an image",
        r.label or r.path)
    end
  end
  return out
end


function M.text(recs, write)
  local rows = {}
  for _, r in ipairs(recs) do
    rows[#rows + 1] = { path = r.path or ("(orphan inode " .. r.inum .. ")"),
      inum = r.inum, size = r.size, found = r.found_in,
      sha256 = r.sha256 and r.sha256:sub(1, 12) .. "..." or "" }
  end
  output.table(write, rows, { "path", "inum", "size", "found", "sha256" },
    200)
end

return M

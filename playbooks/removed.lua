-- Playbook: containers removed with docker rm, from a disk image.
local deleted = require "whiteout.deleted"
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
on a disk image.]],
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
  return false
end


function M.run(ev, args)
  if args.carve ~= "yes" and args.carve ~= "no" then
    error("--arg carve: yes or no, not " .. tostring(args.carve), 0)
  end
  local out = {}
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then
      for _, x in ipairs(deleted.removed(r, false, args.carve == "yes"))
      do out[#out + 1] = x end
    else
      ev:warn("%s: not a disk image; removed containers need -e on an "
        .. "image", r.label or r.path)
    end
  end
  return out
end


function M.text(recs, write)
  local rows = {}
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

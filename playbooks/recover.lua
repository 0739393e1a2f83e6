-- Playbook: writes deleted files' content out of a disk image.
local deleted = require "whiteout.deleted"
local output = require "whiteout.output"
local util = require "whiteout.util"

local M = {
  description = [[
Writes the content of deleted files that the deleted and removed
playbooks find (layer files, removed containers' files, and, unless
orphans=no, free inodes with content, as deleted lists them) into the
folder given with --arg out=DIR, one file each, and a manifest.jsonl
there naming for each its sha256, path, inode, where its content came
from (the inode, or the journal transaction and block of the inode copy
used), and its layer, container and image. Never writes into the evidence.]],
  categories = { "writes", "recovery" },
  args = {
    { name = "out", required = true, help = "folder to write into (required)" },
    { name = "orphans", type = "yesno", default = "yes",
      help = "also write free inodes no deleted name covers (yes or no; "
        .. "yes, as the deleted playbook lists them)" },
  },
  usage = "whiteout run recover -e host.img --arg out=/cases/42/recovered",
  sample = [[
FILE             SHA256        SIZE  PATH
0001-578-durian  afdeea52f685  2150  /var/lib/docker/overlay2/7dce7ace...
]],
}


function M.applies(ev)
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then return true end
  end
  return false
end


-- Refuses an output folder inside any evidence path.
local function check_out(ev, out)
  if out == "" then error("--arg out=DIR is required", 0) end
  local views = require "whiteout.views"
  local real = views.local_real(out)
  local inside = not real and out or views.inside_evidence(ev, real)
  if inside then
    error(require("whiteout.runner").usage("--arg out: " .. out
      .. " is inside the evidence " .. inside))
  end
  if not os.execute("mkdir -p '" .. out:gsub("'", "'\\''") .. "'") then
    error("--arg out: cannot create " .. out, 0)
  end
end


-- Everything with content: deleted layer files, orphans, and the files
-- of removed containers.
local function candidates(r, orphans)
  local list, covered = deleted.layers(r)
  if orphans then
    for _, x in ipairs(deleted.orphans(r, covered)) do list[#list + 1] = x end
  end
  for _, c in ipairs(deleted.removed_with_data(r)) do list[#list + 1] = c end
  return list
end


local function safe_name(s)
  return (tostring(s or "inode"):gsub("[^%w%._%-]", "_")):sub(1, 80)
end


local MANIFEST_KEYS = { "path", "inum", "size", "sha256", "content_from",
  "blocks_in_use", "inode_seq", "inode_jblock", "journal_seq",
  "journal_block", "layer", "layer_role", "container", "container_id",
  "image", "image_id", "removed_container", "found_in", "mtime", "dtime" }


-- Writes one file and returns its manifest record.
local function write_one(out, n, rec)
  local name = ("%04d-%d-%s"):format(n, rec.inum or 0, safe_name(rec.name))
  local f = assert(io.open(out .. "/" .. name, "wb"))
  f:write(rec._data)
  f:close()
  local m = { kind = "recovered", file = name, source = rec.source }
  for _, k in ipairs(MANIFEST_KEYS) do m[k] = rec[k] end
  return m
end


function M.run(ev, args)
  check_out(ev, args.out)
  local recs, n = {}, 0
  local man = assert(io.open(args.out .. "/manifest.jsonl", "w"))
  for _, r in ipairs(ev.roots) do
    if deleted.applies(r) then
      for _, rec in ipairs(candidates(r, args.orphans == "yes")) do
        if rec._data then
          n = n + 1
          local m = write_one(args.out, n, rec)
          man:write(util.json_encode(m), "\n")
          recs[#recs + 1] = m
        end
      end
    end
  end
  man:close()
  return recs
end


function M.text(recs, write)
  output.table(write, recs, { "file", "sha256", "size", "path" }, 90)
end

return M

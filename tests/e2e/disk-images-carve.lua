-- Called by disk-images.sh: carves tempjob's log lines out of free
-- blocks (as removed does with carve=yes when the log inode is lost).
local ev = ...
local del = require "whiteout.deleted"
local lines = del.carve_logs(ev.roots[1], "2026-12-03T16:07:41.167Z",
  "2026-12-03T16:07:43.549Z")
local got = {}
for _, l in ipairs(lines) do got[#got + 1] = l.text end
local want = "TEMPJOB-DFX-MARKER collected 4 accounts\n"
  .. "TEMPJOB-DFX-MARKER finished\n"
if table.concat(got) == want and lines[1].carved_from:find("free block")
then
  print("ok carve tempjob's log from free blocks")
else
  print("not ok carve tempjob's log from free blocks: got "
    .. string.format("%q", table.concat(got)))
end

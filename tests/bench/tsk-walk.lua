-- Lists every file of a disk image's file system through whiteout (the
-- libtsk source): path and lstat of each, as a playbook's walk does.
local tsk = require "whiteout.tsk"
local args = select(2, ...)
local img = assert(tsk.open(args[1]))
local src = assert(img:fs(0))
local n = 0
for _, st in src:walk("/") do
  if st.inum then n = n + 1 end
end
print(n)

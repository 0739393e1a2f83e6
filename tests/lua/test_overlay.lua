-- whiteout.overlay, views and changes on the make-overlay fixture: the
-- merged view, every deletion spelling, what a layer changed, and
-- symlinks that must never reach the analyst's files.
local t = require "testlib"
local overlay = require "whiteout.overlay"
local fs = require "whiteout.fs"

local root_user = io.popen("id -u"):read("l") == "0"
local dir = t.tmp("ovl-lua")
local canary = t.tmp("ovl-canary") .. "/secret"
local secret = "OVERLAY-CANARY-" .. os.time()
local f = io.open(canary, "w") f:write(secret, "\n") f:close()
assert(os.execute("tests/fixtures/make-overlay " .. dir .. " 3 " .. canary
  .. " >/dev/null"))

local function hexid(s)
  return io.popen("printf %s " .. s .. " | sha256sum"):read("l"):sub(1, 64)
end
local dr = fs.open(dir .. "/docker")
local function layer(seed)
  return dr:sub("/overlay2/" .. hexid(seed) .. "/diff")
end
local top, mid, base = layer("ovl-top"), layer("ovl-middle"),
  layer("ovl-base")

-- bad arguments raise
t.raises("union wants a table", function() overlay.union("x") end,
  "bad argument")
t.raises("union wants sources", function() overlay.union({ 1 }) end,
  "whiteout.fs.Source")
t.raises("unknown whiteouts", function()
  overlay.union({ top }, { whiteouts = "zfs" }) end, "invalid option")
t.raises("classify wants a path", function() overlay.classify(top) end,
  "bad argument")
t.raises("layer_of wants a union", function()
  overlay.layer_of(top, "/") end, "not a union")
t.raises("walk wants a union", function() overlay.walk(top, "/") end,
  "not a union")

-- classification
local c = overlay.classify(mid, "/xwu/gone")
t.eq("classify xattr whiteout", { c.class, c.encoding, c.namespace,
  c.target }, { "whiteout", "xattr", "user.overlay.", "gone" })
c = overlay.classify(mid, "/a/.wh.y", { whiteouts = "aufs" })
t.eq("classify .wh. file", { c.class, c.encoding, c.target },
  { "whiteout", "wh-file", "y" })
t.eq("classify .wh. as the kernel sees it",
  overlay.classify(mid, "/a/.wh.y").class, "entry")
t.eq("classify bookkeeping", overlay.classify(mid, "/.wh..wh.plnk",
  { whiteouts = "aufs" }).class, "bookkeeping")
t.eq("classify opaque dir", overlay.classify(mid, "/opq/u").opaque, true)
t.eq("classify redirect", overlay.classify(top, "/ren").redirect, "/ren0")
t.eq("dirflags of a marked folder", overlay.dirflags(mid, "/xwu").xwhiteouts,
  true)
local seen = {}
for name, e in overlay.entries(mid, "/opq/f", { whiteouts = "all" }) do
  seen[#seen + 1] = name .. "=" .. e.class
end
table.sort(seen)
t.eq("entries", seen, { ".wh..wh..opq=opaque-marker", "new=entry" })
if root_user then
  t.eq("classify 0/0 device", overlay.classify(mid, "/del/cd").encoding,
    "chardev")
else
  t.skip("classify 0/0 device", "not root")
end

-- the union and its walk
local u = overlay.union({ top, mid, base })
local walked = {}
for p, st in overlay.walk(u, "/opq") do
  walked[#walked + 1] = p .. "@" .. st.layer
end
local want = { "/opq@2", "/opq/f@2", "/opq/f/.wh..wh..opq@2",
  "/opq/f/new@2", "/opq/f/old1@3", "/opq/f/old2@3", "/opq/fu@2",
  "/opq/fu/new@2", "/opq/fu/old1@3", "/opq/fu/old2@3" }
if root_user then
  table.move({ "/opq/t@2", "/opq/t/new@2" }, 1, 2, #want + 1, want)
else
  -- without root the middle layer has no /opq/t: the base shows through
  table.move({ "/opq/t@3", "/opq/t/old1@3", "/opq/t/old2@3" }, 1, 3,
    #want + 1, want)
end
table.move({ "/opq/u@2", "/opq/u/new@2" }, 1, 2, #want + 1, want)
t.eq("walk of the union", walked, want)
t.eq("layer_of", overlay.layer_of(u, "/a/y"), 3)
t.eq("read through the union", u:read("/xwu/stays"), "stays\n")
t.eq("metacopy read from below", u:read("/meta/m"), "metacopy data\n")
local names = {}
for name in u:dir("/ren") do names[#names + 1] = name end
t.eq("renamed folder merges its old place", names, { "a", "b" })
t.eq("renamed folder's old file", u:read("/ren/a"), "renamed\n")
t.eq("renamed within its parent", u:read("/rel/c"), "renamed within\n")
t.eq("old name gone", u:lstat("/rel0"), nil)
t.eq("overlay xattrs hidden", next(u:xattrs("/opq/u")), nil)

-- symlinks never reach the analyst's files
for _, p in ipairs({ "/esc", "/esc-abs", "/etc/passwd", "/etc/shadow",
                     "/etc/dirlink/secret" }) do
  local data = u:read(p)
  t.ok("no escape through " .. p, data == nil or not data:find(secret,
    1, true), data)
end
t.eq("escape resolves inside", select(3, u:realpath("/esc")), "ENOENT")

-- views and changes through the model
local evidence = require "whiteout.evidence"
local ev = assert(evidence.open({ dir .. "/docker" }))
local root = ev.roots[1]
local views = require "whiteout.views"
local changes = require "whiteout.changes"
local c1 = assert(root:container("c1"))
t.eq("stack roles", { #views.stack(root, c1), views.stack(root, c1)[1].role,
  views.stack(root, c1, "init")[1].role }, { 5, "rw", "init" })
t.eq("stack unknown layer", select(2, views.stack(root, c1, "nope")),
  "no layer 'nope' in this stack")
local src = assert(views.open(root, c1))
t.eq("view reads the rw layer", src:read("/etc/group"), "root:x:0:c1\n")
t.eq("view at init", assert(views.open(root, c1, "init")):read(
  "/etc/group"), "root:x:0:\n")
t.eq("view hides a deleted file", src:lstat("/del/keep"), nil)
local got = {}
for rec in changes.iter(root, c1, "rw") do
  got[#got + 1] = rec.change:sub(1, 1) .. " " .. rec.path .. " " ..
    (rec.changed or "")
end
t.eq("changes of c1", got, { "m /bin metadata", "m /bin/sh metadata",
  "m /del metadata", "d /del/keep ", "m /etc metadata",
  "m /etc/group content", "a /new.txt ", "a /vol " })
local recs = {}
changes.walk(root, c1, "rw", function(r) recs[r.path] = r end)
t.eq("added file hash", recs["/new.txt"].sha256, io.popen(
  "printf 'added by c1\\n' | sha256sum"):read("l"):sub(1, 64))
t.eq("deleted names what it was", { recs["/del/keep"].type,
  recs["/del/keep"].size }, { "file", 13 })
t.ok("deleted names the whiteout", recs["/del/keep"].source:find(
  "/diff/del/keep$"), recs["/del/keep"].source)
local img = assert(root:image("ovl/encodings:1"))
local mg = {}
changes.walk(root, img, hexid("ovl-middle"), function(r)
  if r.change ~= "modified" then mg[#mg + 1] = r.change .. " " .. r.path end
end, { hash = false })
local wm = { "added /.wh..wh.aufs", "added /.wh..wh.orph",
  "added /.wh..wh.plnk", "added /a/.wh.y", "added /del/.wh.wh" }
if root_user then wm[#wm + 1] = "deleted /del/cd" end
table.move({ "added /opq/f/.wh..wh..opq", "added /opq/f/new",
  "added /opq/fu/new" }, 1, 3, #wm + 1, wm)
if root_user then
  table.move({ "replaced /opq/t", "added /opq/t/new", "deleted /opq/t/old1",
    "deleted /opq/t/old2" }, 1, 4, #wm + 1, wm)
end
table.move({ "replaced /opq/u", "added /opq/u/new", "deleted /opq/u/old1",
  "deleted /opq/u/old2", "added /rel", "added /rel/c", "deleted /rel0" }, 1,
  7, #wm + 1, wm)
if root_user then wm[#wm + 1] = "deleted /xwt/gone" end
wm[#wm + 1] = "deleted /xwu/gone"
t.eq("changes of the middle layer", mg, wm)

-- the playbooks never print or copy the analyst's file
local out = t.tmp("ovl-extract")
local cmd = "./whiteout run %s -e " .. dir .. "/docker --arg container=c1 %s"
  .. " --format jsonl 2>&1"
local text = io.popen(cmd:format("files", "")):read("a")
t.ok("files ran", text:find('"path":"/esc"', 1, true), text:sub(1, 200))
t.ok("files leaks nothing", not text:find(secret, 1, true))
text = io.popen(cmd:format("extract", "--arg out=" .. out .. "/x")):read("a")
t.ok("extract ran", text:find('"path":"/new.txt"', 1, true), text:sub(1, 300))
local leaked = io.popen("grep -rl " .. secret .. " " .. out ..
  " 2>/dev/null"):read("a")
t.eq("extract copies nothing of the analyst's", leaked, "")
t.eq("extract writes no symlink", io.popen("find " .. out ..
  " -type l"):read("a"), "")
t.eq("extract manifest checks", os.execute("cd " .. out .. "/x/" ..
  c1.id:sub(1, 12) .. " && sha256sum --quiet -c manifest.sha256"), true)
text = io.popen(cmd:format("extract", "--arg out=" .. dir ..
  "/docker/out")):read("a")
t.ok("extract refuses the evidence", text:find("inside the evidence", 1,
  true), text)

-- a tree deeper than the stack would bear if each level cost a page
local deep = t.tmp("ovl-deep")
os.execute("cd " .. deep .. " && python3 -c \"import os\nfor i in "
  .. "range(2000):\n  os.mkdir('a'); os.chdir('a')\nopen('f', 'w')"
  .. ".write('deep')\"")
local du = overlay.union({ assert(fs.open(deep)) })
t.eq("a 2000-deep path reads", du:read(string.rep("a/", 2000) .. "f"),
  "deep")
local count = 0
for _ in overlay.walk(du, "/") do count = count + 1 end
t.eq("walks stop at their depth limit", count, 513)

-- the drivers of this issue load and parse their own layer paths
local drivers = require "whiteout.drivers"
drivers.setup("scripts/drivers")
local all = drivers.all()
t.eq("overlay2 parse_path", { all.overlay2.parse_path(
  "/var/lib/docker/overlay2/ab12/diff/etc/passwd") }, { "ab12", "/etc/passwd" })
t.eq("overlay parse_path", { all.overlay.parse_path("overlay/cd/root") },
  { "cd", "/" })
t.eq("fuse-overlayfs spellings", { all["fuse-overlayfs"].whiteouts,
  all["fuse-overlayfs"].parse_path("fuse-overlayfs/ef/diff/x") },
  { "fuse-overlayfs", "ef", "/x" })
t.eq("overlay2 refuses a bad cache id", all.overlay2.layer_dir(nil, "../x"),
  nil)

-- a container whose own layer folder is gone: no changes of another's
os.execute("rm -rf " .. dir .. "/docker/overlay2/" .. hexid("ovl-mount-c1")
  .. "/diff")
local ok2, why = changes.walk(root, c1, "rw", function() end)
t.eq("missing layer: no changes", ok2, nil)
t.ok("missing layer: says which", why and why:find("no folder", 1, true),
  why)

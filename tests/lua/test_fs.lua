-- whiteout.fs: the directory backend, path resolution inside the root,
-- symlinks that try to leave it, reads, xattrs, walks.
local t = require "testlib"
local fs = require "whiteout.fs"

local d = t.tmp("fs")
local canary = t.tmp("fs-outside") .. "/secret"
local f = io.open(canary, "w") f:write("OUTSIDE\n") f:close()
os.execute(table.concat({
  "mkdir -p " .. d .. "/etc " .. d .. "/a/b",
  "printf 'root:x:0:0\\n' > " .. d .. "/etc/passwd",
  "ln -s /etc/passwd " .. d .. "/abs",
  "ln -s ../../../../../../../.." .. canary .. " " .. d .. "/rel",
  "ln -s " .. canary .. " " .. d .. "/canary",
  "ln -s loop2 " .. d .. "/loop1", "ln -s loop1 " .. d .. "/loop2",
  "ln -s ../../etc " .. d .. "/a/b/up",
  "ln -s /a/b/up/passwd " .. d .. "/chain",
}, " && "))

local src = assert(fs.open(d))
t.eq("read", src:read("/etc/passwd"), "root:x:0:0\n")
t.eq("read relative", src:read("etc/passwd"), "root:x:0:0\n")
t.eq("absolute link stays inside", src:read("/abs"), "root:x:0:0\n")
t.eq("link chain stays inside", src:read("/chain"), "root:x:0:0\n")
t.eq("dotdot stops at root", src:read("/../../../etc/passwd"),
  "root:x:0:0\n")
local v, err, code = src:read("/rel")
t.eq("relative escape does not reach the analyst", v, nil)
t.eq("relative escape is ENOENT", code, "ENOENT")
v, err, code = src:read("/canary")
t.eq("absolute escape does not reach the analyst", v, nil)
v, err, code = src:stat("/loop1")
t.eq("symlink loop is LOOP", code, "LOOP")
t.ok("loop message names the problem", err and err:find("symlinks"), err)
t.eq("readlink", src:readlink("/abs"), "/etc/passwd")
t.eq("lstat of a link", src:lstat("/abs").type, "symlink")
t.eq("stat follows", src:stat("/abs").type, "file")
t.eq("realpath", src:realpath("/a/b/up/passwd"), "/etc/passwd")
local want = io.popen("sha256sum " .. d .. "/etc/passwd"):read("l")
t.eq("sha256", src:sha256("/abs"), want:match("^%x+"))
t.eq("read range", src:read("/etc/passwd", 5, 3), "x:0")
local names = {}
for name, type_ in src:dir("/") do names[#names + 1] = name .. ":" .. type_ end
table.sort(names)
t.eq("dir", names, { "a:dir", "abs:symlink", "canary:symlink",
  "chain:symlink", "etc:dir", "loop1:symlink", "loop2:symlink",
  "rel:symlink" })
local walked = {}
for p, st in src:walk("/a") do walked[#walked + 1] = p .. ":" .. st.type end
t.eq("walk", walked, { "/a:dir", "/a/b:dir", "/a/b/up:symlink" })
local sub = assert(src:sub("/a"))
t.eq("sub keeps links inside the subtree", sub:read("/b/up/passwd"), nil)
t.eq("sub path", sub:realpath("/b/up", false), "/b/up")
t.eq("sub sees its own files", sub:lstat("/b").type, "dir")
t.raises("bad argument", function() src:read() end, "bad argument")
src:close()
t.raises("closed handle", function() src:read("/x") end, "closed")
local none, msg, c2 = fs.open(d .. "/nope")
t.eq("open missing", c2, "ENOENT")
t.ok("open message names the path", msg and msg:find("nope", 1, true), msg)

-- stats: every entry of a folder with its lstat, links not followed
local s2 = assert(fs.open(d))
local st = assert(s2:stats("/"))
t.eq("stats names", (function()
  local n = {} for k in pairs(st) do n[#n + 1] = k end
  table.sort(n) return n end)(), { "a", "abs", "canary", "chain", "etc",
  "loop1", "loop2", "rel" })
t.eq("stats does not follow links", st.abs.type, "symlink")
t.eq("stats of a folder", st.etc.type, "dir")
t.eq("stats through a link resolves inside", s2:stats("/a/b/up").passwd
  and s2:stats("/a/b/up").passwd.size, 11)
local nost, _, nocode = s2:stats("/nope")
t.eq("stats of a missing folder", { nost, nocode }, { nil, "ENOENT" })
t.raises("stats bad argument", function() s2:stats() end, "bad argument")

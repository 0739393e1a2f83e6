-- The aufs and overlay drivers on docker-explorer's data roots: every
-- container's stack as the roots' own aufs/layers and lower-id files
-- say, merged views without whiteout names, and what the containers
-- changed.  args: AUFS_V1 AUFS_V2 OVERLAY_V2 (data roots).
local t = require "testlib"
local evidence = require "whiteout.evidence"
local views = require "whiteout.views"
local changes = require "whiteout.changes"
local overlay = require "whiteout.overlay"

local _, argv = ...
local v1, v2, ov = argv[1], argv[2], argv[3]


local function open(dir)
  return assert(evidence.open({ dir })).roots[1]
end


-- The lines of a small file of the analyst's copy, read by the test.
local function lines(path)
  local out = {}
  for l in io.lines(path) do if l ~= "" then out[#out + 1] = l end end
  return out
end


local function cache_ids(layers)
  local out = {}
  for i, l in ipairs(layers or {}) do out[i] = l.cache_id end
  return out
end


-- Every container's stack is its top and what aufs/layers/<top> lists.
local function aufs_stacks(label, dir)
  local root = open(dir)
  t.eq(label .. ": driver", root.driver.name, "aufs")
  for _, c in ipairs(root:containers()) do
    local top = c.layers[1].cache_id
    local want = lines(dir .. "/aufs/layers/" .. top)
    table.insert(want, 1, top)
    t.eq(label .. " " .. c.id:sub(1, 12) .. ": stack", cache_ids(c.layers),
      want)
  end
  return root
end


-- The paths of a container's merged view.
local function view_paths(root, c)
  local src = assert(views.open(root, c))
  local out = {}
  for p in overlay.walk(src, "/") do out[p] = true end
  return out
end


local function diff(root, c)
  local out = {}
  for r in assert(changes.iter(root, c, nil, { hash = false })) do
    out[#out + 1] = r.change:sub(1, 1):upper() .. " " .. r.path
  end
  return out
end


local function no_wh(paths)
  for p in pairs(paths) do if p:find("/.wh.", 1, true) then return p end end
  return nil
end


-- aufs, v2 layout
local root = aufs_stacks("aufs.v2", v2)
local mid = "b16a494082bba0091e572b58ff80af1b7b5d28737a3eedbe01e73cd7f4e01d23"
local c = assert(root:container("7b02fb3e8a66"))
t.eq("aufs.v2 7b02fb3e8a66: exact stack", cache_ids(c.layers), { mid,
  mid .. "-init",
  "d1c54c46d331de21587a16397e8bd95bdbb1015e1a04797c76de128107da83ae" })
local ps = view_paths(root, c)
t.ok("aufs.v2: /etc/passwd in the view", ps["/etc/passwd"])
t.eq("aufs.v2: no .wh. names in the view", no_wh(ps), nil)
t.eq("aufs.v2: /.dockerenv from the init layer", select(1,
  views.provenance(root, select(2, views.open(root, c)), "/.dockerenv")),
  mid .. "-init")

-- aufs, v1 layout (graph/, container ids as layer ids)
root = aufs_stacks("aufs.v1", v1)
local cid = "de44dd97cfd1c8d1c1aad7f75a435603991a7a39fa4f6b20a69bf4458809209c"
c = assert(root:container(cid))
t.eq("aufs.v1 de44dd97cfd1: exact stack", cache_ids(c.layers), { cid,
  cid .. "-init",
  "1cee97b18f87b5fa91633db35f587e2c65c093facfa2cbbe83d5ebe06e1d9125",
  "df557f39d413a1408f5c28d8aab2892f927237ec22e903ef04b331305130ab38" })
t.eq("aufs.v1 de44dd97cfd1: changes", diff(root, c), { "M /root",
  "A /root/.ash_history", "M /tmp", "A /tmp/toto" })
ps = view_paths(root, c)
t.ok("aufs.v1: /bin/sh in the view", ps["/bin/sh"])
t.eq("aufs.v1: no .wh. names in the view", no_wh(ps), nil)

-- the old overlay driver: the upper over lower-id's root
root = open(ov)
t.eq("overlay.v2: driver", root.driver.name, "overlay")
for _, c2 in ipairs(root:containers()) do
  local top = c2.layers[1].cache_id
  local _, v = views.open(root, c2)
  local low = lines(ov .. "/overlay/" .. top .. "/lower-id")[1]
  t.eq("overlay.v2 " .. c2.id:sub(1, 12) .. ": upper over lower-id",
    { v.members[1].path, v.members[2].path },
    { "overlay/" .. top .. "/upper", "overlay/" .. low .. "/root" })
end
c = assert(root:container("5dc287aa80b4"))
t.eq("overlay.v2 5dc287aa80b4: mount id", c.mount_id,
  "974e2b994f9db74e1ddd6fc546843bc65920e786612a388f25685acf84b3fed1")
t.eq("overlay.v2 5dc287aa80b4: changes", diff(root, c), { "M /root",
  "A /root/.ash_history", "A /test" })
ps = view_paths(root, c)
t.ok("overlay.v2: /etc/passwd in the view", ps["/etc/passwd"])

-- Storage drivers: the interface every driver file is checked against,
-- the shipped drivers, and the vfs, btrfs (directory form), aufs and
-- zfs layouts built by tests/fixtures/make-drivers, with exact stacks,
-- views and changes.
local t = require "testlib"
local drivers = require "whiteout.drivers"
local evidence = require "whiteout.evidence"
local views = require "whiteout.views"
local changes = require "whiteout.changes"

local function hexid(s)
  return io.popen("printf %s " .. s .. " | sha256sum"):read("l"):sub(1, 64)
end
-- The sha256 of a string, by sha256sum.
local function sha256(s)
  local p = t.tmp("drivers-sha") .. "/f"
  local f = io.open(p, "w") f:write(s) f:close()
  return io.popen("sha256sum " .. p):read("l"):sub(1, 64)
end
local base, step = hexid("drivers-base"), hexid("drivers-step")
local mount = hexid("drivers-bowl-mount")


-- the interface: a caller's mistake raises nothing here, a bad driver
-- table is named with what is wrong
local ok_drv = { description = "x", detect = function() end,
  layer_dir = function() end }
t.eq("check a minimal driver", drivers.check(ok_drv), true)
t.eq("check no table", select(2, drivers.check("x")), "returns no table")
t.eq("check no detect", select(2, drivers.check({ description = "x",
  layer_dir = function() end })), "has no detect")
t.eq("check no layer_dir", select(2, drivers.check({ description = "x",
  detect = function() end })), "has no layer_dir")
t.eq("check a bad whiteouts", select(2, drivers.check({ description = "x",
  detect = function() end, layer_dir = function() end,
  whiteouts = "zfs" })), "whiteouts 'zfs' is not one of overlay, "
  .. "fuse-overlayfs, aufs, all, none")
t.eq("check a bad diff", select(2, drivers.check({ description = "x",
  detect = function() end, layer_dir = function() end, diff = "snap" })),
  "diff 'snap' is not layer or trees")
t.eq("check a field of the wrong kind", select(2, drivers.check({
  description = "x", detect = function() end, layer_dir = "vfs/dir" })),
  "layer_dir is a string, not a function")

-- the shipped drivers all load and conform
local all = drivers.all()
for _, name in ipairs({ "overlay2", "overlay", "fuse-overlayfs", "aufs",
    "vfs", "btrfs", "zfs", "devicemapper" }) do
  local d = all[name]
  t.ok("shipped " .. name, d and d.origin == "shipped" and
    drivers.check(d) == true and d.name == name,
    d and tostring(d.origin) or "missing")
end


-- One data root of the fixture, built for driver.
local function fixture(driver)
  local dir = t.tmp("drivers-" .. driver) .. "/docker"
  assert(os.execute("tests/fixtures/make-drivers " .. driver .. " " .. dir
    .. " >/dev/null"))
  local ev = assert(evidence.open({ dir }))
  return ev.roots[1], dir
end


-- The stack of a target as cache ids and roles.
local function stack(root, target)
  local out = {}
  for i, l in ipairs(assert(views.stack(root, target))) do
    out[i] = l.cache_id .. ":" .. (l.role or "")
  end
  return out
end


-- The changes of a target's layer as "A /path how" lines.
local function diff(root, target, layer, opts)
  local out = {}
  local it, err = changes.iter(root, target, layer, opts)
  if not it then return nil, err end
  for r in it do
    out[#out + 1] = r.change:sub(1, 1):upper() .. " " .. r.path
      .. (r.changed and " " .. r.changed or "")
  end
  return out
end


-- The paths of a view, whole.
local function paths(root, target, layer)
  local src = assert(views.open(root, target, layer))
  local out = {}
  for p in require("whiteout.overlay").walk(src, "/") do
    out[#out + 1] = p
  end
  return out
end


local RW_TREES = { "M /bin entries", "M /bin/sh metadata", "M /etc entries",
  "M /etc/cron.d metadata", "D /etc/cron.d/old-job", "M /fruit metadata",
  "A /fruit/apples", "D /fruit/basket", "M /opt entries",
  "M /opt/app metadata", "M /opt/app/conf content", "D /opt/app/data",
  "A /root", "A /root/.ash_history" }
local STEP = { "M /etc entries", "M /etc/passwd content", "M /fruit metadata",
  "A /fruit/figs", "D /fruit/pears" }
local INIT = { "A /.dockerenv", "M /etc metadata", "A /etc/hostname" }
local VIEW = { "/", "/.dockerenv", "/bin", "/bin/sh", "/etc", "/etc/cron.d",
  "/etc/hostname", "/etc/passwd", "/fruit", "/fruit/apples", "/fruit/figs",
  "/fruit/lemons", "/lib", "/lib/sh", "/opt", "/opt/app", "/opt/app/conf",
  "/root", "/root/.ash_history" }
local STACK = { mount .. ":rw", mount .. "-init:init", step .. ":image",
  base .. ":image" }


-- full copies: vfs, and btrfs in its directory form
for _, name in ipairs({ "vfs", "btrfs" }) do
  local root, dir = fixture(name)
  local bowl = assert(root:container("bowl"))
  local img = assert(root:image("fruit/stand:1"))
  local where = name == "vfs" and "/vfs/dir/" or "/btrfs/subvolumes/"
  t.eq(name .. ": driver", root.driver.name, name)
  t.eq(name .. ": container stack", stack(root, bowl), STACK)
  t.eq(name .. ": image stack", stack(root, img),
    { step .. ":", base .. ":" })
  t.eq(name .. ": view", paths(root, bowl), VIEW)
  t.eq(name .. ": rw changes", diff(root, bowl, "rw"), RW_TREES)
  local with = table.move(RW_TREES, 1, #RW_TREES, 1, {})
  table.insert(with, 9, "M /fruit/lemons content")
  t.eq(name .. ": rw changes, contents compared", diff(root, bowl, "rw",
    { content = true }), with)
  t.eq(name .. ": init changes", diff(root, bowl, "init"), INIT)
  t.eq(name .. ": image step changes", diff(root, img, step), STEP)
  t.eq(name .. ": base layer is all added", #diff(root, img, base), 18)
  local recs = {}
  for r in changes.iter(root, bowl, "rw") do recs[r.path] = r end
  t.eq(name .. ": added file's source and hash", { recs["/fruit/apples"]
    .source, recs["/fruit/apples"].sha256 }, { dir .. where .. mount
    .. "/fruit/apples", sha256("apples\n") })
  t.eq(name .. ": deleted dir's source", recs["/fruit/basket"].source,
    dir .. where .. mount .. "-init/fruit/basket")
  t.eq(name .. ": nothing below a deleted dir", recs["/fruit/basket/a"], nil)
end


-- aufs: diffs, .wh. whiteouts, an opaque dir, aufs' own entries hidden
do
  local root, dir = fixture("aufs")
  local bowl = assert(root:container("bowl"))
  local img = assert(root:image("fruit/stand:1"))
  t.eq("aufs: driver", root.driver.name, "aufs")
  t.eq("aufs: container stack from aufs/layers", stack(root, bowl), STACK)
  t.eq("aufs: image stack", stack(root, img),
    { step .. ":", base .. ":" })
  t.eq("aufs: view", paths(root, bowl), VIEW)
  t.eq("aufs: rw changes", diff(root, bowl, "rw"), { "M /bin entries",
    "M /bin/sh metadata", "M /etc entries", "M /etc/cron.d metadata",
    "D /etc/cron.d/old-job", "M /fruit metadata", "A /fruit/apples",
    "D /fruit/basket", "M /fruit/lemons content", "M /opt entries",
    "R /opt/app", "M /opt/app/conf content", "D /opt/app/data", "A /root",
    "A /root/.ash_history" })
  t.eq("aufs: init changes", diff(root, bowl, "init"), INIT)
  t.eq("aufs: image step changes", diff(root, img, step), STEP)
  local recs = {}
  for r in changes.iter(root, img, step) do recs[r.path] = r end
  t.eq("aufs: whiteout named as the source", recs["/fruit/pears"].source,
    dir .. "/aufs/diff/" .. step .. "/fruit/.wh.pears")
  -- a stack file that is not a list of ids: the model's stack, warned
  local f = io.open(dir .. "/aufs/layers/" .. mount, "w")
  f:write("../../etc\n") f:close()
  local root2 = assert(evidence.open({ dir })).roots[1]
  t.eq("aufs: bad aufs/layers falls back to the layerdb",
    stack(root2, assert(root2:container("bowl"))), STACK)
end


-- zfs: the vfs tree as mount points; an unmounted (empty) one is named
do
  local root, dir = fixture("vfs")
  local q = "'" .. dir .. "'"
  assert(os.execute("cd " .. q .. " && mkdir zfs && mv vfs/dir zfs/graph"
    .. " && rmdir vfs && mv image/vfs image/zfs && sed -i "
    .. "'s/\"Driver\":\"vfs\"/\"Driver\":\"zfs\"/' containers/*/config.v2.json"
    .. " && rm -rf zfs/graph/" .. mount .. "-init && mkdir zfs/graph/"
    .. mount .. "-init"))
  root = assert(evidence.open({ dir })).roots[1]
  local bowl = assert(root:container("bowl"))
  t.eq("zfs: driver", root.driver.name, "zfs")
  t.eq("zfs: view of a mounted layer", paths(root, bowl), VIEW)
  local got, err = diff(root, bowl, "rw")
  t.eq("zfs: an unmounted parent is not an empty tree", { got, err },
    { nil, ("layer %s-init: %s/zfs/graph/%s-init is empty: its dataset was "
    .. "not mounted when the evidence was copied, and its files are only "
    .. "in the ZFS pool"):format(mount, dir, mount) })
  t.eq("zfs: image layers still readable", diff(root,
    assert(root:image("fruit/stand:1")), step), STEP)
end

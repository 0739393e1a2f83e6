-- Playbook: a read-only kernel overlay mount of a container (or image)
-- at a chosen layer, its volumes and binds read-only on top; and the
-- teardown of what it set up.
local output = require "whiteout.output"
local util = require "whiteout.util"
local views = require "whiteout.views"

-- The kernel joins lowerdir into one option of at most a page.
local OPTION_MAX = 4000
-- Where the mounts of a stacked lower (past one page) live.
local STATE = "/run/whiteout/mounts"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end


-- Runs a command; raises with its output when it fails.
local function run(cmd)
  local h = io.popen(cmd .. " 2>&1")
  local out = h:read("a")
  local ok = h:close()
  if not ok then error(("'%s' failed: %s"):format(cmd, out:gsub("\n$", "")),
    0) end
  return out
end


local function state_dir(target)
  return STATE .. "/" .. target:gsub("[^%w]", "_")
end


-- The lower folders (top first) as options relative to a folder, short
-- names when the driver has them (overlay2/l/...), else full paths.
local function lowers(root, v)
  local d, out, cwd = v.driver, {}, nil
  for i, m in ipairs(v.members) do
    local short = d.short_name and d.short_name(root, m.cache_id)
    if short and d.resolve_short(root, short) == m.cache_id then
      cwd = views.local_path(root, "overlay2")
      out[i] = "l/" .. short
    else
      out[i] = views.local_path(root, m.path)
    end
  end
  return out, cwd
end


local function opt_of(list) return "ro,lowerdir=" .. table.concat(list, ":") end


local function mount_one(list, cwd, dir)
  local prefix = cwd and ("cd " .. q(cwd) .. " && ") or ""
  run(prefix .. "mount -t overlay overlay -o " .. q(opt_of(list)) .. " "
    .. q(dir))
end


-- Mounts the lower folders list (top first) at dir, read-only.  Past a
-- page, the bottom layers that fit are mounted first (on a folder of
-- the state dir) and stacked under the rest: overlays nest two deep.
-- Returns the number of overlay mounts.
local function mount_overlay(list, cwd, dir, state)
  if #opt_of(list) <= OPTION_MAX then
    mount_one(list, cwd, dir)
    return 1
  end
  local first = #list
  while first > 1 and #opt_of(table.move(list, first - 1, #list, 1, {}))
      <= OPTION_MAX do
    first = first - 1
  end
  local sub = state .. "/lower0"
  local top = table.move(list, 1, first - 1, 1, {})
  top[#top + 1] = sub
  if #opt_of(top) > OPTION_MAX then
    error(("%d layers do not fit two stacked overlay mounts"):format(#list),
      0)
  end
  run("mkdir -p " .. q(sub))
  mount_one(table.move(list, first, #list, 1, {}), cwd, sub)
  mount_one(top, cwd, dir)
  return 2
end


-- The local folder of a volume or bind's source, or nil and why.
local function mount_source(root, m)
  if m.data_path then
    -- lstat through the evidence refuses a symlink anywhere on the way:
    -- a planted _data -> / must not bind the analyst's root
    local st = root.src:lstat(m.data_path)
    if not st or st.type ~= "dir" then
      return nil, m.data_path .. " is no folder of the evidence"
    end
    return views.local_path(root, m.data_path)
  end
  if not m.source or m.source == "" then return nil, "no source" end
  if not root.host then
    return nil, "a bind of the host's " .. m.source .. ": give the host "
      .. "as evidence to mount it"
  end
  local real = root.host:realpath(m.source)
  local st = real and root.host:lstat(real)
  if not st then return nil, "not on the host evidence" end
  local base = (root.label or "/"):gsub("/+$", "")
  return base .. real
end


-- Mounts volumes and binds read-only on the view, where the view has a
-- folder (or file) for them.
local function mount_binds(root, t, src, target, emit)
  for _, m in ipairs(t.mounts or {}) do
    local from, why = mount_source(root, m)
    local at = m.destination and src:realpath(m.destination)
    if from and at then
      run("mount --bind -o ro " .. q(from) .. " " .. q(target .. at))
      emit({ kind = "mount", target = target .. at, what = m.type,
        from = from, source = from, destination = m.destination })
    else
      views.warn(root, "%s: not mounted: %s", tostring(m.destination),
        why or "the view has no such folder")
    end
  end
end


local function do_mount(ev, args, emit)
  local list, err = views.targets(ev, args, false)
  if not list then error(err, 0) end
  if #list > 1 then error("the reference names more than one target", 0) end
  local t, target = list[1], views.local_real(args.target)
  if views.inside_evidence(ev, target) then
    error(require("whiteout.runner").usage("refusing a target inside "
      .. "the evidence: " .. args.target))
  end
  local src, v = views.open(t.root, t.target, args.layer)
  if not src then error(v, 0) end
  if v.driver.name == "devicemapper" then
    error("devicemapper layers are thin devices: use `whiteout run "
      .. "thin-mount` (it activates devices)", 0)
  end
  if v.driver.whiteouts ~= "overlay" then
    error(("the %s driver's layers are no kernel overlay layers")
      :format(v.driver.name), 0)
  end
  local state = state_dir(target)
  run("mkdir -p " .. q(state) .. " " .. q(target))
  local lo, cwd = lowers(t.root, v)
  local ok, err2 = pcall(function()
    local n = mount_overlay(lo, cwd, target, state)
    emit({ kind = "mount", target = target, what = "overlay",
      layers = #lo, stacked = n > 1,
      source = views.where(t.root, v.members[1].path) })
    mount_binds(t.root, t.target, src, target, emit)
  end)
  if not ok then
    -- leave nothing half set up
    os.execute("umount -R " .. q(target) .. " 2>/dev/null; umount "
      .. q(state .. "/lower0") .. " 2>/dev/null; rm -rf -- " .. q(state))
    error(err2, 0)
  end
end


-- Unmounts target (and what is mounted below it) and the stacked lower
-- folders this playbook made for it.
local function do_umount(args, emit)
  local target = views.local_real(args.target)
  if os.execute("mountpoint -q " .. q(target)) then
    run("umount -R " .. q(target))
    emit({ kind = "umount", target = target, source = target })
  else
    views.warn({}, "%s: not mounted", target)
  end
  local state = state_dir(target)
  local sub = state .. "/lower0"
  if os.execute("mountpoint -q " .. q(sub)) then
    run("umount " .. q(sub))
    emit({ kind = "umount", target = sub, source = sub })
  end
  os.execute("rm -rf -- " .. q(state))
end

return {
  description = [[
Mounts a container's file system (or an image's) read-only with the
kernel's overlay, at the layer chosen, on the folder --arg target names;
its volumes and binds are bind-mounted read-only on top where the view
has their folder (binds of the host's files need the host as evidence).
Needs root. Stacks of 128 layers and more fit: the layers are named by
their short overlay2/l/ names from inside overlay2/, and past one page
the bottom layers are mounted first and stacked under the rest.
--arg action=umount takes down what it set up.]],
  categories = { "mounts", "filesystem" },
  args = {
    { name = "target", required = true,
      help = "the folder to mount on (made if absent)" },
    { name = "container", help = "container id, id prefix or name" },
    { name = "image", help = "image reference or id" },
    { name = "layer", help = "rw, init, image or a cache id",
      default = "top" },
    { name = "action", help = "mount or umount", default = "mount",
      choices = { "mount", "umount" } },
  },
  usage = [[
whiteout run mount -e /mnt/evidence --arg container=web --arg target=/mnt/web
whiteout run mount -e /mnt/evidence --arg action=umount --arg target=/mnt/web]],
  sample = [[
KIND   TARGET       WHAT     LAYERS  STACKED  FROM
mount  /mnt/w       overlay  3       false
mount  /mnt/w/data  volume                    /tmp/ev9/d/volumes/webdata/_data
]],
  applies = function(ev) return #ev.roots > 0 end,
  text = function(recs, write)
    output.table(write, recs, { "kind", "target", "what", "layers",
      "stacked", "from" }, 60)
  end,
  run = function(ev, args, emit)
    if not args.target or args.target == "" then
      error("give --arg target=DIR", 0)
    end
    if not util.is_root() then error("mounting needs root", 0) end
    if args.action == "umount" then return do_umount(args, emit) end
    do_mount(ev, args, emit)
  end,
}

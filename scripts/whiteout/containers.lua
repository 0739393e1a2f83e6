-- Containers of a data root: config.v2.json (or v1 config.json) merged
-- with hostconfig.json, and the layer stack from the layerdb (or the
-- storage driver when it knows better).
--
-- Caveats:
-- - `state` is what the files say; a host that lost power leaves running
--   containers marked running, with a pid that no longer exists.
local images = require "whiteout.images"
local util = require "whiteout.util"

local M = {}

local nn = util.nn


local function str(v)
  v = nn(v)
  return type(v) == "string" and v or nil
end


local function obj(v)
  v = nn(v)
  return type(v) == "table" and v or {}
end


local function list(v)
  v = nn(v)
  return type(v) == "table" and v or nil
end


-- A JSON object kept as one, so that an empty one prints as {}.
local function map(v)
  v = nn(v)
  return type(v) == "table" and util.object(v) or nil
end


--- Docker's own state word (its State.StateString rules).
function M.state_string(s)
  if type(s) ~= "table" then
    error("bad argument #1 to 'state_string' (table expected)", 2)
  end
  if nn(s.Running) == true then
    if nn(s.Paused) == true then return "paused" end
    if nn(s.Restarting) == true then return "restarting" end
    return "running"
  end
  if nn(s.RemovalInProgress) == true then return "removing" end
  if nn(s.Dead) == true then return "dead" end
  if not util.parse_time(str(s.StartedAt)) then return "created" end
  return "exited"
end


--- The command line as `docker ps` shows it: Path, then each argument,
-- in single quotes when it holds a space.
function M.command_line(path, args)
  if path ~= nil and type(path) ~= "string" then
    error("bad argument #1 to 'command_line' (string expected)", 2)
  end
  local parts = { path or "" }
  for _, a in ipairs(type(args) == "table" and args or {}) do
    if type(a) == "string" then
      parts[#parts + 1] = a:find(" ", 1, true) and "'" .. a .. "'" or a
    end
  end
  return table.concat(parts, " ")
end


-- Port bindings as "ip:port->80/tcp" strings, by container port.
local function port_list(ports)
  local out = {}
  for _, key in ipairs(util.keys(obj(ports))) do
    local binds = list(ports[key])
    if not binds or #binds == 0 then out[#out + 1] = key end
    for _, b in ipairs(binds or {}) do
      if type(b) == "table" then
        local ip = str(b.HostIp) or ""
        out[#out + 1] = (ip ~= "" and ip .. ":" or "")
          .. (str(b.HostPort) or "") .. "->" .. key
      end
    end
  end
  return out
end


-- The mounts of a container: MountPoints (v2) or Volumes (v1), sorted
-- by destination.  A named volume without a source gets its folder.
local function mounts_of(r, cfg)
  local out = {}
  for dest, m in pairs(obj(cfg.MountPoints)) do
    if type(m) == "table" then
      local name = str(m.Name)
      local e = { type = str(m.Type), source = str(m.Source),
        destination = str(m.Destination) or dest, rw = nn(m.RW) == true,
        name = name, driver = str(m.Driver),
        propagation = str(m.Propagation), mode = str(m.Mode) }
      e.type = e.type or (name and name ~= "" and "volume" or "bind")
      if name and name ~= "" and e.type == "volume" then
        e.data_path = "volumes/" .. name .. "/_data"
        if not e.source or e.source == "" then
          e.source = r:where(e.data_path)
        end
      end
      out[#out + 1] = e
    end
  end
  local rw = obj(cfg.VolumesRW)
  for dest, src in pairs(obj(cfg.Volumes)) do
    if type(src) == "string" then
      out[#out + 1] = { type = "bind", source = src, destination = dest,
                        rw = nn(rw[dest]) ~= false }
    end
  end
  table.sort(out, function(a, b) return a.destination < b.destination end)
  return out
end


-- "always", "on-failure:3", or nil for Docker's default "no".
local function restart_policy(p)
  p = obj(p)
  local name = str(p.Name)
  if not name or name == "" then return nil end
  local max = math.tointeger(nn(p.MaximumRetryCount))
  if max and max > 0 then return name .. ":" .. max end
  return name
end


-- The host configuration fields, merged into rec.
local function add_hostconfig(rec, hc)
  rec.binds = list(hc.Binds)
  rec.privileged = nn(hc.Privileged) == true
  rec.cap_add, rec.cap_drop = list(hc.CapAdd), list(hc.CapDrop)
  rec.pid_mode, rec.network_mode = str(hc.PidMode), str(hc.NetworkMode)
  rec.ipc_mode, rec.uts_mode = str(hc.IpcMode), str(hc.UTSMode)
  rec.userns_mode, rec.cgroupns_mode = str(hc.UsernsMode),
    str(hc.CgroupnsMode)
  rec.devices, rec.security_opt = list(hc.Devices), list(hc.SecurityOpt)
  rec.readonly_rootfs = nn(hc.ReadonlyRootfs) == true
  rec.restart_policy = restart_policy(hc.RestartPolicy)
  rec.port_bindings = port_list(hc.PortBindings)
  rec.publish_all_ports = nn(hc.PublishAllPorts) == true
  local lc = obj(hc.LogConfig)
  rec.log_driver, rec.log_opts = str(lc.Type), map(lc.Config)
  rec.volumes_from, rec.links = list(hc.VolumesFrom), list(hc.Links)
  rec.extra_hosts, rec.tmpfs = list(hc.ExtraHosts), map(hc.Tmpfs)
  rec.auto_remove, rec.runtime = nn(hc.AutoRemove) == true, str(hc.Runtime)
  rec.group_add, rec.sysctls = list(hc.GroupAdd), map(hc.Sysctls)
  rec.cgroup_parent = str(hc.CgroupParent)
  rec.masked_paths = list(hc.MaskedPaths)
  rec.readonly_paths = list(hc.ReadonlyPaths)
end


-- The Config object's fields (what `docker run` asked for).
local function add_config(rec, c)
  rec.image = str(c.Image)
  rec.entrypoint, rec.cmd = list(c.Entrypoint), list(c.Cmd)
  rec.env, rec.labels = list(c.Env), map(c.Labels)
  rec.user, rec.working_dir = str(c.User), str(c.WorkingDir)
  rec.hostname, rec.domainname = str(c.Hostname), str(c.Domainname)
  rec.tty, rec.open_stdin = nn(c.Tty) == true, nn(c.OpenStdin) == true
  rec.exposed_ports = list(c.ExposedPorts) and util.keys(c.ExposedPorts)
  rec.stop_signal = str(c.StopSignal)
end


-- The State object's fields.
local function add_state(rec, s)
  rec.state = M.state_string(s)
  rec.running = nn(s.Running) == true
  rec.paused, rec.restarting = nn(s.Paused) == true,
    nn(s.Restarting) == true
  rec.oom_killed, rec.dead = nn(s.OOMKilled) == true, nn(s.Dead) == true
  rec.pid = math.tointeger(nn(s.Pid))
  rec.exit_code = math.tointeger(nn(s.ExitCode))
  rec.started, rec.finished = str(s.StartedAt), str(s.FinishedAt)
  rec.state_error = str(s.Error)
  if rec.state_error == "" then rec.state_error = nil end
  rec.health = str(obj(s.Health).Status)
end


-- A container record from its parsed configs.
local function record(r, e)
  local cfg, hc = e.cfg or {}, e.hc or {}
  local rec = { kind = "container", id = str(cfg.ID) or e.id,
    source = r:where(e.cfg_rel), data_root = r:where(""),
    created = str(cfg.Created), image_id = str(cfg.Image),
    driver = str(cfg.Driver), platform = str(cfg.Platform) or str(cfg.OS),
    path = str(cfg.Path), args = list(cfg.Args),
    log_path = str(cfg.LogPath),
    restart_count = math.tointeger(nn(cfg.RestartCount)),
    hostconfig_source = e.hc_rel and r:where(e.hc_rel),
    damaged = #e.damaged > 0 and e.damaged or nil }
  rec.name = (str(cfg.Name) or ""):gsub("^/", "")
  rec.command = M.command_line(rec.path, rec.args)
  add_config(rec, obj(cfg.Config))
  add_state(rec, obj(cfg.State))
  add_hostconfig(rec, hc)
  rec.mounts = mounts_of(r, cfg)
  rec.ports = port_list(obj(cfg.NetworkSettings).Ports)
  return rec
end


-- Reads a container folder's hostconfig.json into e (hc, hc_rel), or
-- notes in e.damaged why it could not, after a warning.
local function read_hostconfig(r, e, dir)
  e.hc_rel = dir .. "/hostconfig.json"
  local hc, herr, hcode = r:read_json(e.hc_rel)
  if hc then e.hc = hc return end
  local why = hcode == "ENOENT" and "missing" or herr
  r:warn(e.hc_rel, "%s; host configuration unknown", why)
  e.damaged[#e.damaged + 1] = "hostconfig.json: " .. why
  e.hc_rel = nil
end


-- Reads one container folder's configs: {id, cfg, hc, cfg_rel, hc_rel,
-- damaged}; without cfg, err says why (after a warning naming the file)
-- and the hostconfig is still read.
local function read_configs(r, id)
  local dir = "containers/" .. id
  local e = { id = id, cfg_rel = dir .. "/config.v2.json", damaged = {} }
  local cfg, err, code = r:read_json(e.cfg_rel)
  if code == "ENOENT" then
    e.cfg_rel, e.v1 = dir .. "/config.json", true
    cfg, err, code = r:read_json(e.cfg_rel)
  end
  if not cfg then
    if code == "ENOENT" then
      e.cfg_rel = dir
      err = "no config.v2.json or config.json"
    end
    r:warn(e.cfg_rel, "%s", err)
    e.err = err
    e.damaged[1] = (e.cfg_rel:match("[^/]+%.json$") or "config") .. ": "
      .. err
  end
  e.cfg = cfg
  read_hostconfig(r, e, dir)
  return e
end


-- The mount-id, init-id and image top of a container from the layerdb;
-- nil after a warning when its entry is missing.
local function layerdb_mount(r, rec)
  if not r.image_dir then return nil end
  local dir = r.image_dir .. "/layerdb/mounts/" .. rec.id
  local mount_id, err, code = r:read_id(dir .. "/mount-id")
  if not mount_id then
    local st = r.src:lstat(dir)
    if not st or st.type ~= "dir" then
      r:warn(dir, "missing: the container's read-write and init layers "
        .. "are not known")
      return nil
    end
    r:warn(dir .. "/mount-id", "%s", code == "ENOENT" and "missing" or err)
  end
  return { mount_id = mount_id, init_id = r:read_id(dir .. "/init-id"),
    parent = r:read_id(dir .. "/parent") }
end


-- The image layers under a container, top first, with role "image".
-- The image layers from the image config's diff ids, when the chain
-- they make ends at top: then only each layer's cache-id is read (the
-- chain ids follow from the diff ids).  Nil when they do not agree.
local function layers_from_config(r, top, image_id, out)
  local ch = image_id and r:image_chain(image_id)
  local ids = ch and ch.chain_ids
  if not ids or #ids == 0 or #ids > images.MAX_DEPTH
     or ids[#ids] ~= top then
    return nil
  end
  local list = {}
  for i = #ids, 1, -1 do
    local cache_id = r:cache_id(ids[i])
    if not cache_id then return nil end
    list[#list + 1] = { role = "image", cache_id = cache_id,
      chain_id = ids[i], diff_id = ch.diff_ids[i] }
  end
  return table.move(list, 1, #list, #out + 1, out)
end


-- The image layers under a container, top first, with role "image":
-- from the image config when it agrees with the layerdb, else by
-- walking the layerdb's parent files down from top.
local function image_layers(r, top, out, image_id)
  local fast = top and layers_from_config(r, top, image_id, out)
  if fast then return fast end
  for _, l in ipairs(top and r:layer_chain(top) or {}) do
    out[#out + 1] = { role = "image", cache_id = l.cache_id,
      chain_id = l.chain_id, diff_id = l.diff_id }
  end
  return out
end


-- The image's top chain id from its config, for a container whose
-- layerdb entry is gone.
local function image_top(r, rec)
  if not rec.image_id then return nil end
  local img = r:image(rec.image_id)
  return img and img.chain_id
end


-- The layer stack of a v2 container from the layerdb.
local function layerdb_layers(r, rec)
  local m = layerdb_mount(r, rec)
  local out = {}
  if m then
    rec.mount_id, rec.init_id = m.mount_id, m.init_id
    if m.mount_id then
      out[#out + 1] = { role = "rw", cache_id = m.mount_id }
    end
    if m.init_id then
      out[#out + 1] = { role = "init", cache_id = m.init_id }
    end
    return image_layers(r, m.parent, out, rec.image_id)
  end
  return image_layers(r, image_top(r, rec), out)
end


-- v1: the container's own id names its layers; the image's graph chain
-- lies below.
local function v1_layers(r, rec)
  rec.mount_id, rec.init_id = rec.id, rec.id .. "-init"
  local out = { { role = "rw", cache_id = rec.id },
                { role = "init", cache_id = rec.id .. "-init" } }
  local img = rec.image_id and r:image(rec.image_id)
  for _, l in ipairs(img and img.layers or {}) do
    out[#out + 1] = { role = "image", cache_id = l.cache_id }
  end
  return out
end


-- The layer stack: the driver's own answer when it has one.
local function add_layers(r, rec, v1)
  rec.layers = v1 and v1_layers(r, rec) or layerdb_layers(r, rec)
  local d = r.driver
  if d and type(d.container_layers) == "function" then
    local ok, layers = pcall(d.container_layers, r, rec)
    if ok and type(layers) == "table" then
      rec.layers = layers
    elseif not ok then
      r:warn("containers/" .. rec.id, "driver %s: %s", d.name, layers)
    end
  end
end


-- Sorts newest first (ties by id), each time parsed once.
local function sort_by_created(list)
  local key = {}
  for _, c in ipairs(list) do key[c] = util.parse_time(c.created) or 0 end
  table.sort(list, function(a, b)
    if key[a] ~= key[b] then return key[a] > key[b] end
    return a.id < b.id
  end)
end


-- A container record from readable configs, with its layers.
local function full(r, e)
  local rec = record(r, e)
  add_layers(r, rec, e.v1)
  return rec
end


-- A container whose config cannot be read: what its other parts say
-- (the folder's name as id, hostconfig.json, the layerdb's mount entry,
-- the log file), with `error` and `damaged` saying what is missing.
-- No state, name, image or mounts: those live in the config alone.
local function partial(r, e)
  local rec = record(r, e)
  rec.id, rec.error, rec.state = e.id, e.err, "unknown"
  -- add_state/add_config read false from the missing config: unknown.
  for _, k in ipairs({ "command", "name", "running", "paused",
      "restarting", "oom_killed", "dead", "tty", "open_stdin" }) do
    rec[k] = nil
  end
  add_layers(r, rec, r.layout == "v1")
  local log = "containers/" .. e.id .. "/" .. e.id .. "-json.log"
  if r.src:lstat(log) then rec.log_source = r:where(log) end
  return rec
end


local function install(DataRoot)
  --- The parsed configs of every container folder (cached); entries
  -- that could not be read carry err.
  function DataRoot:container_configs()
    if self.cache.configs then return self.cache.configs end
    local out = {}
    local entries, err = self:list("containers")
    if err then
      self:warn("containers", "%s", err)
    elseif #entries == 0 then
      self:warn("containers", "empty: no container was kept here")
    end
    for _, e in ipairs(entries) do
      if e.type == "dir" then out[#out + 1] = read_configs(self, e.name) end
    end
    self.cache.configs = out
    return out
  end

  --- Every container (cached), newest first: plain tables of kind
  -- "container", one for every folder under containers/.  A record
  -- with `damaged` (list of "file: why") lacks what those files hold;
  -- one whose config is unreadable also has `error`, state "unknown"
  -- and no name, and keeps its host configuration and layers.
  function DataRoot:containers()
    if self.cache.containers then return self.cache.containers end
    local out = {}
    for _, e in ipairs(self:container_configs()) do
      out[#out + 1] = e.cfg and full(self, e) or partial(self, e)
    end
    sort_by_created(out)
    self.cache.containers = out
    return out
  end

  --- One container by full id, name (with or without "/"), or id
  -- prefix.  Returns it, or nil and why (unknown, or an ambiguous
  -- prefix with its candidates).
  function DataRoot:container(ref)
    if type(ref) ~= "string" or ref == "" then
      error("bad argument #1 to 'container' (non-empty string expected)", 2)
    end
    local all = self:containers()
    for _, c in ipairs(all) do if c.id == ref then return c end end
    local name = ref:gsub("^/", "")
    for _, c in ipairs(all) do if c.name == name then return c end end
    if not ref:match("^%x+$") then
      return nil, ("no container '%s'"):format(ref)
    end
    return self:by_prefix(all, ref:lower(), "container", ref)
  end
end


--- Adds the container methods to the DataRoot class.
function M.install(DataRoot)
  install(DataRoot)
end

return M

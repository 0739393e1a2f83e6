-- Images and layer chains of a data root: repositories.json, the image
-- configs of imagedb, the layerdb chains, and the v1 graph/ layout.
--
-- Caveats:
-- - A layer chain deeper than MAX_DEPTH is cut (Docker itself stops near
--   128 layers); a looping chain stops where it loops.  Both warn.
local hash = require "whiteout.hash"
local util = require "whiteout.util"

local M = {}

--- Layers followed down one parent chain before it is cut.
M.MAX_DEPTH = 1000

local nn = util.nn


local function str(v)
  v = nn(v)
  return type(v) == "string" and v or nil
end


-- Keys of a JSON object as a sorted list (ExposedPorts, Volumes).
local function key_list(t)
  t = nn(t)
  if type(t) ~= "table" then return nil end
  return util.keys(t)
end


--- The chain ids of a list of diff ids (bottom first), per the image
-- spec: chain(1) = diff(1); chain(n) = sha256(chain(n-1) .. " " ..
-- diff(n)), all as "sha256:<hex>" strings.
function M.chain_ids(diff_ids)
  if type(diff_ids) ~= "table" then
    error("bad argument #1 to 'chain_ids' (table expected)", 2)
  end
  local out = {}
  for i, d in ipairs(diff_ids) do
    if type(d) ~= "string" then break end
    out[i] = i == 1 and d or "sha256:" .. hash.sha256(out[i - 1] .. " " .. d)
  end
  return out
end


-- One layerdb entry, read once: {chain_id, diff_id, cache_id, parent,
-- source}, or nil, message when its folder is missing.
local function read_layer(r, chain_id)
  local hex = util.bare(chain_id)
  if type(hex) ~= "string" or not hex:match("^%x+$") then
    return nil, "not a chain id"
  end
  local dir = r.image_dir .. "/layerdb/sha256/" .. hex
  local l = { kind = "layer", chain_id = "sha256:" .. hex,
              source = r:where(dir) }
  local err, code
  l.cache_id, err, code = r:read_id(dir .. "/cache-id")
  if not l.cache_id then
    local st = r.src:lstat(dir)
    if not st or st.type ~= "dir" then
      return nil, "no layerdb entry " .. r:where(dir)
    end
    r:warn(dir .. "/cache-id", "%s", code == "ENOENT" and "missing" or err)
  end
  l.diff_id = r:read_id(dir .. "/diff")
  l.parent = r:read_id(dir .. "/parent")
  return l
end


-- Warns once per cycle, naming its smallest chain id, so that every
-- chain running into the same loop gives the same warning.
local function loop_warning(r, out, id)
  local least, inside = id, false
  for _, l in ipairs(out) do
    inside = inside or l.chain_id == id
    if inside and l.chain_id < least then least = l.chain_id end
  end
  r:warn(r.image_dir .. "/layerdb/sha256/" .. util.bare(least),
    "parent chain loops back to this layer; chain cut")
end


local function install_layers(DataRoot)
  --- The layerdb entry of a chain id (cached), or nil, message.
  function DataRoot:layer(chain_id)
    if type(chain_id) ~= "string" then
      error("bad argument #1 to 'layer' (string expected)", 2)
    end
    local c = self.cache
    c.layers = c.layers or {}
    local hit = c.layers[chain_id]
    if hit == nil then
      local l, err = false, nil
      if self.image_dir then l, err = read_layer(self, chain_id) end
      hit = l or { err = err or "no image store" }
      c.layers[chain_id] = hit
    end
    if hit.err then return nil, hit.err end
    return hit
  end

  --- The cache id of a layer (cached): its layerdb entry's cache-id,
  -- read alone.  Nil, message when it cannot be read.
  function DataRoot:cache_id(chain_id)
    if type(chain_id) ~= "string" then
      error("bad argument #1 to 'cache_id' (string expected)", 2)
    end
    local c = self.cache
    c.cache_ids = c.cache_ids or {}
    local hit = c.cache_ids[chain_id]
    if hit == nil then
      local l = c.layers and c.layers[chain_id]
      hit = l and l.cache_id
      if not hit and self.image_dir then
        hit = self:read_id(self.image_dir .. "/layerdb/sha256/"
          .. util.bare(chain_id) .. "/cache-id")
      end
      c.cache_ids[chain_id] = hit or false
    end
    return hit or nil
  end

  --- The diff ids and chain ids (bottom first) of an image config,
  -- cached; nil when the config cannot be read (images() warns).
  function DataRoot:image_chain(image_id)
    if type(image_id) ~= "string" then
      error("bad argument #1 to 'image_chain' (string expected)", 2)
    end
    local c = self.cache
    c.image_chains = c.image_chains or {}
    local hit = c.image_chains[image_id]
    if hit == nil then
      local hex = util.bare(image_id)
      local cfg = self.image_dir and hex:match("^%x+$") and self:read_json(
        self.image_dir .. "/imagedb/content/sha256/" .. hex)
      local rootfs = cfg and nn(cfg.rootfs)
      local diffs = type(rootfs) == "table" and nn(rootfs.diff_ids)
      hit = false
      if type(diffs) == "table" then
        hit = { diff_ids = diffs, chain_ids = M.chain_ids(diffs) }
      end
      c.image_chains[image_id] = hit
    end
    return hit or nil
  end

  --- The layers from chain_id down through each parent, top first,
  -- as plain tables {chain_id, diff_id, cache_id, parent}.  A
  -- loop or a chain deeper than MAX_DEPTH warns and is cut there; a
  -- missing entry warns and ends the list.  Returns the list (cached).
  function DataRoot:layer_chain(chain_id)
    if type(chain_id) ~= "string" then
      error("bad argument #1 to 'layer_chain' (string expected)", 2)
    end
    self.cache.chains = self.cache.chains or {}
    local hit = self.cache.chains[chain_id]
    if hit then return hit end
    local out, seen, id = {}, {}, chain_id
    while id do
      if seen[id] then
        loop_warning(self, out, id)
        break
      end
      if #out >= M.MAX_DEPTH then
        self:warn(self.image_dir .. "/layerdb/sha256/" .. util.bare(chain_id),
          "parent chain deeper than %d layers; cut there", M.MAX_DEPTH)
        break
      end
      seen[id] = true
      local l, err = self:layer(id)
      if not l then
        self:warn(self.image_dir or "image", "layer %s: %s", id, err)
        break
      end
      out[#out + 1] = { chain_id = l.chain_id, diff_id = l.diff_id,
        cache_id = l.cache_id, parent = l.parent }
      id = l.parent
    end
    self.cache.chains[chain_id] = out
    return out
  end
end


-- Tags and digests by image id, from repositories.json (v2: full
-- references as keys) or repositories-<driver> (v1: bare tags).
local function read_repositories(r, rel)
  local by = {}
  local j, err, code = r:read_json(rel, r.CAP.repositories)
  if not j then
    if code ~= "ENOENT" then r:warn(rel, "%s", err) end
    return by
  end
  local repos = nn(j.Repositories)
  if type(repos) ~= "table" then
    r:warn(rel, "no Repositories object")
    return by
  end
  for name, refs in pairs(repos) do
    for ref, id in pairs(type(refs) == "table" and refs or {}) do
      if type(id) == "string" and type(ref) == "string" then
        if not ref:find("[:@]") then ref = name .. ":" .. ref end
        local e = by[id] or { tags = {}, digests = {} }
        by[id] = e
        table.insert(ref:find("@", 1, true) and e.digests or e.tags, ref)
      end
    end
  end
  for _, e in pairs(by) do table.sort(e.tags) table.sort(e.digests) end
  return by
end


-- The history list of an image config, each entry with the diff id of
-- the layer it made (when it made one).
local function history_of(cfg)
  local out, n = {}, 0
  local diffs = nn(cfg.rootfs) and nn(cfg.rootfs.diff_ids) or {}
  for _, h in ipairs(type(nn(cfg.history)) == "table" and cfg.history or {})
  do
    if type(h) == "table" then
      local e = { created = str(h.created), created_by = str(h.created_by),
        comment = str(h.comment), author = str(h.author),
        empty_layer = nn(h.empty_layer) == true }
      if not e.empty_layer then
        n = n + 1
        e.diff_id = str(diffs[n])
      end
      out[#out + 1] = e
    end
  end
  return out
end


-- The fields of an image config's "config" object.
local function config_fields(rec, c)
  c = type(nn(c)) == "table" and c or {}
  rec.entrypoint = nn(c.Entrypoint)
  rec.cmd = nn(c.Cmd)
  rec.env = nn(c.Env)
  rec.user = str(c.User)
  rec.working_dir = str(c.WorkingDir)
  rec.exposed_ports = key_list(c.ExposedPorts)
  rec.volumes = key_list(c.Volumes)
  rec.labels = type(nn(c.Labels)) == "table" and util.object(c.Labels)
    or nil
  rec.stop_signal = str(c.StopSignal)
  rec.healthcheck = nn(c.Healthcheck)
  rec.onbuild = nn(c.OnBuild)
  rec.shell = nn(c.Shell)
end


-- An image record from its config (v2).
local function image_record(r, hex, cfg, rel, text)
  local rec = { kind = "image", id = "sha256:" .. hex, source = r:where(rel),
    data_root = r:where(""), created = str(cfg.created),
    author = str(cfg.author),
    architecture = str(cfg.architecture), os = str(cfg.os),
    variant = str(cfg.variant), docker_version = str(cfg.docker_version),
    container = str(cfg.container), comment = str(cfg.comment),
    history = history_of(cfg),
    diff_ids = {} }
  config_fields(rec, cfg.config)
  local cc = nn(cfg.container_config)
  if type(cc) == "table" then rec.container_cmd = nn(cc.Cmd) end
  local rootfs = nn(cfg.rootfs)
  for _, d in ipairs(type(rootfs) == "table" and nn(rootfs.diff_ids) or {}) do
    if type(d) == "string" then rec.diff_ids[#rec.diff_ids + 1] = d end
  end
  rec.chain_id = M.chain_ids(rec.diff_ids)[#rec.diff_ids]
  if text and hash.sha256(text) ~= hex then
    r:warn(rel, "content does not hash to its name (edited after pull?)")
    rec.id_mismatch = true
  end
  return rec
end


-- Parent and lastUpdated from imagedb/metadata.
local function add_metadata(r, rec, hex)
  local dir = r.image_dir .. "/imagedb/metadata/sha256/" .. hex
  rec.parent = r:read_id(dir .. "/parent") or nil
  rec.last_updated = r:read_id(dir .. "/lastUpdated") or nil
end


-- Reads one v2 image by hex id; a bad config still gives a record with
-- an error field.
local function load_image(r, hex)
  local rel = r.image_dir .. "/imagedb/content/sha256/" .. hex
  local text, err, code = r:read_capped(rel, r.CAP.config)
  local cfg, jerr
  if text then cfg, jerr = util.json_decode(text) end
  if type(cfg) ~= "table" then
    local why = text and ("truncated or not JSON (%s)"):format(jerr or "?")
      or code == "ENOENT" and "image config missing" or err
    r:warn(rel, "%s", why)
    return { kind = "image", id = "sha256:" .. hex, source = r:where(rel),
             data_root = r:where(""), error = why, history = {},
             diff_ids = {} }
  end
  local rec = image_record(r, hex, cfg, rel, text)
  add_metadata(r, rec, hex)
  return rec
end


-- Size and layer list of an image: its chain, top first, each layer
-- with its size (read here: listing containers does not need it).
local function add_layers(r, rec)
  rec.layers = {}
  if not rec.chain_id then return end
  local size = 0
  for i, l in ipairs(r:layer_chain(rec.chain_id)) do
    local n = math.tointeger(tonumber(r:read_id(r.image_dir
      .. "/layerdb/sha256/" .. util.bare(l.chain_id) .. "/size") or ""))
    rec.layers[i] = { chain_id = l.chain_id, diff_id = l.diff_id,
      cache_id = l.cache_id, parent = l.parent, size = n }
    size = size + (n or 0)
  end
  rec.size = size
end


-- The storage driver's own layer list for an image, when it has one.
local function driver_layers(r, rec)
  local d = r.driver
  if not (d and type(d.image_layers) == "function") then return end
  local ok, layers = pcall(d.image_layers, r, rec)
  if ok and type(layers) == "table" then
    rec.layers = layers
  elseif not ok then
    r:warn(r.image_dir, "driver %s: image %s: %s", d.name, rec.id, layers)
  end
end


-- Every v2 image: the configs in imagedb plus ids only tagged.
local function v2_images(r)
  local dir = r.image_dir .. "/imagedb/content/sha256"
  local tags = read_repositories(r, r.image_dir .. "/repositories.json")
  local list, seen = {}, {}
  for _, e in ipairs(r:list(dir)) do
    if e.name:match("^%x+$") and #e.name == 64 then
      seen["sha256:" .. e.name] = true
      list[#list + 1] = load_image(r, e.name)
    end
  end
  for id in pairs(tags) do
    local hex = util.bare(id)
    if not seen[id] and type(hex) == "string" and hex:match("^%x+$") then
      list[#list + 1] = load_image(r, hex)
    end
  end
  for _, rec in ipairs(list) do
    local t = tags[rec.id] or { tags = {}, digests = {} }
    rec.tags, rec.digests = t.tags, t.digests
    add_layers(r, rec)
    driver_layers(r, rec)
  end
  return list
end


-- v1: graph/<id>/json, a layer and image in one; parents by "parent".
local function v1_image(r, id, tags)
  local rel = "graph/" .. id .. "/json"
  local cfg, err = r:read_json(rel)
  local t = tags[id] or { tags = {}, digests = {} }
  local rec = { kind = "image", id = id, source = r:where(rel),
    data_root = r:where(""), tags = t.tags, digests = t.digests,
    history = {}, diff_ids = {} }
  if not cfg then
    r:warn(rel, "%s", err)
    rec.error = err
    return rec
  end
  rec.created, rec.author = str(cfg.created), str(cfg.author)
  rec.architecture, rec.os = str(cfg.architecture), str(cfg.os)
  rec.docker_version, rec.parent = str(cfg.docker_version), str(cfg.parent)
  rec.container = str(cfg.container)
  config_fields(rec, cfg.config)
  local cc = nn(cfg.container_config)
  local by = type(cc) == "table" and nn(cc.Cmd)
  rec.own_history = { created = rec.created, empty_layer = false,
    created_by = type(by) == "table" and table.concat(by, " ") or nil }
  rec.layer_size = math.tointeger(tonumber(r:read_id("graph/" .. id
    .. "/layersize") or "")) or math.tointeger(nn(cfg.Size))
  return rec
end


-- The v1 parent chain of an image, top first, as layers.
local function v1_chain(r, by, id)
  local out, seen = {}, {}
  while id and by[id] do
    if seen[id] then
      r:warn("graph/" .. id .. "/json", "parent chain loops; chain cut")
      break
    end
    if #out >= M.MAX_DEPTH then
      r:warn("graph/" .. id .. "/json", "parent chain deeper than %d; cut",
        M.MAX_DEPTH)
      break
    end
    seen[id] = true
    out[#out + 1] = { cache_id = id, size = by[id].layer_size,
                      parent = by[id].parent }
    id = by[id].parent
  end
  return out
end


-- A v1 image's layers, size (all its layers, as `docker images` shows)
-- and history (each layer's own entry, oldest first).
local function v1_stack(r, by, rec)
  rec.layers = v1_chain(r, by, rec.id)
  local size, history = 0, {}
  for i = #rec.layers, 1, -1 do
    local img = by[rec.layers[i].cache_id]
    size = size + (img.layer_size or 0)
    history[#history + 1] = img.own_history
  end
  rec.size, rec.history = size, history
end


local function v1_images(r)
  local tags = {}
  if r.driver_name then
    tags = read_repositories(r, "repositories-" .. r.driver_name)
  end
  local list, by = {}, {}
  for _, e in ipairs(r:list("graph")) do
    if e.type == "dir" and e.name:match("^%x+$") and #e.name == 64 then
      local rec = v1_image(r, e.name, tags)
      list[#list + 1], by[e.name] = rec, rec
    end
  end
  for _, rec in ipairs(list) do v1_stack(r, by, rec) end
  for _, rec in ipairs(list) do rec.own_history = nil end
  return list
end


-- "busybox" -> "busybox:latest"; "docker.io/library/x" -> "x:latest".
local function normal_ref(ref)
  ref = ref:gsub("^docker%.io/", ""):gsub("^index%.docker%.io/", "")
  if not ref:find("/", 1, true) or ref:match("^library/") then
    ref = ref:gsub("^library/", "")
  end
  if not ref:find("@", 1, true) and not ref:match(":[^/]*$") then
    ref = ref .. ":latest"
  end
  return ref
end


-- Images whose tag or digest reference is ref.
local function by_reference(list, ref)
  local want = normal_ref(ref)
  for _, img in ipairs(list) do
    for _, t in ipairs(img.tags or {}) do
      if normal_ref(t) == want then return img end
    end
    for _, d in ipairs(img.digests or {}) do
      if normal_ref(d) == want then return img end
    end
  end
  return nil
end


local function install_images(DataRoot)
  --- Every image of the data root (cached): plain tables, kind "image".
  function DataRoot:images()
    if self.cache.images then return self.cache.images end
    local list = {}
    if self.layout == "v1" then
      list = v1_images(self)
    elseif self.image_dir then
      list = v2_images(self)
    end
    table.sort(list, function(a, b)
      return (a.created or "") > (b.created or "")
        or ((a.created or "") == (b.created or "") and a.id < b.id)
    end)
    self.cache.images = list
    return list
  end

  --- One image by full id, id prefix, repo:tag or repo@digest.  Returns
  -- the image, or nil and why (unknown, or ambiguous with candidates).
  function DataRoot:image(ref)
    if type(ref) ~= "string" or ref == "" then
      error("bad argument #1 to 'image' (non-empty string expected)", 2)
    end
    local list = self:images()
    local hex = util.bare(ref):lower()
    for _, img in ipairs(list) do
      if util.bare(img.id) == hex then return img end
    end
    local hit = by_reference(list, ref)
    if hit then return hit end
    if not hex:match("^%x+$") then
      return nil, ("no image '%s'"):format(ref)
    end
    return self:by_prefix(list, hex, "image", ref)
  end
end


--- Adds the image and layer methods to the DataRoot class.
function M.install(DataRoot, docker)
  DataRoot.CAP = docker.CAP
  install_layers(DataRoot)
  install_images(DataRoot)
end

return M

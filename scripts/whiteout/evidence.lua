-- Opens what the user gave with -e and finds the Docker data roots in it.
-- An evidence is a set of sources (host file systems or data roots).
local fs = require "whiteout.fs"
local log = require "whiteout.log"
local util = require "whiteout.util"

local M = { openers = {} }

local Evidence = {}
Evidence.__index = Evidence

-- Names whose presence says "this folder is a Docker data root".
local ROOT_MARKS = { "containers", "image", "graph", "overlay2", "aufs",
                     "volumes", "devicemapper", "repositories-aufs" }


--- Registers an opener: fn(path) returns a list of {src=, label=} host
-- or data-root sources, or nil, message when the path is not its kind,
-- or false, message when it is its kind but broken.  Openers are tried
-- newest first; the directory opener is always last.
function M.register_opener(name, fn)
  table.insert(M.openers, 1, { name = name, fn = fn })
end


--- True when the source's root looks like a Docker data root.
function M.is_data_root(src)
  local hits = 0
  for _, name in ipairs(ROOT_MARKS) do
    local st = src:lstat(name)
    if st and (st.type == "dir" or st.type == "file") then
      hits = hits + 1
    end
  end
  local c = src:lstat("containers")
  local i = src:lstat("image") or src:lstat("graph")
  return (c ~= nil and i ~= nil) or hits >= 2
end


-- The data-root (or older graph) named in a daemon.json, if any.
local function configured_root(host, file)
  local text = host:read(file)
  if not text then return nil end
  local cfg, err = util.json_decode(text)
  if type(cfg) ~= "table" then
    log.warn("%s: not JSON (%s); its data-root is not known", file, err)
    return nil
  end
  local dr = util.nn(cfg["data-root"]) or util.nn(cfg.graph)
  return type(dr) == "string" and dr or nil
end


-- Every candidate data-root path on a host file system, in order.
local function candidates(host)
  local out = { "/var/lib/docker" }
  for _, f in ipairs({ "/etc/docker/daemon.json",
                       "/root/.config/docker/daemon.json" }) do
    out[#out + 1] = configured_root(host, f)
  end
  out[#out + 1] = "/var/snap/docker/common/var-lib-docker"
  out[#out + 1] = "/root/.local/share/docker"
  local it = host:dir("/home")
  if it then
    for name in it do
      out[#out + 1] = configured_root(host,
        "/home/" .. name .. "/.config/docker/daemon.json")
      out[#out + 1] = "/home/" .. name .. "/.local/share/docker"
    end
  end
  return out
end


--- Finds the data roots on a host source: list of {src, path}.
function M.find_roots(host)
  local found, seen = {}, {}
  for _, p in ipairs(candidates(host)) do
    local real = host:realpath(p)
    local st = real and host:stat(real)
    if st and st.type == "dir" and not seen[real] then
      seen[real] = true
      local src = host:sub(real)
      if src and M.is_data_root(src) then
        found[#found + 1] = { src = src, path = real }
      end
    end
  end
  return found
end


-- The directory opener: a data root itself, or a host's root.
local function open_dir(path)
  local src, err, code = fs.open(path)
  if not src then return nil, err, code end
  return { { src = src, label = path } }
end


-- Adds one opened source to the evidence: as a data root, or as a host
-- whose data roots we look for.
-- quiet: the caller reports a source without data roots itself.
function Evidence:add_source(s, quiet)
  if M.is_data_root(s.src) then
    self.roots[#self.roots + 1] = { src = s.src, path = "/",
                                    label = s.label, host = nil }
    return
  end
  self.hosts[#self.hosts + 1] = s
  local found = M.find_roots(s.src)
  if #found == 0 and not quiet then
    log.warn("%s: no Docker data root found (looked in /var/lib/docker, "
      .. "daemon.json's data-root, snap and rootless places)", s.label)
  end
  for _, r in ipairs(found) do
    self.roots[#self.roots + 1] = { src = r.src, path = r.path,
      label = s.label, host = s.src }
  end
end


-- Tries each opener on one path; returns true or nil, message.
function Evidence:open_path(path)
  local last = "not a directory or a known image format"
  for _, o in ipairs(M.openers) do
    local list, err = o.fn(path, self)
    if list then
      for _, s in ipairs(list) do self:add_source(s) end
      return true
    elseif list == false then
      return nil, err
    end
    last = err or last
  end
  local list, err = open_dir(path)
  if err and err:find("No such file or directory", 1, true) then
    return nil, ("cannot open '%s': No such file or directory"):format(path)
  end
  if not list then return nil, err or last end
  local before = #self.roots
  for _, s in ipairs(list) do self:add_source(s, true) end
  if #self.roots == before then self.bare[#self.bare + 1] = path end
  return true
end


-- A folder (unlike a disk image) is given for its Docker data: when no
-- path gave a data root, that is an error; else a warning per folder.
local function check_bare(ev)
  for _, path in ipairs(ev.bare) do
    local msg = ("no Docker data root found in %s (looked in it, "
      .. "/var/lib/docker, daemon.json's data-root, snap and rootless "
      .. "places)"):format(path)
    if #ev.roots == 0 then return nil, msg end
    log.warn("%s", msg)
  end
  return true
end


--- Opens every path given with -e.  Returns an Evidence, or nil and a
-- message naming the path that could not be opened.
function M.open(paths, opts)
  local ev = setmetatable({ paths = paths, roots = {}, hosts = {},
                            opts = opts or {}, cache = {}, bare = {} },
                          Evidence)
  for _, p in ipairs(paths) do
    local ok, err = ev:open_path(p)
    if not ok then return nil, err end
  end
  local ok, err = check_bare(ev)
  if not ok then return nil, err end
  ev.host = ev.hosts[1] and ev.hosts[1].src or nil
  ev:load_model()
  return ev
end


--- Builds the Docker model of every data root (lazily, per run).
function Evidence:load_model()
  local docker = require "whiteout.docker"
  for i, r in ipairs(self.roots) do
    self.roots[i] = docker.new_root(r, self)
  end
end


--- Warns about the evidence (stderr, once per message).
function Evidence:warn(fmt, ...)
  log.warn(fmt, ...)
end

-- Disk images (libtsk), tried before the directory opener.
M.register_opener("image", require("whiteout.image").open)

return M

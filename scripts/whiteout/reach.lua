-- Which containers could reach the host, and why: the selection rules of
-- root-mounts-cron and escape, as pure functions over container records.
--
-- Caveats:
-- - A bind is judged by its source path as Docker recorded it; a host
--   symlink in that path is resolved only where the host's file system
--   is in the evidence (findings.resolved).
-- - Rootless Docker and user namespaces lower the risk of every reason;
--   we say when a container ran with UsernsMode "host" but do not try to
--   rate a remapped root.
local M = {}

-- Host places that hold cron tables or jobs (also used on the host's
-- file system and, relative, in layers).  Files are cron tables
-- themselves; dirs hold them, `deep` ones at any depth.
M.CRON = {
  { path = "/etc/crontab", file = true },
  { path = "/etc/anacrontab", file = true },
  { path = "/etc/cron.d" },
  { path = "/etc/cron.hourly" },
  { path = "/etc/cron.daily" },
  { path = "/etc/cron.weekly" },
  { path = "/etc/cron.monthly" },
  { path = "/etc/cron.yearly" },
  { path = "/etc/crontabs" },
  { path = "/etc/periodic", deep = true },
  { path = "/var/spool/cron", deep = true },
}

-- Where systemd reads timer units on a host.
M.TIMER_DIRS = { "/etc/systemd/system", "/usr/lib/systemd/system",
  "/lib/systemd/system", "/run/systemd/system" }

-- The Docker daemon's socket, at its usual places.
M.SOCKETS = { "/var/run/docker.sock", "/run/docker.sock" }

-- Capabilities that on their own let a root process leave a container.
local ESCAPE_CAPS = { SYS_ADMIN = true, ALL = true }


--- Normalises a host path as Docker cleans it: one leading slash, no
-- trailing or doubled slashes, "." dropped, ".." taking the part before
-- it (never above /), so "/x/../etc" cannot hide a bind of /etc.
-- norm("/etc//cron.d/") --> "/etc/cron.d"
function M.norm(p)
  if type(p) ~= "string" then error("norm: path must be a string", 2) end
  local parts = {}
  for part in p:gmatch("[^/]+") do
    if part == ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return "/" .. table.concat(parts, "/")
end


--- True when path a is b or lies below b (both normalised).
function M.under(a, b)
  if b == "/" then return true end
  return a == b or a:sub(1, #b + 1) == b .. "/"
end


--- The cron locations a host path reaches: those at or below it, or the
-- one it lies inside.  Returns a list of location paths (maybe empty).
-- cron_inside("/etc") --> {"/etc/crontab", "/etc/anacrontab", ...}
function M.cron_inside(src)
  src = M.norm(src)
  local out = {}
  for _, loc in ipairs(M.CRON) do
    if M.under(loc.path, src) or M.under(src, loc.path) then
      out[#out + 1] = loc.path
    end
  end
  return out
end


--- Cron places as short text: up to three, then how many more.
-- places_text({"/a", "/b"}) --> "/a /b"
function M.places_text(list)
  if #list <= 3 then return table.concat(list, " ") end
  return ("%s %s %s and %d more cron places"):format(list[1], list[2],
    list[3], #list - 3)
end


--- Maps a host path below a bind's source to the path the container
-- used.  to_container("/etc/cron.d/x", "/", "/host") -->
-- "/host/etc/cron.d/x"; nil when host_path is not below source.
function M.to_container(host_path, source, dest)
  host_path, source, dest = M.norm(host_path), M.norm(source), M.norm(dest)
  if not M.under(host_path, source) then return nil end
  local rest = source == "/" and host_path or host_path:sub(#source + 1)
  if dest == "/" then return rest == "" and "/" or rest end
  return rest == "/" and dest or dest .. rest
end


-- "src:dst[:opts]" from HostConfig.Binds as a mount table.
local function parse_bind(b)
  local src, dst, opts = b:match("^([^:]+):([^:]+):?(.*)$")
  if not src or src:sub(1, 1) ~= "/" then return nil end
  local ro = false
  for o in opts:gmatch("[^,]+") do ro = ro or o == "ro" end
  return { type = "bind", source = src, destination = dst, rw = not ro }
end


--- The host paths a container mounted: its mounts, and any bind string
-- the mounts lack (same destination).  Volumes and tmpfs are skipped:
-- their source is Docker's own storage, not a chosen host path.
function M.host_mounts(c)
  local out, seen = {}, {}
  for _, m in ipairs(type(c.mounts) == "table" and c.mounts or {}) do
    if type(m) == "table" and m.type == "bind"
      and type(m.source) == "string" and m.source:sub(1, 1) == "/" then
      -- a destination that is not text (hostile config) counts as /
      if type(m.destination) ~= "string" then
        m = setmetatable({ destination = "/" }, { __index = m })
      end
      out[#out + 1] = m
      seen[M.norm(m.destination)] = true
    end
  end
  for _, b in ipairs(type(c.binds) == "table" and c.binds or {}) do
    local m = type(b) == "string" and parse_bind(b)
    if m and not seen[M.norm(m.destination)] then
      out[#out + 1] = m
      seen[M.norm(m.destination)] = true
    end
  end
  return out
end


local function mode_of(m)
  return m.rw == false and "read-only" or "read-write"
end


-- The reasons one host mount gives, with their severity.
local function mount_reasons(m, out)
  local src, dst = M.norm(m.source), M.norm(m.destination or "/")
  local how = (" at %s (%s%s)"):format(dst, mode_of(m), m.link
    and ", given as the host link " .. m.link or "")
  local level = m.rw == false and "high" or "critical"
  if src == "/" then
    out[#out + 1] = { "binds the host's / " .. how:sub(2), level }
  elseif #M.cron_inside(src) > 0 then
    out[#out + 1] = { ("binds host %s%s, reaching %s"):format(src, how,
      M.places_text(M.cron_inside(src))), level }
  end
  for _, sock in ipairs(M.SOCKETS) do
    if M.under(sock, src) and src ~= "/" then
      -- a read-only bind of a socket still lets the container connect
      out[#out + 1] = { ("mounts the Docker socket (host %s%s)")
        :format(src, how), "critical" }
      break
    end
  end
end


local function cap_name(c)
  return (tostring(c):upper():gsub("^CAP_", ""))
end


-- Host devices as "host:container" strings, whatever shape they have.
local function device_names(c)
  local out = {}
  for _, d in ipairs(c.devices or {}) do
    if type(d) == "string" then
      out[#out + 1] = d
    elseif type(d) == "table" then
      out[#out + 1] = tostring(d.path_on_host or d.PathOnHost or d.host
        or "?")
    end
  end
  return out
end


--- Why a container could reach the host, with how bad each reason is:
-- list of {reason, level}, level "critical" (can write to the host) or
-- "high" (can read it, or act on its processes).
function M.assess(c)
  if type(c) ~= "table" then error("assess: container must be a table", 2) end
  local out = {}
  for _, m in ipairs(M.host_mounts(c)) do mount_reasons(m, out) end
  if c.privileged then out[#out + 1] = { "privileged", "critical" } end
  for _, cap in ipairs(c.cap_add or {}) do
    if ESCAPE_CAPS[cap_name(cap)] then
      out[#out + 1] = { "adds capability " .. cap_name(cap), "critical" }
    end
  end
  local devs = device_names(c)
  if #devs > 0 then
    out[#out + 1] = { "host devices " .. table.concat(devs, " "), "high" }
  end
  if c.pid_mode == "host" then
    out[#out + 1] = { "shares the host's pid namespace", "high" }
  end
  return out
end


--- Why a container could reach the host: a list of reasons (empty when
-- it could not).  Raises when c is not a table.
-- reasons({privileged = true}) --> {"privileged"}
function M.reasons(c)
  if type(c) ~= "table" then error("reasons: container must be a table", 2) end
  local out = {}
  for i, r in ipairs(M.assess(c)) do out[i] = r[1] end
  return out
end


-- Settings that weaken isolation without reaching the host on their
-- own: {test(c), text, level}.
local FACTORS = {
  { function(c) return c.network_mode == "host" end,
    "shares the host's network namespace", "medium" },
  { function(c) return c.ipc_mode == "host" end,
    "shares the host's IPC namespace", "medium" },
  { function(c) return c.userns_mode == "host" end,
    "runs outside the daemon's user namespace remap", "medium" },
  { function(c) return c.uts_mode == "host" end,
    "shares the host's hostname (UTS) namespace", "low" },
}

-- Capabilities that weaken isolation, with their level.
local WEAK_CAPS = { SYS_MODULE = "critical", SYS_PTRACE = "high",
  DAC_READ_SEARCH = "high", SYS_RAWIO = "high", BPF = "high",
  SYS_BOOT = "medium", NET_ADMIN = "medium", SYSLOG = "low",
  PERFMON = "medium", MAC_ADMIN = "medium" }


--- What else weakens a container's isolation: list of {text, level}
-- (capabilities, shared namespaces, disabled confinement).
function M.factors(c)
  local out = {}
  for _, f in ipairs(FACTORS) do
    if f[1](c) then out[#out + 1] = { f[2], f[3] } end
  end
  for _, cap in ipairs(c.cap_add or {}) do
    local lvl = WEAK_CAPS[cap_name(cap)]
    if lvl then
      out[#out + 1] = { "adds capability " .. cap_name(cap), lvl }
    end
  end
  for _, o in ipairs(c.security_opt or {}) do
    local s = tostring(o)
    if s:find("unconfined", 1, true) or s == "label=disable"
      or s == "label:disable" then
      out[#out + 1] = { "security option " .. s, "medium" }
    end
  end
  return out
end


--- The binds through which a container reaches cron locations: list of
-- {source, destination, rw, locations} (host root binds included).
function M.cron_binds(c)
  local out = {}
  for _, m in ipairs(M.host_mounts(c)) do
    local locs = M.cron_inside(m.source)
    if #locs > 0 then
      out[#out + 1] = { source = M.norm(m.source),
        destination = M.norm(m.destination or "/"), rw = m.rw ~= false,
        locations = locs }
    end
  end
  return out
end

return M

-- What a path means for persistence on a Linux host: cron tables, systemd
-- units and timers, shell profiles, rc scripts, ld.so.preload, ssh keys.
-- Pure rules over paths, modes and text; the playbooks walk the evidence.
--
-- Caveats:
-- - Rules are by place and name; a cron table kept elsewhere and loaded
--   by a custom cron daemon is not seen.
-- - User crontabs in home folders (~/.config) are not a standard place
--   and are not matched.
local reach = require "whiteout.reach"

local M = {}

-- Patterns over normalised paths, per kind.  Order matters: the first
-- match names the kind.
local RULES = {
  { "timer", "^/etc/systemd/system/.+%.timer$" },
  { "timer", "^/usr/lib/systemd/system/.+%.timer$" },
  { "timer", "^/lib/systemd/system/.+%.timer$" },
  { "timer", "^/run/systemd/system/.+%.timer$" },
  { "systemd", "^/etc/systemd/system/.+%.[%a]+$" },
  { "systemd", "^/etc/systemd/user/.+%.[%a]+$" },
  { "systemd", "^/usr/lib/systemd/system/.+%.[%a]+$" },
  { "systemd", "^/lib/systemd/system/.+%.[%a]+$" },
  { "systemd", "^/run/systemd/system/.+%.[%a]+$" },
  { "systemd", "/%.config/systemd/user/.+%.[%a]+$" },
  { "profile", "^/etc/profile$" },
  { "profile", "^/etc/profile%.d/[^/]+$" },
  { "profile", "^/etc/bash%.bashrc$" },
  { "profile", "^/etc/bashrc$" },
  { "profile", "^/etc/zsh/[^/]+$" },
  { "profile", "^/etc/zshrc$" },
  { "profile", "^/etc/environment$" },
  { "profile", "/%.bashrc$" }, { "profile", "/%.profile$" },
  { "profile", "/%.bash_profile$" }, { "profile", "/%.bash_login$" },
  { "profile", "/%.bash_logout$" }, { "profile", "/%.zshrc$" },
  { "profile", "/%.zprofile$" },
  { "rc", "^/etc/rc%.local$" },
  { "rc", "^/etc/rc%.d/rc%.local$" },
  { "rc", "^/etc/init%.d/[^/]+$" },
  { "rc", "^/etc/local%.d/[^/]+$" },
  { "preload", "^/etc/ld%.so%.preload$" },
  { "ssh", "/authorized_keys2?$" },
  -- authorized_keys.bak, authorized_keys~: sshd reads no such file
  -- (AuthorizedKeysFile names exact files), but a copy says someone
  -- handled the keys, so it is kept, as a lesser kind.
  { "ssh-copy", "/authorized_keys2?[^/]+$" },
  { "ssh", "^/etc/ssh/sshd_config$" },
  { "ssh", "^/etc/ssh/sshd_config%.d/[^/]+$" },
}

-- Places the persistence walk visits on a host file system (the cron
-- locations come from reach.CRON).
M.HOST_PLACES = { "/etc/systemd/system", "/etc/systemd/user",
  "/etc/profile", "/etc/profile.d", "/etc/bash.bashrc", "/etc/bashrc",
  "/etc/zsh", "/etc/zshrc", "/etc/environment", "/etc/rc.local",
  "/etc/rc.d/rc.local", "/etc/init.d", "/etc/local.d", "/etc/ld.so.preload",
  "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/root/.ssh",
  "/root/.bashrc", "/root/.profile", "/root/.bash_profile" }


--- True when a path (as a container or host sees it) is a cron table or
-- job: reach.CRON's files, direct children of its dirs, anything below
-- its deep dirs.  is_cron("/etc/cron.d/x") --> true
function M.is_cron(p)
  p = reach.norm(p)
  for _, loc in ipairs(reach.CRON) do
    if loc.file then
      if p == loc.path then return true end
    elseif loc.deep then
      if reach.under(p, loc.path) and p ~= loc.path then return true end
    elseif p:sub(1, #loc.path + 1) == loc.path .. "/"
      and not p:find("/", #loc.path + 2, true) then
      return true
    end
  end
  return false
end


--- The persistence kind of a path: "cron", "timer", "systemd",
-- "profile", "rc", "preload", "ssh", "ssh-copy" (a copy of an
-- authorized_keys file, such as authorized_keys.bak: not read by sshd,
-- so low severity), or nil.
-- kind("/etc/systemd/system/x.timer") --> "timer"
function M.kind(p)
  p = reach.norm(p)
  if M.is_cron(p) then return "cron" end
  for _, r in ipairs(RULES) do
    if p:find(r[2]) then return r[1] end
  end
  return nil
end


--- True for cron writes as root-mounts-cron counts them: cron tables and
-- systemd timers.
function M.is_schedule(p)
  local k = M.kind(p)
  return k == "cron" or k == "timer"
end


--- True when a mode has the setuid or setgid bit.
function M.is_setid(mode)
  return type(mode) == "number" and mode & 0xc00 ~= 0
end


-- Words in a log line that say it touched cron: the cron files and
-- commands, not just any "spool" (mail spools are not cron).
local LOG_WORDS = { "crontab", "cron%.d", "cron%.hourly", "cron%.daily",
  "cron%.weekly", "cron%.monthly", "spool/cron", "anacron",
  "/etc/periodic", "crond", "%.timer%f[%W]", "systemctl%s+enable" }


--- True when a log line touches cron.  Raises on a non-string.
-- log_touches_cron("echo x > /etc/cron.d/a") --> true
function M.log_touches_cron(line)
  if type(line) ~= "string" then
    error("log_touches_cron: line must be a string", 2)
  end
  local l = line:lower()
  for _, w in ipairs(LOG_WORDS) do
    if l:find(w) then return true end
  end
  return false
end


-- Bytes outside printable ASCII and UTF-8 as \xNN, so a report stays text.
local function printable(s)
  local out = {}
  for _, c in utf8.codes(s, true) do
    if (c < 32 and c ~= 10 and c ~= 9) or c == 127 then
      out[#out + 1] = ("\\x%02x"):format(c)
    else
      out[#out + 1] = utf8.char(c)
    end
  end
  return table.concat(out)
end


--- The text of a short file for a report: at most max bytes (default
-- 4096), control bytes escaped, "[...]" when cut.  Invalid UTF-8 is
-- escaped byte by byte.
function M.content(text, max)
  if type(text) ~= "string" then return nil end
  max = max or 4096
  local cut = #text > max
  if cut then text = text:sub(1, max) end
  local ok, s = pcall(printable, text)
  if not ok then
    s = text:gsub("[^\t\n\32-\126]", function(c)
      return ("\\x%02x"):format(c:byte())
    end)
  end
  return cut and s .. "[...]" or s
end

return M

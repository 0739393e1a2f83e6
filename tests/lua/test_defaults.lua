-- Playbooks that share a choice make it the same way: show everything
-- relevant by default (and flag what fell in a container's life).
local t = require "testlib"
local runner = require "whiteout.runner"

-- The default of one argument of a playbook.
local function default(pb_name, arg)
  local pb = runner.load(assert(runner.find(pb_name)))
  for _, a in ipairs(pb.args or {}) do
    if a.name == arg then return a.default, a.help end
  end
  return nil
end

t.eq("host: root-mounts-cron", default("root-mounts-cron", "host"), "all")
t.eq("host: persistence", default("persistence", "host"), "all")
t.eq("orphans: deleted", default("deleted", "orphans"), "yes")
t.eq("orphans: recover", default("recover", "orphans"), "yes")
local _, help = default("persistence", "host")
t.ok("host help says what is flagged", help:find("in_lifetime", 1, true),
  help)
_, help = default("root-mounts-cron", "host")
t.ok("cron host help says what is flagged", help:find("in_lifetime", 1,
  true), help)

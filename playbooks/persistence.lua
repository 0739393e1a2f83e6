-- Playbook: persistence planted by containers, in their own layers and on
-- the host through their binds.
local findings = require "whiteout.findings"
local report = require "whiteout.report"


local function run(ev, args, emit)
  local slack = math.floor((tonumber(args.slack) or 1) * 1e9)
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      local list = {}
      for _, r in ipairs(findings.persistence(e.root, e.c, slack)) do
        if not (r.where == "host" and args.host == "lifetime"
                and not r.in_lifetime) then
          list[#list + 1] = r
        end
      end
      local rec = #list > 0 and findings.reach_record(e.root, e.c)
      if rec then emit(rec) end
      for _, r in ipairs(report.order_writes(list)) do emit(r) end
    end
  end
end


return {
  description = [[
Lists what containers planted to survive a restart or to come back:
cron tables and jobs, systemd units and timers, shell profiles
(/etc/profile, profile.d, .bashrc, ...), rc.local and init scripts,
/etc/ld.so.preload, ssh authorized_keys and sshd configuration, and new
setuid or setgid files. Looks in each container's own rw layer (files it
added or changed, where "layer"; whiteouts, where "deleted") and, when
the evidence holds the host's file system, in those places on the host
under each bind (where "host", with host_path and the path the container
used, in_lifetime when a time falls inside the container's life). Records
of kind "persistence" with `what` (cron, timer, systemd, profile, rc,
preload, ssh, setuid), and a "reach" record for each container that
could reach the host and has findings.]],
  categories = { "safe", "investigation" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "host", default = "lifetime", choices = { "lifetime", "all" },
      help = "host files under a bind: only those changed while the "
        .. "container lived, or all of them" },
    { name = "slack", default = "1",
      help = "seconds added on each side of a container's life" },
  },
  usage = [[
whiteout run persistence -e /mnt/host
whiteout run persistence -e /mnt/host --arg host=all --format jsonl]],
  sample = [[
SAMPLE]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = function(recs, write) report.cron_text(recs, write, "what") end,
}

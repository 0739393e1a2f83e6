-- Playbook: every container's reach to the host with a risk summary, for
-- triage of a whole host.
local findings = require "whiteout.findings"
local report = require "whiteout.report"
local output = require "whiteout.output"

local COLUMNS = { "risk", "name", "container", "state", "image", "summary" }


local function run(ev, args, emit)
  local recs = {}
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      local r = findings.escape_record(e.root, e.c)
      if args.min ~= "reach" or r.reach then recs[#recs + 1] = r end
    end
  end
  table.sort(recs, findings.by_risk)
  for _, r in ipairs(recs) do emit(r) end
end


return {
  description = [[
Rates every container's reach to the host, worst first. The reasons are
those of root-mounts-cron (binds of the host's / or of folders holding
cron places, read-only ones said so; privileged; CAP_SYS_ADMIN or ALL;
host devices; the host's pid namespace; the Docker socket), each rated
critical (can write to the host) or high (can read it or act on its
processes). Other settings that weaken isolation are listed as factors:
shared network, IPC, UTS or cgroup namespaces, no user namespace remap,
capabilities such as SYS_MODULE, SYS_PTRACE or DAC_READ_SEARCH, and
unconfined seccomp, AppArmor or SELinux. One record of kind "escape" per
container: risk (critical, high, medium, low, none), reach (true when a
reason holds), reasons, factors and a one-line summary.]],
  categories = { "safe", "investigation" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "min", default = "all", choices = { "all", "reach" },
      help = "all: every container; reach: only those that reach the host" },
  },
  usage = [[
whiteout run escape -e /mnt/host
whiteout run escape -e ./var-lib-docker --arg min=reach --format json]],
  sample = report.unwrap [[
$ whiteout run escape -e build/sample-host
RISK      NAME        CONTAINER     STATE    IMAGE               SUMMARY
critical  intruder    55819102b216  exited   sample/busybox:1.0  can reach the \
host: binds the host's / at /host (read-write); privileged; adds capability SYS\
_ADMIN
high      etc-reader  736ed6a1b647  exited   sample/busybox:1.0  can reach the \
host: binds host /etc at /host-etc (read-only), reaching /etc/crontab /etc/anac\
rontab /etc/cr...
none      cron-only   dfca8be5c60b  exited   sample/busybox:1.0  no reach to th\
e host found
none      quiet       8a35c211434b  exited   sample/busybox:1.0  no reach to th\
e host found
none      shipper     c48d1bd9ad8d  exited   sample/busybox:1.0  no reach to th\
e host found
none      web         3edafbdfe8db  running  sample/app:2.0      no reach to th\
e host found
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = function(recs, write)
    output.table(write, recs, COLUMNS, 110)
  end,
}

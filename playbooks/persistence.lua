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
  sample = report.unwrap [[
$ whiteout run persistence -e host
layer-cron (a690993a739f)
  reach: none (listed for its own layer or logs)
  WHERE    WHAT    PATH                        FROM          INUM      SIZE  TI\
ME                      LIFE  SHA256
  layer    cron    /etc/cron.d/job             c1c6076f6c0e  10995539  58    20\
25-06-01 11:00:03.000Z  yes   619418be28479cda
  layer    ssh     /root/.ssh/authorized_keys  c1c6076f6c0e  10995540  56    20\
25-06-01 11:00:03.000Z  yes   fcbdd23e4f7d41af
  layer    setuid  /usr/local/bin/tick         c1c6076f6c0e  10995541  12    20\
25-06-01 11:00:03.000Z  yes   1b577383bcfb9f19
  deleted  cron    /etc/cron.daily/old         c1c6076f6c0e  10995544        20\
25-06-01 11:00:04.000Z  yes   -
  --- /etc/cron.d/job  sha256 619418be28479cda510149013321da82d1f9f1df9f9398565\
35044a48a1b4b79
    */5 * * * * root /usr/local/bin/tick # FIXTURE-LAYER-CRON
  --- /root/.ssh/authorized_keys  sha256 fcbdd23e4f7d41af786ff497ebdfe9c108b5d2\
8beb657f42c2287326e4be2978
    ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFIXTURE attacker@x
  --- /usr/local/bin/tick  sha256 1b577383bcfb9f191c785497f4ac34a8fb546807bd109\
4ef65d0ce9a5a63423e
    #!/bin/true

etc-binder (329cf4569742) exited, created 2025-06-01 10:00:00.000Z
  reach: binds host /etc at /hostetc (read-write), reaching /etc/crontab /etc/a\
nacrontab /etc/cron.d and 7 more cron places
  WHERE  WHAT  PATH                     FROM                 INUM      SIZE  TI\
ME                      LIFE  SHA256
  host   cron  /hostetc/cron.d/planted  /etc/cron.d/planted  10995480  43    20\
25-06-01 10:00:02.000Z  yes   10e56e8127fe86ff
  --- /hostetc/cron.d/planted  sha256 10e56e8127fe86ff6ec59792a69541d237337cd0d\
28e1e6992ab2cc1e6632105
    * * * * * root /tmp/.p # FIXTURE-HOST-CRON
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = function(recs, write) report.cron_text(recs, write, "what") end,
}

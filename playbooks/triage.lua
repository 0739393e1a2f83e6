-- Playbook: runs the safe investigations and writes one report a
-- responder can hand over, with a summary first.
local report = require "whiteout.report"
local triage = require "whiteout.triage"

return {
  description = [[
Runs escape, root-mounts-cron, persistence, secrets and timeline over the
evidence and makes one report of them, a summary first: how many data
roots and containers, whether the host's file system is in the evidence,
which containers could reach the host and how, what they wrote to cron
and other persistence places (on the host, in their layers), and the
secrets found. Every record of the five playbooks follows, with
`section` naming the playbook it came from. With --arg out=DIR the
report goes to DIR/report.txt (text, secrets masked) and DIR/report.json
(all records, secrets whole), and the run prints the summary and the two
files with their sha256; DIR must not lie inside the evidence. Without
out, the report is printed.]],
  categories = { "writes", "investigation", "report" },
  args = {
    { name = "out", help = "folder to write report.txt and report.json "
      .. "to (created; never inside the evidence); default: print" },
    { name = "timeline", default = "yes", choices = { "yes", "no" },
      help = "include the timeline section" },
  },
  usage = [[
whiteout run triage -e /mnt/host --arg out=case-42
whiteout run triage -e ./var-lib-docker --arg timeline=no]],
  sample = report.unwrap [[
$ whiteout run triage -e host --arg out=case-1 --arg timeline=no
whiteout triage of host (2026-12-03T17:49:28Z)
1 data roots, 4 containers, host file system in the evidence; 2 could reach the\
 host: etc-binder, spool-ro
4 cron findings, 5 persistence findings, 3 possible secrets, 0 timeline events
  - etc-binder (329cf4569742) can reach the host [critical]: binds host /etc at\
 /hostetc (read-write), reaching /etc/crontab /etc/anacrontab /etc/cron.d and 7\
 more cron places
  - spool-ro (f74710247bf4) can reach the host [high]: binds host /var/spool/cr\
on at /spool (read-only), reaching /var/spool/cron
  - etc-binder wrote /hostetc/cron.d/planted on the host while it lived (host /\
etc/cron.d/planted, inode 10995480, sha256 10e56e8127fe86ff)
  - layer-cron: ssh /root/.ssh/authorized_keys (layer)
  - layer-cron: setuid /usr/local/bin/tick (layer)
  - web: possible secrets in env AWS_ACCESS_KEY_ID, env DB_PASSWORD
  - layer-cron: possible secrets in file /app/.env
  wrote /tmp/case-1/report.txt (5158 bytes, sha256 03faedf17728e19a6ac51f894391\
5816df2e9f3b578aa638068a382fa16e46b0)
  wrote /tmp/case-1/report.json (12259 bytes, sha256 0f327d6e9ecc27123515cda279\
3201c67594c7aeafeb591a1ccf43d28aeb1159)
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = triage.run,
  text = triage.text,
}

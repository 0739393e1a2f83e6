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
secrets found. On a disk image it also runs deleted and removed: the
summary counts deleted files and removed containers, and names each
removed container (those the builder ran for build steps on one line).
Every record of the playbooks follows, with
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
$ whiteout run triage -e build/sample-host --arg out=case-1 --arg timeline=no
whiteout triage of build/sample-host (2026-12-03T18:33:10Z)
1 data roots, 6 containers, host file system in the evidence; 2 could reach the\
 host: intruder, etc-reader
5 cron findings, 3 persistence findings, 1 possible secrets, 0 timeline events
  - intruder (55819102b216) can reach the host [critical]: binds the host's / a\
t /host (read-write); privileged; adds capability SYS_ADMIN
  - etc-reader (736ed6a1b647) can reach the host [high]: binds host /etc at /ho\
st-etc (read-only), reaching /etc/crontab /etc/anacrontab /etc/cron.d and 7 mor\
e cron places
  - intruder wrote /host/etc/cron.d/sample on the host while it lived (host /et\
c/cron.d/sample, inode 11054525, sha256 60f97c7b5bf55c5f)
  - intruder has cron file /etc/crontabs/root in its own layer 73f5bdf65a49
  - cron-only: cron /etc/cron.d/backup (layer)
  - web: possible secrets in env DB_PASSWORD
  wrote case-1/report.txt (5072 bytes, sha256 027341ec16ef7d7247d8e3f9871fd91a6\
58203f9e102419dced87fc166df1207)
  wrote case-1/report.json (11719 bytes, sha256 cbb6d90b87a6d1908678ef49c22fbbb\
8c64af16cb5d85843298c3a1214c4568a)
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = triage.run,
  text = triage.text,
}

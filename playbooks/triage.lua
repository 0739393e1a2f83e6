-- Playbook: runs the safe investigations and writes one report a
-- responder can hand over, with a summary first.
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
  sample = [[
SAMPLE]],
  applies = function(ev) return #ev.roots > 0 end,
  run = triage.run,
  text = triage.text,
}

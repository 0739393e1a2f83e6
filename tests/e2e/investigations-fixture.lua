-- Checks the investigation playbooks on tests/fixtures/make-flagship's
-- host folder (args: the folder, the uid that built it).
local t = require "testlib"
local inv = require "invlib"
local _, argv = ...
local host, uid = argv[1], argv[2]
local root = host .. "/var/lib/docker"
local as_root = uid == "0"

-- root-mounts-cron on the host folder: the /etc binder and the read-only
-- spool binder reach the host; the layer-only writer does not
local recs, warns = inv.run("root-mounts-cron", { host })
t.eq("reach: who", inv.names(recs, "reach"), { "etc-binder", "spool-ro" })
local r = inv.where(recs, "reach")
t.eq("reach: read-only said so", r[1].reasons,
  { "binds host /var/spool/cron at /spool (read-only), reaching "
    .. "/var/spool/cron" })
t.eq("cron writes: host folder", inv.writes(recs), {
  "etc-binder host /hostetc/cron.d/e2scrub_all -",
  "etc-binder host /hostetc/cron.d/planted life",
  "etc-binder host /hostetc/crontab -",
  "etc-binder log installed /hostetc/cron.d/planted life" })
t.eq("no warning with the host", warns, {})
local planted
for _, w in ipairs(inv.where(recs, "cron-write")) do
  if w.path == "/hostetc/cron.d/planted" then planted = w end
end
local want_sum = io.popen("sha256sum " .. host .. "/etc/cron.d/planted")
  :read("l"):match("^%x+")
local want_inum = io.popen("stat -c %i " .. host .. "/etc/cron.d/planted")
  :read("n")
t.eq("planted: provenance", { planted.host_path, planted.sha256,
  planted.inum, planted.size, planted.mtime, planted.content, planted.bind,
  planted.source },
  { "/etc/cron.d/planted", want_sum, want_inum, 43,
    "2025-06-01T10:00:02.000000000Z",
    "* * * * * root /tmp/.p # FIXTURE-HOST-CRON\n", "/etc:/hostetc",
    host .. "/etc/cron.d/planted" })

-- only what changed in a container's life
recs = inv.run("root-mounts-cron", { host }, { host = "lifetime" })
t.eq("host=lifetime", inv.writes(recs), {
  "etc-binder host /hostetc/cron.d/planted life",
  "etc-binder log installed /hostetc/cron.d/planted life" })

-- every container: the layer-only writer appears, with its own file
recs = inv.run("root-mounts-cron", { host }, { containers = "all",
  container = "layer-cron" })
local want = { "layer-cron layer /etc/cron.d/job life",
  "layer-cron log crontab: installing job life" }
if as_root then
  table.insert(want, 1, "layer-cron deleted /etc/cron.daily/old life")
else
  t.skip("whiteout in a layer", "not root: the fixture has no 0/0 device")
end
t.eq("layer-only writer, when asked", inv.writes(recs), want)
t.eq("layer-only writer has no reach", inv.names(recs, "reach"), {})

-- the data root alone: the host part is a note and a warning
recs, warns = inv.run("root-mounts-cron", { root })
t.eq("data root: writes", inv.writes(recs), {
  "etc-binder log installed /hostetc/cron.d/planted life" })
local notes = inv.where(recs, "note")
t.eq("data root: notes", inv.names(recs, "note"), { "etc-binder",
  "spool-ro" })
t.ok("data root: note says so", notes[1].text:find(
  "host's file system is not in the evidence", 1, true), notes[1].text)
t.ok("data root: warning says so", warns[1] and warns[1]:find(
  "host's file system is not in it", 1, true), warns[1])

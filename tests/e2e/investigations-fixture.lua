-- Checks the investigation playbooks on tests/fixtures/make-flagship's
-- host folder (args: the folder, the uid that built it).
local t = require "testlib"
local inv = require "invlib"
local _, argv = ...
local host, uid, image = argv[1], argv[2], argv[3]
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
  "etc-binder host /hostetc/cron.d/link life",
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

local link
for _, w in ipairs(inv.where(recs, "cron-write")) do
  if w.path == "/hostetc/cron.d/link" then link = w end
end
t.eq("a link out of the evidence: named, never read", { link.type,
  link.target, link.content, link.sha256 },
  { "symlink", "../../../../../../../../etc/passwd", nil, nil })

-- only what changed in a container's life
recs = inv.run("root-mounts-cron", { host }, { host = "lifetime" })
t.eq("host=lifetime", inv.writes(recs), {
  "etc-binder host /hostetc/cron.d/link life",
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

-- escape: the same selection, rated; the others rated none
recs = inv.run("escape", { host })
local esc = {}
for _, e in ipairs(recs) do
  esc[#esc + 1] = ("%s %s %s"):format(e.name, e.risk, tostring(e.reach))
end
t.eq("escape: ratings", esc, { "etc-binder critical true",
  "spool-ro high true", "layer-cron none false", "web none false" })
recs = inv.run("escape", { host }, { min = "reach" })
t.eq("escape agrees with root-mounts-cron", inv.names(recs, "escape"),
  { "etc-binder", "spool-ro" })

-- persistence: the layer-only writer's cron, ssh key and setuid file,
-- and the /etc binder's planted host file (only it: in its lifetime)
recs = inv.run("persistence", { host }, { host = "lifetime" })
local got = {}
for _, r in ipairs(inv.where(recs, "persistence")) do
  got[#got + 1] = ("%s %s %s %s"):format(r.name, r.where, r.what, r.path)
end
table.sort(got)
local want_p = { "etc-binder host cron /hostetc/cron.d/link",
  "etc-binder host cron /hostetc/cron.d/planted",
  "layer-cron layer cron /etc/cron.d/job",
  "layer-cron layer setuid /usr/local/bin/tick",
  "layer-cron layer ssh /root/.ssh/authorized_keys" }
if as_root then
  table.insert(want_p, 3, "layer-cron deleted cron /etc/cron.daily/old")
end
t.eq("persistence: findings", got, want_p)
t.eq("persistence: reach only for the binder", inv.names(recs, "reach"),
  { "etc-binder" })

-- secrets: by name and by shape, whole in the records
recs = inv.run("secrets", { host })
got = {}
for _, r in ipairs(recs) do
  got[#got + 1] = ("%s %s %s %s %s"):format(r.name, r.where, r.key,
    table.concat(r.rules, ","), r.value)
end
table.sort(got)
t.eq("secrets: findings", got, {
  "layer-cron file /app/.env:1 name,high-entropy "
    .. "API_TOKEN=Zq8vL2mN5xR7tY1wK9pB3cD6",
  "web env AWS_ACCESS_KEY_ID name,aws-access-key-id AKIAFIXTUREEXAMPLE01",
  "web env DB_PASSWORD name Hunter2-FIXTURE" })

-- timeline: ordered, with the host file planted in the binder's life
recs = inv.run("timeline", { host }, { logs = "no" })
local tl = {}
for _, r in ipairs(recs) do
  if r.name == "etc-binder" then
    tl[#tl + 1] = r.time .. " " .. r.what .. " " .. (r.path or "")
  end
end
t.eq("timeline: the binder's events", tl, {
  "2025-06-01T10:00:00.000000000Z container-created ",
  "2025-06-01T10:00:01.000000000Z container-started ",
  "2025-06-01T10:00:02.000000000Z host-file /hostetc/cron.d/planted",
  "2025-06-01T10:00:04.000000000Z host-file /hostetc/cron.d/link",
  "2025-06-01T10:00:05.000000000Z container-finished " })

-- triage: summary first, written outside the evidence, never inside
local out = host .. "-report"
recs = inv.run("triage", { host }, { out = out, timeline = "no" })
t.eq("triage: summary then files", { recs[1].kind, recs[2].kind,
  recs[3].kind, #recs }, { "summary", "report-file", "report-file", 3 })
t.eq("triage: reach in summary", recs[1].reach, { "etc-binder", "spool-ro" })
local f = io.open(out .. "/report.txt")
local head = f and f:read("l")
if f then f:close() end
t.ok("triage: report.txt starts with the summary",
  head and head:find("^whiteout triage of"), head)
local okw = pcall(inv.run, "triage", { host }, { out = host .. "/etc/x" })
t.eq("triage refuses to write into the evidence", { okw,
  (io.open(host .. "/etc/x")) }, { false, nil })

-- the host as an ext4 image: a cron file the binder planted and that was
-- deleted again is found by its name in the directory block, with what
-- its freed inode still holds
if image and image ~= "" then
  recs = inv.run("root-mounts-cron", { image }, { host = "lifetime" })
  t.eq("image: cron writes", inv.writes(recs), {
    "etc-binder deleted /hostetc/cron.d/gone life",
    "etc-binder host /hostetc/cron.d/link life",
    "etc-binder host /hostetc/cron.d/planted life",
    "etc-binder log installed /hostetc/cron.d/planted life" })
  local gone
  for _, w in ipairs(inv.where(recs, "cron-write")) do
    if w.where == "deleted" then gone = w end
  end
  local text = "* * * * * root /tmp/.q # FIXTURE-GONE-CRON\n"
  local tf = os.tmpname()
  local fh = io.open(tf, "w") fh:write(text) fh:close()
  local sum = io.popen("sha256sum " .. tf):read("l"):match("^%x+")
  os.remove(tf)
  t.eq("image: the deleted plant", { gone.host_path, gone.found_in,
    gone.mtime, gone.size, gone.content, gone.sha256, gone.source },
    { "/etc/cron.d/gone", "directory", "2025-06-01T10:00:03.000000000Z",
      43, text, sum, image .. ":/etc/cron.d/gone" })
end

-- what the command line prints: secrets masked in text, whole in json;
-- a bodyfile line per event with eleven fields
local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("a")
  p:close()
  return out
end
local text = sh("./whiteout run secrets -e " .. host .. " 2>/dev/null")
t.ok("secrets text: masked", text:find("Hun**********RE", 1, true)
  and not text:find("Hunter2-FIXTURE", 1, true), text)
local json = sh("./whiteout run secrets -e " .. host
  .. " --format json 2>/dev/null")
t.ok("secrets json: whole", json:find('"value":"Hunter2-FIXTURE"', 1, true),
  json)
local body = sh("./whiteout run timeline -e " .. host
  .. " --arg container=layer-cron --arg logs=no --format bodyfile")
local line = body:match("[^\n]*/etc/cron%.d/job[^\n]*")
local fields = {}
for f in ((line or "") .. "|"):gmatch("([^|]*)|") do
  fields[#fields + 1] = f
end
t.eq("bodyfile: a layer file", { #fields, fields[2], fields[4], fields[7],
  fields[9] }, { 11, "layer-cron:/etc/cron.d/job", "-rw-r--r--", "58",
  "1748775603" })

-- On the dockerd-ext4 host image: triage counts and tells deleted files
-- and removed containers, the timeline has deletion times and the
-- removed tempjob's life, secrets has tempjob's recovered environment.
-- args: HOST_IMAGE
local t = require "testlib"
local inv = require "invlib"
local _, argv = ...
local img = argv[1]
local TEMPJOB =
  "f948ace553b3a6669b9f5566fe9cc48af104d5a7e6f21976302a03e85c76ef16"

local s = inv.where(inv.run("triage", { img }, { timeline = "no" }),
  "summary")[1]
t.eq("triage: counts", { s.deleted, s.removed }, { 45, 8 })
local text = table.concat(s.highlights, "\n")
t.ok("triage: tempjob told", text:find("removed container tempjob "
  .. "(f948ace553b3) from dfx/busybox:1.35", 1, true), text)
t.ok("triage: build containers on one line", text:find("7 removed "
  .. "containers ran an image's build steps", 1, true), text)
t.ok("triage: deleted files", text:find("45 deleted files found (18 "
  .. "with content back), in opaque-run, fruit-basket", 1, true), text)
t.ok("triage: removed env secret", text:find("tempjob: possible secrets "
  .. "in removed-env EXFIL_TOKEN", 1, true), text)

local recs = inv.run("timeline", { img })
local life, durian = {}, nil
for _, r in ipairs(recs) do
  if r.container == TEMPJOB then life[#life + 1] = r.what .. " " .. r.time end
  if r.what == "deleted" and r.path and r.path:find("/diff/fruit/durian$")
  then
    durian = r
  end
end
t.eq("timeline: tempjob's life", life, {
  "container-created 2026-12-03T16:07:41.167376892Z",
  "log 2026-12-03T16:07:41.417902578Z",
  "log 2026-12-03T16:07:41.418627065Z",
  "container-removed 2026-12-03T16:07:43.548117180Z" })
t.eq("timeline: durian deleted at its dtime", durian and { durian.time,
  durian.time_from, durian.inum, durian.name, durian.sha256 }, {
  "2026-12-03T16:07:49.000000000Z", "dtime", 578, "fruit-basket",
  "afdeea52f685209d00b4f001ee0eefbc578bb78dddaed8dd2bd5e3fa53630bbe" })

-- the file system's own times of the data root, as fls -r lists them
local fsn, cfg = 0, nil
for _, r in ipairs(recs) do
  if r.what == "fs" then
    fsn = fsn + 1
    if r.path == "/var/lib/docker/containers/32ba05ba65a1803063203e371bd3"
      .. "bb1a221ea75265d278ffd7c8925a4ee711b0/config.v2.json" then
      cfg = r
    end
  end
end
t.eq("timeline: every entry of the data root", fsn, 748)
t.eq("timeline: fruit-basket's config as fls shows it", cfg and
  { cfg.inum, cfg.size, cfg.type }, { 443, 2580, "file" })

local sec
for _, r in ipairs(inv.run("secrets", { img })) do
  if r.where == "removed-env" then sec = r end
end
t.eq("secrets: tempjob's env", sec and { sec.name, sec.container,
  sec.key, sec.value, sec.journal_seq, sec.removed }, { "tempjob",
  TEMPJOB, "EXFIL_TOKEN", "tok_DFX_FAKE_9f8e7d6c5b4a", 312, true })

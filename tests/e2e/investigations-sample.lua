-- Checks root-mounts-cron and persistence on make-sample's data root and
-- host (args: the data root, the host folder).
local t = require "testlib"
local inv = require "invlib"
local _, argv = ...
local root, host = argv[1], argv[2]

-- with the host: the planted file in the intruder's life; the /etc
-- reader sees the same file, but not in its life; cron-only is left out
local recs = inv.run("root-mounts-cron", { host })
t.eq("sample host: reach", inv.names(recs, "reach"),
  { "etc-reader", "intruder" })
t.eq("sample host: cron writes", inv.writes(recs), {
  "etc-reader host /host-etc/cron.d/sample -",
  "etc-reader host /host-etc/crontab -",
  "intruder host /host/etc/cron.d/sample life",
  "intruder host /host/etc/crontab -",
  "intruder layer /etc/crontabs/root life" })
local reasons = {}
for _, r in ipairs(inv.where(recs, "reach")) do
  reasons[r.name] = table.concat(r.reasons, "; ")
end
t.eq("sample: the /etc reader's reason", reasons["etc-reader"],
  "binds host /etc at /host-etc (read-only), reaching /etc/crontab "
    .. "/etc/anacrontab /etc/cron.d and 7 more cron places")

-- the data root alone: the layer file, and notes for both binders
recs = inv.run("root-mounts-cron", { root })
t.eq("sample root: cron writes", inv.writes(recs),
  { "intruder layer /etc/crontabs/root life" })
t.eq("sample root: notes", inv.names(recs, "note"),
  { "etc-reader", "intruder" })

-- cron-only appears when every container is asked for, and in
-- persistence, with no reach
recs = inv.run("root-mounts-cron", { host }, { containers = "all" })
t.eq("sample all: cron-only's own layer", inv.writes(recs), {
  "cron-only layer /etc/cron.d/backup life",
  "etc-reader host /host-etc/cron.d/sample -",
  "etc-reader host /host-etc/crontab -",
  "intruder host /host/etc/cron.d/sample life",
  "intruder host /host/etc/crontab -",
  "intruder layer /etc/crontabs/root life" })
-- persistence with host=lifetime: host files in a container's life only
local function pers(given)
  local recs = inv.run("persistence", { host }, given)
  local got = {}
  for _, r in ipairs(inv.where(recs, "persistence")) do
    got[#got + 1] = ("%s %s %s %s"):format(r.name, r.where, r.path,
      r.in_lifetime and "life" or "-")
  end
  table.sort(got)
  return got, recs
end
local got
got, recs = pers({ host = "lifetime" })
t.eq("sample persistence", got, {
  "cron-only layer /etc/cron.d/backup life",
  "intruder host /host/etc/cron.d/sample life",
  "intruder layer /etc/crontabs/root life" })
t.eq("sample persistence: reach", inv.names(recs, "reach"), { "intruder" })
-- by default every host file under a bind, as root-mounts-cron shows
-- them, those of the container's life flagged
got, recs = pers()
t.eq("sample persistence: default host=all", got, {
  "cron-only layer /etc/cron.d/backup life",
  "etc-reader host /host-etc/cron.d/sample -",
  "etc-reader host /host-etc/crontab -",
  "intruder host /host/etc/cron.d/sample life",
  "intruder host /host/etc/crontab -",
  "intruder layer /etc/crontabs/root life" })
t.eq("sample persistence: default reach", inv.names(recs, "reach"),
  { "etc-reader", "intruder" })

-- A container whose config.v2.json is truncated still counts: its
-- hostconfig.json gives its reach and its rw layer its cron files; with
-- hostconfig.json gone too, its reach is said to be unknown.
-- args: SAMPLE_DATA_ROOT [REAL_DATA_ROOT]
local t = require "testlib"
local inv = require "invlib"
local hash = require "whiteout.hash"
local _, argv = ...

-- A copy of root with sh run in it.
local function broken(root, tag, sh)
  local d = t.tmp("damaged-" .. tag)
  assert(os.execute(("cp -a %s/. %s && cd %s && %s"):format(root, d, d, sh)))
  return d
end


local function one(recs, kind, id)
  for _, r in ipairs(inv.where(recs, kind)) do
    if r.container == id then return r end
  end
  return nil
end


-- Checks every investigation on root with id's config cut to 500 bytes.
-- layer_cron: the cron paths in its rw layer.
-- reaching: how many containers reach the host; log_lines: its log's.
local function check(label, root, id, reasons, layer_cron, reaching,
    log_lines)
  local d = broken(root, label, "truncate -s 500 containers/" .. id
    .. "/config.v2.json")
  local recs, warns = inv.run("escape", { d })
  local e = one(recs, "escape", id)
  t.ok(label .. ": escape lists it", e ~= nil)
  t.eq(label .. ": escape reasons", e and e.reasons, reasons)
  t.eq(label .. ": escape risk", e and e.risk, "critical")
  t.ok(label .. ": damaged named", e and e.damaged and
    e.damaged[1]:find("^config%.v2%.json: truncated") ~= nil)
  t.eq(label .. ": one warning names the file", #warns >= 1 and
    warns[1]:find(d .. "/containers/" .. id .. "/config.v2.json", 1, true)
    ~= nil, true)
  recs = inv.run("root-mounts-cron", { d })
  t.eq(label .. ": cron reach", (one(recs, "reach", id) or {}).reasons,
    reasons)
  local got = {}
  for _, w in ipairs(inv.where(recs, "cron-write")) do
    if w.container == id and w.where == "layer" then got[#got + 1] = w.path end
  end
  table.sort(got)
  t.eq(label .. ": layer cron writes", got, layer_cron)
  -- the model's record: what the other files say, and what is damaged
  recs = inv.run("containers", { d })
  local c = one(recs, "container", id) or
    (function() for _, r in ipairs(recs) do
      if r.id == id then return r end end end)()
  t.eq(label .. ": model record", c and { c.state, c.name, c.privileged,
    c.binds[1], c.layers[1].role, #c.damaged }, { "unknown", nil, true,
    "/:/host", "rw", 1 })
  local logs = 0
  for _, r in ipairs(inv.run("logs", { d })) do
    if r.container == id then logs = logs + 1 end
  end
  t.eq(label .. ": logs kept", logs, log_lines)
  recs = inv.run("persistence", { d })
  t.ok(label .. ": persistence keeps it",
    one(recs, "persistence", id) ~= nil)
  recs = inv.run("triage", { d })
  local s = inv.where(recs, "summary")[1]
  t.eq(label .. ": triage reach", s and #s.reach, reaching)
  -- hostconfig.json gone as well: reach unknown, said plainly
  local d2 = broken(d, label .. "-nohc", "rm containers/" .. id
    .. "/hostconfig.json")
  recs = inv.run("escape", { d2 })
  e = one(recs, "escape", id)
  t.eq(label .. ": no hostconfig: summary", e and e.summary,
    "reach unknown: hostconfig.json missing")
  t.eq(label .. ": no hostconfig: risk", e and e.risk, "unknown")
  recs = inv.run("root-mounts-cron", { d2 })
  t.eq(label .. ": no hostconfig: reach", (one(recs, "reach", id) or {})
    .reasons, { "reach unknown: hostconfig.json missing" })
end

check("sample", argv[1], hash.sha256("container:intruder"),
  { "binds the host's / at /host (read-write)", "privileged",
    "adds capability SYS_ADMIN" }, { "/etc/crontabs/root" }, 2, 1)
if argv[2] and argv[2] ~= "" then
  check("real", argv[2],
    "b1ee54c6025476580542b26bfdd9845532fdb021767de021eca058639e5cdca3",
    { "binds the host's / at /host (read-write)", "privileged" },
    { "/etc/crontabs/root", "/var/spool/cron/crontabs/root" }, 1, 6)
end

-- whiteout.findings, whiteout.report and whiteout.timeline helpers that
-- need no evidence: lifetimes, windows, picking, escape ratings, order.
local t = require "testlib"
local findings = require "whiteout.findings"
local report = require "whiteout.report"
local util = require "whiteout.util"

local S = 1000000000
local c = { id = ("ab"):rep(32), name = "x",
  created = "2026-12-03T16:07:40.006020278Z",
  started = "2026-12-03T16:07:40.304367691Z",
  finished = "2026-12-03T16:07:40.309496518Z" }
local from, to = findings.lifetime(c)
t.eq("lifetime from created", from,
  util.parse_time("2026-12-03T16:07:40.006020278Z"))
t.eq("lifetime to finished", to,
  util.parse_time("2026-12-03T16:07:40.309496518Z"))
local run = { created = c.created, finished = "0001-01-01T00:00:00Z" }
t.eq("running: open end", select(2, findings.lifetime(run)), nil)
t.eq("running flag: open end", select(2, findings.lifetime({
  created = c.created, finished = c.finished, running = true })), nil)
local before = util.parse_time("2026-12-03T16:07:40.296117106Z")
t.eq("inside", findings.in_window({ before }, from, to, 0), true)
t.eq("after, no slack", findings.in_window({ to + S // 2 }, from, to, 0),
  false)
t.eq("after, with slack", findings.in_window({ to + S // 2 }, from, to, S),
  true)
t.eq("any time counts", findings.in_window({ 0, before }, from, to, 0),
  true)
t.eq("open end takes later", findings.in_window({ to + 100 * S }, from,
  nil, 0), true)
t.eq("no start: never", findings.in_window({ before }, nil, nil, 0), false)

t.eq("picked: none given", findings.picked(c, nil), true)
t.eq("picked: name", findings.picked(c, "/x"), true)
t.eq("picked: prefix", findings.picked(c, "abab"), true)
t.eq("picked: other", findings.picked(c, "abc"), false)

local e = findings.escape_record({}, { id = c.id, name = "p",
  privileged = true, network_mode = "host" })
t.eq("escape: privileged", { e.risk, e.reach, e.reasons, e.factors },
  { "critical", true, { "privileged" },
    { "shares the host's network namespace" } })
e = findings.escape_record({}, { id = c.id, name = "n",
  cap_add = { "SYS_PTRACE" }, security_opt = { "seccomp=unconfined" } })
t.eq("escape: factors only", { e.risk, e.reach, e.summary }, { "high",
  false, "weakened: adds capability SYS_PTRACE; security option "
    .. "seccomp=unconfined" })
e = findings.escape_record({}, { id = c.id, name = "q" })
t.eq("escape: nothing", { e.risk, e.summary },
  { "none", "no reach to the host found" })
local list = { { risk = "low", name = "b" }, { risk = "critical",
  name = "z" }, { risk = "low", name = "a" } }
table.sort(list, findings.by_risk)
t.eq("by risk", { list[1].name, list[2].name, list[3].name },
  { "z", "a", "b" })

local w = report.order_writes({
  { where = "log", time = "2" }, { where = "layer", path = "/b" },
  { where = "host", path = "/z", in_lifetime = true },
  { where = "host", path = "/a" }, { where = "deleted", path = "/c" } })
local got = {}
for i, x in ipairs(w) do got[i] = x.where .. (x.path or x.time) end
t.eq("order of writes", got, { "host/z", "host/a", "layer/b", "deleted/c",
  "log2" })
t.eq("when", report.when("2026-12-03T16:07:40.296117106Z"),
  "2026-12-03 16:07:40.296Z")
t.eq("when: zero time", report.when("0001-01-01T00:00:00Z"), "-")
t.eq("unwrap", report.unwrap("ab\\\ncd\nef\n"), "abcd\nef\n")
t.eq("places text", require("whiteout.reach").places_text({ "/a", "/b" }),
  "/a /b")

-- a bind of a host symlink reaches what the link names, on the host
local fs = require "whiteout.fs"
local reach = require "whiteout.reach"
local d = t.tmp("findings-link")
os.execute("mkdir -p " .. d .. "/etc/cron.d && ln -s etc " .. d .. "/cfg"
  .. " && ln -s ../../../../.. " .. d .. "/up")
local host = assert(fs.open(d))
local lc = { id = c.id, name = "l", mounts = { { type = "bind",
  source = "/cfg", destination = "/c", rw = true } } }
t.eq("no host: the link is judged as given", reach.reasons(
  findings.resolved({}, lc)), {})
t.eq("host: the link is followed", reach.reasons(
  findings.resolved({ host = host }, lc)), { "binds host /etc at /c "
  .. "(read-write, given as the host link /cfg), reaching /etc/crontab "
  .. "/etc/anacrontab /etc/cron.d and 7 more cron places" })
local up = { id = c.id, name = "u", mounts = { { type = "bind",
  source = "/up", destination = "/u", rw = false } } }
t.eq("a link above the root stays at the root", reach.reasons(
  findings.resolved({ host = host }, up)), { "binds the host's / at /u "
  .. "(read-only, given as the host link /up)" })

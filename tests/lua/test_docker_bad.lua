-- Bad evidence: each breakage gives one warning naming the file and the
-- problem, and every other record still comes out.
local t = require "testlib"
local evidence = require "whiteout.evidence"
local hash = require "whiteout.hash"
local log = require "whiteout.log"

local base = t.tmp("docker-bad-base")
assert(os.execute("tests/fixtures/make-sample " .. base .. " >/dev/null"))
local IMG = "image/overlay2"
local WEB = hash.sha256("container:web")
local INTRUDER = hash.sha256("container:intruder")

-- Copies the sample, runs sh in it, opens it; returns the first root,
-- the warnings seen while fn(root) ran, and fn's result.
local function broken(name, sh, fn)
  local d = t.tmp("docker-bad-" .. name:gsub("%W", "-"))
  assert(os.execute(("cp -a %s/. %s && cd %s && %s"):format(base, d, d, sh)))
  local warnings = {}
  log.seen = {}
  log.sink = function(_, msg) warnings[#warnings + 1] = msg end
  local ok, res = pcall(function()
    local ev = assert(evidence.open({ d }))
    return fn(ev.roots[1])
  end)
  log.sink = nil
  if not ok then error(res, 0) end
  return d, warnings, res
end

-- Checks one warning that names the file (path under the copy) and
-- contains the word.
local function one_warning(name, d, warnings, file, word)
  t.eq(name .. ": one warning", #warnings, 1)
  local w = warnings[1] or ""
  t.ok(name .. ": warning names the file", w:find(d .. "/" .. file, 1, true),
    w)
  t.ok(name .. ": warning says why", w:find(word, 1, true), w)
end

local function count(list) return #list end

-- Each case: name, shell breakage, what to run, file, word, records.
local cases = {
  { "no layerdb mount", "rm -r " .. IMG .. "/layerdb/mounts/" .. WEB,
    function(r) return r:containers() end,
    IMG .. "/layerdb/mounts/" .. WEB, "missing", 6 },
  { "empty containers", "rm -rf containers/*",
    function(r) return r:containers() end, "containers", "empty", 0 },
  { "truncated config", "truncate -s 100 containers/" .. WEB
    .. "/config.v2.json", function(r) return r:containers() end,
    "containers/" .. WEB .. "/config.v2.json", "truncated or not JSON", 6 },
  { "non-JSON config", "echo hello > containers/" .. WEB .. "/config.v2.json",
    function(r) return r:containers() end,
    "containers/" .. WEB .. "/config.v2.json", "not JSON", 6 },
  { "missing image config", "rm " .. IMG .. "/imagedb/content/sha256/$(sed "
    .. "'s/.*app:2.0\":\"sha256:\\([0-9a-f]*\\).*/\\1/' " .. IMG
    .. "/repositories.json)", function(r) return r:images() end,
    IMG .. "/imagedb/content/sha256/", "image config missing", 2 },
  { "2 GiB config", "truncate -s 2G containers/" .. WEB .. "/config.v2.json",
    function(r) return r:containers() end,
    "containers/" .. WEB .. "/config.v2.json", "2147483648 bytes", 6 },
  { "2 GiB repositories.json", "truncate -s 2G " .. IMG
    .. "/repositories.json", function(r) return r:images() end,
    IMG .. "/repositories.json", "2147483648 bytes", 2 },
}
for _, c in ipairs(cases) do
  local d, w, res = broken(c[1], c[2], c[3])
  one_warning(c[1], d, w, c[4], c[5])
  t.eq(c[1] .. ": records still out", count(res), c[6])
end

-- The broken container still appears, with its error.
local _, _, list = broken("truncated-record", "truncate -s 100 containers/"
  .. WEB .. "/config.v2.json", function(r) return r:containers() end)
local found
for _, c in ipairs(list) do if c.id == WEB then found = c end end
t.ok("broken container listed with error", found and found.error, found
  and found.error)

-- A parent chain that loops: base's parent is the app layer above it.
-- Containers take their stack from the image config when it agrees with
-- the layerdb; the images' own chains meet the loop.
local function chain_case(name, sh, word)
  local d, w, r = broken(name, sh, function(r)
    local web = r:container("web")
    return { web = web, intruder = r:container("intruder"),
             all = r:containers(), images = r:images() }
  end)
  t.eq(name .. ": one warning", #w, 1)
  t.ok(name .. ": names the layer folder", (w[1] or ""):find(d .. "/" .. IMG
    .. "/layerdb/sha256/", 1, true), w[1])
  t.ok(name .. ": says why", (w[1] or ""):find(word, 1, true), w[1])
  t.eq(name .. ": every container out", #r.all, 6)
  t.eq(name .. ": every image out", #r.images, 2)
  return r
end
local app_chain = "$(cat " .. IMG .. "/layerdb/mounts/" .. WEB .. "/parent)"
local base_chain = "$(cat " .. IMG .. "/layerdb/mounts/" .. INTRUDER
  .. "/parent)"
local r = chain_case("looping chain", ("printf %%s %s > %s/layerdb/sha256/"
  .. "$(echo %s | cut -c8-)/parent"):format(app_chain, IMG, base_chain),
  "loops")
t.eq("looping chain: cut at the loop", #r.web.layers, 4)

-- 10,000 layers deep: each fake layer's parent is the next one.
local deep = ([[
bash -c 'cd %s/layerdb/sha256 && mkdir $(seq -f %%064g 1 10000) &&
for i in $(seq 1 10000); do printf -v h %%064d $i
  printf %%s $h > $h/cache-id; printf sha256:%%s $h > $h/diff
  printf sha256:%%064d $((i + 1)) > $h/parent; done
printf sha256:%%064d 1 > ../mounts/%s/parent']]):format(IMG, WEB)
r = chain_case("10000-deep chain", deep, "deeper than")
t.eq("deep chain: other containers intact", #r.intruder.layers, 3)
t.eq("deep chain: cut at the limit", #r.web.layers,
  2 + require("whiteout.images").MAX_DEPTH)

-- An ambiguous id prefix lists the candidates.
local _, _, res = broken("ambiguous", ("mv containers/%s containers/abc1%s"
  .. " && mv containers/%s containers/abc2%s"):format(WEB, WEB:sub(5),
  INTRUDER, INTRUDER:sub(5)) .. " && sed -i 's/\"ID\":\"[0-9a-f]*\",//' "
  .. "containers/abc*/config.v2.json", function(r)
    return { r:container("abc") }
  end)
t.eq("ambiguous prefix gives nil", res[1], nil)
t.ok("ambiguous prefix names both", res[2] and res[2]:find("abc1" ..
  WEB:sub(5, 12), 1, true) and res[2]:find("abc2" .. INTRUDER:sub(5, 12),
  1, true), res[2])

-- No log driver recorded (old daemons): the json-file log is read when
-- there is one; without one, a note says the daemon's default was used.
local _, _, got = broken("no-log-driver", "sed -i 's/\"Type\":\"[a-z-]*\"/"
  .. "\"Type\":\"\"/' containers/*/hostconfig.json && rm containers/"
  .. WEB .. "/*-json.log*", function(r)
    return { r:logs(r:container("intruder")), r:logs(r:container("web")) }
  end)
t.eq("no driver recorded: json-file read", got[1][1] and got[1][1].line,
  "planted")
t.eq("no driver recorded, no file: a note", got[2][1] and got[2][1].driver,
  "daemon default")

-- Helpers for the end-to-end tests of the investigation playbooks: run a
-- playbook on evidence paths and pick records out of its answer.
local evidence = require "whiteout.evidence"
local runner = require "whiteout.runner"
local log = require "whiteout.log"

-- Runs a playbook on paths; returns its records and the warnings it
-- gave.  Raises when the playbook fails.
local function run(name, paths, given)
  local warns = {}
  log.seen, log.sink = {}, function(_, msg) warns[#warns + 1] = msg end
  local ev = assert(evidence.open(paths))
  local pb = runner.load(assert(runner.find(name)))
  local out = {}
  local ok, err = runner.run_one(pb, ev, given or {}, function(r)
    out[#out + 1] = r
  end)
  log.sink = nil
  assert(ok, err)
  return out, warns
end


local function where(recs, kind)
  local out = {}
  for _, r in ipairs(recs) do
    if r.kind == kind then out[#out + 1] = r end
  end
  return out
end


-- "name where path" of each cron write, sorted, for exact comparison.
local function writes(recs)
  local out = {}
  for _, r in ipairs(where(recs, "cron-write")) do
    out[#out + 1] = ("%s %s %s %s"):format(r.name, r.where,
      r.path or r.content, r.in_lifetime and "life" or "-")
  end
  table.sort(out)
  return out
end


local function names(recs, kind)
  local out = {}
  for _, r in ipairs(where(recs, kind)) do out[#out + 1] = r.name end
  table.sort(out)
  return out
end

return { run = run, where = where, writes = writes, names = names }

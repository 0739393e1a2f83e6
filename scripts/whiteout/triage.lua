-- The triage report: runs the safe investigation playbooks, sums up what
-- they found in a few lines a responder reads first, and writes the
-- report as text and json to a folder the analyst names.
--
-- Caveats:
-- - The out folder is checked against the -e paths as given and as
--   resolved by realpath(1); a bind mount of the evidence elsewhere is
--   not recognised.
local deleted = require "whiteout.deleted"
local fs = require "whiteout.fs"
local log = require "whiteout.log"
local output = require "whiteout.output"
local report = require "whiteout.report"
local runner = require "whiteout.runner"
local secrets = require "whiteout.secrets"

local M = {}

M.SECTIONS = { "escape", "root-mounts-cron", "persistence", "secrets",
  "timeline" }

-- Sections for what is gone, run when the evidence is a disk image.
M.DISK_SECTIONS = { "deleted", "removed" }


-- True when some data root of ev lies on a disk image.
local function on_disk(ev)
  for _, r in ipairs(ev.roots or {}) do
    if deleted.applies(r) then return true end
  end
  return false
end


--- Runs the sections' playbooks with their defaults; returns the
-- records (each with `section`), the playbooks by name, and failures.
function M.collect(ev, names)
  local recs, pbs, failed = {}, {}, {}
  for _, name in ipairs(names) do
    local pb = runner.load(assert(runner.find(name), name))
    pbs[name] = pb
    local ok, err = runner.run_one(pb, ev, {}, function(r)
      r.section = name
      recs[#recs + 1] = r
    end)
    if not ok then failed[#failed + 1] = err; log.warn("%s", err) end
  end
  return recs, pbs, failed
end


-- Who a finding is about: the container's name, else (its config
-- damaged) its short id.
local function who(r)
  return r.name or (r.container or "?"):sub(1, 12)
end


-- Headline lines for one record, appended to out.
local HEAD = {}

function HEAD.escape(r, out, _)
  if r.reach then
    out[#out + 1] = ("%s (%s) can reach the host [%s]: %s"):format(who(r),
      r.container:sub(1, 12), r.risk, table.concat(r.reasons, "; "))
  end
end

HEAD["root-mounts-cron"] = function(r, out, seen)
  if r.path then seen[who(r) .. " " .. r.path] = true end
  if r.kind == "note" then
    out[#out + 1] = (who(r) and who(r) .. ": " or "") .. r.text
  elseif r.kind ~= "cron-write" then
    return
  elseif r.where == "host" and r.in_lifetime then
    out[#out + 1] = ("%s wrote %s on the host while it lived (host %s, "
      .. "inode %s, sha256 %s)"):format(who(r), r.path, r.host_path,
      tostring(r.inum), (r.sha256 or "?"):sub(1, 16))
  elseif r.where == "layer" or r.where == "deleted" then
    out[#out + 1] = ("%s %s cron file %s in its own layer %s"):format(
      who(r), r.where == "layer" and "has" or "deleted", r.path,
      r.layer:sub(1, 12))
  end
end

-- Persistence root-mounts-cron did not already tell (other kinds, and
-- cron files of containers that cannot reach the host).
function HEAD.persistence(r, out, seen)
  if r.kind ~= "persistence" or seen[who(r) .. " " .. r.path]
    or r.severity == "low" then
    return
  end
  out[#out + 1] = ("%s: %s %s (%s%s)"):format(who(r), r.what, r.path,
    r.where, r.where == "host" and " " .. r.host_path or "")
end


-- Deleted files: one line with how many, how many with content back,
-- and the containers they were in.
function HEAD.deleted(r, out, seen)
  if r.kind ~= "deleted" then return end
  local d = seen["deleted:"] or { n = 0, content = 0, who = {} }
  if d.n == 0 then
    seen["deleted:"] = d
    out[#out + 1] = d
  end
  d.n = d.n + 1
  if r.sha256 then d.content = d.content + 1 end
  local name = r.container or r.image or (r.orphan and "orphan inodes")
  if name and not d.who[name] then
    d.who[name] = true
    d.who[#d.who + 1] = name
  end
end


-- A removed container: its name, image, last sighting and log lines.
-- Containers the builder ran for an image's build step (their command
-- is a step of some image's history) are counted on one line.
function HEAD.removed(r, out, seen)
  if r.kind ~= "removed_container" then return end
  local cmd = table.concat(type(r.cmd) == "table" and r.cmd or {}, " ")
  if seen.build and seen.build[cmd] then
    local b = seen["removed:build"]
    if not b then
      b = { n = 0 }
      seen["removed:build"] = b
      out[#out + 1] = b
    end
    b.n = b.n + 1
    return
  end
  out[#out + 1] = ("removed container %s (%s) from %s, last seen %s "
    .. "(journal transaction %s); %d log lines recovered"):format(
    r.name or "?", (r.id or "?"):sub(1, 12), r.image or "?",
    r.journal_time or "?", tostring(r.journal_seq), r.log and #r.log or 0)
end


-- The build steps of every image, as the builder's containers ran
-- them: set of "created_by" strings ("/bin/sh -c ...").
local function build_steps(ev)
  local out = {}
  for _, root in ipairs(ev.roots or {}) do
    local ok, list = pcall(root.images, root)
    for _, im in ipairs(ok and list or {}) do
      for _, h in ipairs(type(im.history) == "table" and im.history or {}) do
        if type(h) == "table" and type(h.created_by) == "string" then
          out[h.created_by] = true
        end
      end
    end
  end
  return out
end


-- The deleted files' and build containers' lines, once all are counted.
local function deleted_line(lines)
  for i, l in ipairs(lines) do
    if type(l) == "table" and l.content == nil then
      lines[i] = ("%d removed containers ran an image's build steps (the "
        .. "builder removes them)"):format(l.n)
    elseif type(l) == "table" then
      lines[i] = ("%d deleted files found (%d with content back), in %s")
        :format(l.n, l.content, table.concat(l.who, ", "))
    end
  end
end


-- "NAME: N secrets (where: keys...)" per container.
local function secret_lines(recs, out)
  local order, by = {}, {}
  for _, r in ipairs(recs) do
    if r.section == "secrets" and r.kind == "secret" then
      if not by[who(r)] then
        by[who(r)] = { seen = {} }
        order[#order + 1] = who(r)
      end
      local item = r.where .. " " .. ((r.where == "file"
        or r.where == "image-file") and r.path or r.key)
      if not by[who(r)].seen[item] then
        by[who(r)].seen[item] = true
        table.insert(by[who(r)], item)
      end
    end
  end
  for _, name in ipairs(order) do
    out[#out + 1] = ("%s: possible secrets in %s"):format(name,
      table.concat(by[name], ", "))
  end
end


local function count(recs, section, kind)
  local n = 0
  for _, r in ipairs(recs) do
    if r.section == section and (not kind or r.kind == kind) then
      n = n + 1
    end
  end
  return n
end


--- The summary record: evidence, counts and headline lines.
function M.summary(ev, recs, failed)
  local lines, reach, containers = {}, {}, 0
  local seen = { build = on_disk(ev) and build_steps(ev) or nil }
  for _, r in ipairs(recs) do
    if HEAD[r.section] then HEAD[r.section](r, lines, seen) end
    if r.section == "escape" then
      containers = containers + 1
      if r.reach then reach[#reach + 1] = who(r) end
    end
  end
  deleted_line(lines)
  secret_lines(recs, lines)
  local host = false
  for _, root in ipairs(ev.roots) do host = host or root.host ~= nil end
  if not host then
    table.insert(lines, 1, "the host's file system is not in the "
      .. "evidence: writes through binds to the host cannot be seen")
  end
  return { kind = "summary", evidence = ev.paths, data_roots = #ev.roots,
    host_fs = host, containers = containers, reach = reach,
    cron_writes = count(recs, "root-mounts-cron", "cron-write"),
    persistence = count(recs, "persistence", "persistence"),
    secrets = count(recs, "secrets", "secret"),
    events = count(recs, "timeline"), failed = failed,
    deleted = on_disk(ev) and count(recs, "deleted", "deleted") or nil,
    removed = on_disk(ev) and count(recs, "removed", "removed_container")
      or nil,
    highlights = lines, generated = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    source = table.concat(ev.paths or {}, " ") }
end


local function summary_text(s, write)
  write("whiteout triage of ", table.concat(s.evidence or {}, " "),
    " (", s.generated, ")\n")
  write(("%d data roots, %d containers, host file system %s; %d could "
    .. "reach the host%s\n"):format(s.data_roots, s.containers,
    s.host_fs and "in the evidence" or "NOT in the evidence", #s.reach,
    #s.reach > 0 and ": " .. table.concat(s.reach, ", ") or ""))
  write(("%d cron findings, %d persistence findings, %d possible "
    .. "secrets, %d timeline events\n"):format(s.cron_writes,
    s.persistence, s.secrets, s.events))
  if s.deleted then
    write(("%d deleted files, %d removed containers (disk image)\n")
      :format(s.deleted, s.removed or 0))
  end
  for _, l in ipairs(s.highlights) do write("  - ", l, "\n") end
  for _, f in ipairs(s.failed or {}) do write("  ! ", f, "\n") end
end


--- The report as text: the summary, then each section as its playbook
-- renders it (secrets masked).
function M.text(recs, write)
  local by, order = {}, {}
  for _, r in ipairs(recs) do
    if r.kind == "summary" then summary_text(r, write)
    elseif r.kind == "report-file" then
      write(("  wrote %s (%d bytes, sha256 %s)\n"):format(r.path, r.size,
        r.sha256))
    else
      local s = r.section or "?"
      if not by[s] then by[s] = {}; order[#order + 1] = s end
      table.insert(by[s], r)
    end
  end
  for _, s in ipairs(order) do
    write("\n== ", s, "\n")
    local pb = runner.find(s) and runner.load(runner.find(s))
    if pb and pb.text then pb.text(by[s], write) else
      output.text(write, by[s], pb)
    end
  end
end


local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end


-- A path made absolute and free of symlinks by realpath(1); nil if not.
local function real(p)
  local f = io.popen("realpath -m -- " .. shq(p) .. " 2>/dev/null")
  local r = f and f:read("l")
  if f then f:close() end
  return r
end


--- Checks that dir lies outside every evidence path.  Returns its real
-- path, or nil and why.
function M.check_out(ev, dir)
  local rd = real(dir)
  if not rd then return nil, "cannot resolve '" .. dir .. "'" end
  for _, p in ipairs(ev.paths or {}) do
    local rp = real(p)
    if rp and (rp == "/" or rd == rp or rd:sub(1, #rp + 1) == rp .. "/")
    then
      return nil, ("out folder '%s' lies inside the evidence '%s'; "
        .. "whiteout never writes there"):format(dir, p)
    end
  end
  return rd
end


-- Writes one file of the report through fn(write); returns a
-- "report-file" record, or raises naming the file.
local function write_file(dir, name, fn)
  local path = dir .. "/" .. name
  local f, err = io.open(path, "w")
  if not f then error("cannot write " .. path .. ": " .. err, 0) end
  fn(function(...) f:write(...) end)
  f:close()
  local src = assert(fs.open(dir))
  local st = src:lstat(name)
  local rec = { kind = "report-file", path = path, size = st.size,
    sha256 = src:sha256(name), source = path }
  src:close()
  return rec
end


--- Writes report.txt and report.json into dir (created); returns their
-- "report-file" records.
function M.write(dir, recs)
  if not os.execute("mkdir -p -- " .. shq(dir)) then
    error("cannot create folder " .. dir, 0)
  end
  local txt = write_file(dir, "report.txt", function(w) M.text(recs, w) end)
  local json = write_file(dir, "report.json", function(w)
    w("[")
    for i, r in ipairs(recs) do
      w(i > 1 and ",\n" or "\n", output.json(r))
    end
    w("\n]\n")
  end)
  return { txt, json }
end


--- The playbook's run: the report printed, or written to args.out.
function M.run(ev, args, emit)
  local dir
  if args.out and args.out ~= "" then
    local why
    local ok, why = M.check_out(ev, args.out)
    if not ok then error(require("whiteout.runner").usage(why)) end
    dir = args.out:gsub("/+$", "")
  end
  local names = {}
  for _, n in ipairs(M.SECTIONS) do
    if n ~= "timeline" or args.timeline ~= "no" then
      names[#names + 1] = n
    end
  end
  if on_disk(ev) then
    for _, n in ipairs(M.DISK_SECTIONS) do names[#names + 1] = n end
  end
  local recs, _, failed = M.collect(ev, names)
  local s = M.summary(ev, recs, failed)
  table.insert(recs, 1, s)
  if not dir then
    for _, r in ipairs(recs) do emit(r) end
    return
  end
  emit(s)
  for _, f in ipairs(M.write(dir, recs)) do emit(f) end
end

return M

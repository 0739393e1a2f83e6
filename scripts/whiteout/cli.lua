-- The command line: parses it, opens the evidence, and dispatches to
-- list, help, run, exec and shell.  Exit codes: 0 done, 2 usage error,
-- 3 evidence could not be opened, 4 a playbook failed.
local log = require "whiteout.log"
local runner = require "whiteout.runner"

local M = {}

local USAGE = [[
usage: whiteout [options] COMMAND ...

commands:
  list [--drivers]          list playbooks (or storage drivers)
  help NAME                 describe a playbook (arguments, usage, sample)
                            or a command (run, exec, shell, list)
  run NAME[,NAME...] -e EVIDENCE [--arg KEY=VALUE]... [--format F] [-o FILE]
                            run playbooks over the evidence
  exec SCRIPT.lua -e EVIDENCE [ARGS...]
                            run a case script with the playbooks' API
  shell -e EVIDENCE         an interactive Lua prompt with `ev` opened

options:
  -e, --evidence PATH       a data root, a host's root folder, or a disk
                            image; give it again to join several disks
  --arg KEY=VALUE           an argument for the playbooks
  --format FORMAT           text (default), json, jsonl, csv, bodyfile
  -o, --output FILE         write records to FILE instead of stdout
  --driver-path DIR         also load storage drivers (Lua) from DIR; they
                            override ~/.config/whiteout/drivers and the
                            shipped ones of the same name (docs/drivers.md)
  --partition N             use partition N of a disk image
  --offset BYTES            use the file system at BYTES in a disk image
  --force                   read on past bad checksums (says so)
  --debug                   Lua tracebacks for failures
  -q, --quiet               no warnings (errors only)
  -v, --verbose             progress messages
  -h, --help                this text
  --version                 the version

exec: the script is a Lua chunk called as `local ev, args = ...`: ev is
the opened evidence (nil without -e), args the words after the script.
It may require whiteout.fs, .util, .docker, .output, .log and the other
whiteout.* modules, call emit(record) (a global) for each record, and/or
return a list of records; records (tables with kind and source) come out
in --format.  docs/scripting.md has the details.

exit status: 0 done (warnings go to stderr), 2 usage error (also a bad
--arg value, a missing required --arg, -o inside the evidence), 3 evidence
could not be opened (or a folder holds no Docker data root), 4 a
playbook failed.
]]

-- Options that take a value, and where it goes.
local VALUED = { ["-e"] = "evidence", ["--evidence"] = "evidence",
  ["--arg"] = "arg", ["--format"] = "format", ["-o"] = "output",
  ["--output"] = "output", ["--driver-path"] = "driver_path",
  ["--partition"] = "partition", ["--offset"] = "offset" }
local FLAGS = { ["--debug"] = "debug", ["-q"] = "quiet", ["--quiet"] = "quiet",
  ["-v"] = "verbose", ["--verbose"] = "verbose", ["-h"] = "help",
  ["--help"] = "help", ["--version"] = "version", ["--force"] = "force",
  ["--drivers"] = "drivers" }


local function usage_error(msg)
  log.error("%s (see whiteout --help)", msg)
  return 2
end


-- Stores one option value; --arg and -e may repeat.
local function set_opt(o, key, val)
  if key == "evidence" then
    table.insert(o.evidence, val)
  elseif key == "arg" then
    local k, v = val:match("^([%w_%-]+)=(.*)$")
    if not k then return nil, "--arg wants KEY=VALUE, not '" .. val .. "'" end
    o.args[k] = v
  else
    o[key] = val
  end
  return true
end


--- Parses argv into options and positional words.  Options may stand
-- anywhere; after "exec SCRIPT" the rest goes to the script, but -e is
-- still ours.
function M.parse(argv)
  local o = { evidence = {}, args = {}, words = {}, format = "text" }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local long, inline = a:match("^(%-%-[%w%-]+)=(.*)$")
    if long and VALUED[long] then a, argv[i + 1] = long, inline end
    if VALUED[a] and not (o.words[1] == "exec" and #o.words >= 2
                          and a ~= "-e" and a ~= "--evidence") then
      if argv[i + 1] == nil then return nil, a .. " needs a value" end
      local ok, err = set_opt(o, VALUED[a], argv[i + 1])
      if not ok then return nil, err end
      i = i + 1
    elseif FLAGS[a] and not (o.words[1] == "exec" and #o.words >= 2) then
      o[FLAGS[a]] = true
    elseif a:match("^%-.") and not (o.words[1] == "exec" and #o.words >= 2)
    then
      return nil, "unknown option " .. a
    else
      o.words[#o.words + 1] = a
    end
    i = i + 1
  end
  return o
end


local function setup(o, info)
  log.level = o.quiet and 0 or o.debug and 3 or o.verbose and 2 or 1
  runner.add_dir(info.home .. "/playbooks")
  local home = os.getenv("HOME")
  if home then runner.add_dir(home .. "/.config/whiteout/playbooks") end
  local drivers = require "whiteout.drivers"
  drivers.setup(info.home .. "/scripts/drivers", o.driver_path,
    home and home .. "/.config/whiteout/drivers")
end


-- Opens the evidence for run, exec and shell; nil, status on failure.
local function open_evidence(o)
  if #o.evidence == 0 then return nil, usage_error("no evidence: give -e") end
  local evidence = require "whiteout.evidence"
  local ev, err = evidence.open(o.evidence, { partition = o.partition,
    offset = o.offset, force = o.force })
  if not ev then
    log.error("cannot open evidence: %s", err)
    return nil, 3
  end
  return ev
end


-- Checks the -o file before anything runs: its folder exists and
-- neither it nor its folder lies in an evidence.  nil, why when not.
local function check_output(o)
  if not o.output then return true end
  local views = require "whiteout.views"
  local real = views.local_real(o.output)
  if not real then return nil, "-o " .. o.output .. ": cannot resolve" end
  local dir = real:match("^(.*)/[^/]*$")
  if dir == "" then dir = "/" end
  local ev = { paths = o.evidence }
  local inside = views.inside_evidence(ev, real)
    or views.inside_evidence(ev, dir)
  if inside then
    return nil, ("-o %s lies inside the evidence %s (evidence is read-only)")
      :format(o.output, inside)
  end
  local st = io.open(dir .. "/.", "r")
  if not st then
    return nil, ("-o %s: no folder %s"):format(o.output, dir)
  end
  st:close()
  return true
end


-- Where records go: stdout, or the -o file.
local function open_output(o)
  if not o.output then return function(...) io.stdout:write(...) end end
  local f, err = io.open(o.output, "w")
  if not f then return nil, err end
  return function(...) f:write(...) end, f
end


local function cmd_list(o)
  if o.drivers then
    local drivers = require "whiteout.drivers"
    return drivers.list_command(function(...) io.stdout:write(...) end)
  end
  local rows = {}
  for _, pb in ipairs(runner.all()) do
    rows[#rows + 1] = { name = pb.name,
      categories = table.concat(pb.categories, ","), summary = pb.summary }
  end
  require("whiteout.output").table(function(...) io.stdout:write(...) end,
    rows, { "name", "categories", "summary" }, 100)
  return 0
end


-- Help for the commands themselves (whiteout help exec).
local COMMAND_HELP = {
  list = [[
usage: whiteout list [--drivers]

Lists the playbooks (name, categories, summary), or with --drivers the
storage drivers and where each was loaded from.
]],
  run = [[
usage: whiteout run NAME[,NAME...] -e EVIDENCE [--arg KEY=VALUE]...
                    [--format text|json|jsonl|csv|bodyfile] [-o FILE]

Runs the named playbooks over the evidence; their records come out in
the format asked for (text prints "no records" for a playbook that found
nothing).  `whiteout help NAME` lists a playbook's arguments; a wrong
argument value is a usage error (exit 2).  -o FILE must not lie inside
any evidence, and its folder must exist.
]],
  exec = [[
usage: whiteout exec SCRIPT.lua [-e EVIDENCE]... [ARGS...]

Runs a Lua 5.4 script with the playbooks' API.  The script is called as
  local ev, args = ...
ev: the opened evidence (nil when no -e was given): ev.roots is the list
of Docker data roots (root:containers(), root:images(), ...), ev.host
the host file system if any.  args: the words after the script, as
strings.  The script may require whiteout.fs, whiteout.util,
whiteout.docker, whiteout.output, whiteout.log, whiteout.evidence and
the other whiteout.* modules.  Records are tables with at least `kind`
and `source`: pass each to emit(record) (a global), and/or return a list
of them; they come out in --format like a playbook's.  Options after
the script's name go to the script, except -e.  docs/scripting.md has
examples.
]],
  shell = [[
usage: whiteout shell -e EVIDENCE

An interactive Lua prompt with `ev` (the evidence), fs, util, docker and
json(v) at hand.  A line that is an expression prints its value (so does
`= expr`); an incomplete chunk continues on the next line (prompt
"...> ").  `local` names last one line; globals persist.  Errors print
one line (with --debug, a traceback).  ctrl-d leaves.
]],
}


local function cmd_help(o)
  local name = o.words[2]
  if not name then io.stdout:write(USAGE) return 0 end
  if COMMAND_HELP[name] then io.stdout:write(COMMAND_HELP[name]) return 0 end
  local path = runner.find(name)
  if not path then return usage_error("no playbook named '" .. name .. "'") end
  local pb = runner.load(path)
  local w = function(...) io.stdout:write(...) end
  w(pb.name, " (", table.concat(pb.categories, ", "), ")\n\n")
  w(pb.description:gsub("^%s+", ""):gsub("%s+$", ""), "\n\n")
  w("arguments:\n")
  if #pb.args == 0 then w("  (none)\n") end
  for _, a in ipairs(pb.args) do
    local d = a.default ~= nil and (" (default: " .. tostring(a.default)
      .. ")") or ""
    local c = a.choices and (" (one of: " .. table.concat(a.choices, ", ")
      .. ")") or ""
    local r = a.required and " (required)" or ""
    w(("  --arg %s=...  %s%s%s%s\n"):format(a.name, a.help, c, d, r))
  end
  w("\nusage:\n  ", pb.usage:gsub("\n", "\n  "), "\n\nsample output:\n")
  w("  ", pb.sample:gsub("^\n", ""):gsub("\n$", ""):gsub("\n", "\n  "), "\n")
  return 0
end


-- Loads each named playbook; nil, status when one is unknown or broken.
local function load_playbooks(names)
  local pbs = {}
  for name in names:gmatch("[^,]+") do
    local path = runner.find(name)
    if not path then return nil, usage_error("no playbook named '"
      .. name .. "' (whiteout list shows them)") end
    local ok, pb = pcall(runner.load, path)
    if not ok then log.error("%s", pb) return nil, 4 end
    pbs[#pbs + 1] = pb
  end
  return pbs
end


-- Every --arg must belong to one of the playbooks run.
local function check_args(pbs, given)
  for k in pairs(given) do
    local known = false
    for _, pb in ipairs(pbs) do
      for _, a in ipairs(pb.args) do known = known or a.name == k end
    end
    if not known then return nil, "no playbook here takes --arg " .. k end
  end
  return true
end


local function cmd_run(o)
  if not o.words[2] then return usage_error("run needs a playbook name") end
  local output = require "whiteout.output"
  if not output.formats[o.format] then
    return usage_error("unknown format '" .. o.format .. "'")
  end
  local pbs, st = load_playbooks(o.words[2])
  if not pbs then return st end
  local okargs, why = check_args(pbs, o.args)
  if not okargs then return usage_error(why) end
  for _, pb in ipairs(pbs) do
    local ok, err = pcall(runner.args_for, pb, o.args)
    if not ok then return usage_error(tostring(err)) end
  end
  local okout, bad = check_output(o)
  if not okout then return usage_error(bad) end
  local ev, status = open_evidence(o)
  if not ev then return status end
  local write, f = open_output(o)
  if not write then log.error("cannot write output: %s", f) return 3 end
  local sink, rc = runner.sink(o.format, write), 0
  for _, pb in ipairs(pbs) do
    local ok, err, kind = runner.run_one(pb, ev, o.args, sink.put, o.debug)
    if not ok then
      log.error("%s", err)
      rc = math.max(rc, kind == "usage" and 2 or 4)
    else
      sink.ran(pb)
    end
  end
  sink.finish()
  if f then f:close() end
  return rc
end


-- The records of an exec script: emit(r) checks and keeps one;
-- finish() writes them in the format (nothing when there were none).
local function exec_sink(o, script, write)
  local sink = runner.sink(o.format, write)
  local pb, n = { name = script, args = {} }, 0
  local function emit(r)
    local ok, why = runner.valid(r)
    if not ok then log.warn("%s: %s", script, why) return end
    sink.put(r, pb)
    n = n + 1
  end
  return emit, function() if n > 0 then sink.finish() end end
end


-- Checks exec's script, format and -o; the chunk, or nil, status.
local function exec_prepare(o)
  local script = o.words[2]
  if not script then return nil, usage_error("exec needs a script") end
  local chunk, err = loadfile(script, "t")
  if not chunk then log.error("%s", err) return nil, 2 end
  if not require("whiteout.output").formats[o.format] then
    return nil, usage_error("unknown format '" .. o.format .. "'")
  end
  local okout, bad = check_output(o)
  if not okout then return nil, usage_error(bad) end
  return chunk
end


local function cmd_exec(o)
  local chunk, st = exec_prepare(o)
  if not chunk then return st end
  -- a script that needs no evidence (a test, a converter) runs without -e
  local ev, status
  if #o.evidence > 0 then
    ev, status = open_evidence(o)
    if not ev then return status end
  end
  local write, f = open_output(o)
  if not write then log.error("cannot write output: %s", f) return 3 end
  local script = o.words[2]
  local emit, finish = exec_sink(o, script, write)
  rawset(_G, "emit", emit)
  local ok, res = xpcall(chunk, o.debug and debug.traceback or tostring,
    ev, table.move(o.words, 3, #o.words, 1, {}))
  if not ok then log.error("%s: %s", script, res) return 4 end
  if type(res) == "table" then
    for _, r in ipairs(res) do emit(r) end
  end
  finish()
  if f then f:close() end
  return 0
end


local function cmd_shell(o)
  local ev, status = open_evidence(o)
  if not ev then return status end
  return require("whiteout.shell").run(ev, o)
end


local COMMANDS = { list = cmd_list, help = cmd_help, run = cmd_run,
  exec = cmd_exec, shell = cmd_shell }


--- Entry point from main.c: returns the exit status.
function M.main(argv, info)
  local o, err = M.parse(argv)
  if not o then return usage_error(err) end
  if o.version then print("whiteout " .. info.version) return 0 end
  if o.help or #o.words == 0 then
    io.stdout:write(USAGE)
    return o.help and 0 or 2
  end
  local cmd = COMMANDS[o.words[1]]
  if not cmd then return usage_error("unknown command '" .. o.words[1]
    .. "'") end
  setup(o, info)
  local ok, rc = xpcall(cmd, o.debug and debug.traceback or tostring, o)
  io.stdout:flush()
  if not ok then log.error("%s", rc) return 4 end
  return rc
end

return M

-- Playbook: what containers printed, in time order.
local output = require "whiteout.output"
local present = require "whiteout.present"
local util = require "whiteout.util"

local M = {
  description = [[
Prints what containers wrote to stdout and stderr, oldest first, from
the files the logging driver left under the data root: json-file logs
(<id>-json.log and its rotated .1 .. .N files, gzip-compressed ones
too), the local driver's local-logs/container.log, and Docker's local
cache of other drivers (container-cached.log). For drivers that keep
logs elsewhere (journald, syslog, fluentd, ...) a note says where to
look. Each line names its file and line number (or byte offset).]],
  categories = { "safe", "logs" },
  args = {
    { name = "container", default = "all",
      help = "a container id, id prefix or name, or all" },
    { name = "max_bytes", type = "size", default = "64M",
      help = "read at most this much of each log file (from its end)" },
  },
  usage = "whiteout run logs -e /mnt/evidence --arg container=webapp",
  -- taken from `whiteout run logs` on the sample (make sample)
  sample =
    "note: shipper (journald): logs went to the host's systemd journal" ..
    " (journalctl CONTAINER_ID=c48d1bd9ad8d)\n" ..
    "TIME                            NAME        STREAM  LINE\n" ..
    "2026-12-01T09:11:00.500000000Z  quiet       stdout  hello from" ..
    " local\n" ..
    "2026-12-01T09:11:01.000000000Z  quiet       stderr  done\n" ..
    "2026-12-01T09:12:50.000000000Z  web         stderr  GET" ..
    " /index.html 200\n" ..
    "2026-12-01T09:13:00.900000000Z  etc-reader  stdout " ..
    " root:*:19000:0:99999:7:::\n",
}


-- The containers asked for, in every data root.
local function chosen(ev, ref)
  local out = {}
  for _, root in ipairs(ev.roots) do
    if ref == "all" then
      for _, c in ipairs(root:containers()) do
        out[#out + 1] = { root, c }
      end
    else
      local c, why = root:container(ref)
      if c then out[#out + 1] = { root, c } else M.why = why end
    end
  end
  return out
end


local function sort_key(rec)
  return util.parse_time(rec.time) or 0
end


function M.applies(ev) return #ev.roots > 0 end


function M.run(ev, args)
  local max = util.parse_size(args.max_bytes)
  if not max then error("--arg max_bytes: not a size: " .. args.max_bytes) end
  local pairs_ = chosen(ev, args.container)
  if #pairs_ == 0 and args.container ~= "all" then
    error(M.why or ("no container '" .. args.container .. "'"), 0)
  end
  local recs = {}
  for _, p in ipairs(pairs_) do
    for _, r in ipairs(p[1]:logs(p[2], { max_bytes = max })) do
      recs[#recs + 1] = r
    end
  end
  for i, r in ipairs(recs) do r.seq = i end
  table.sort(recs, function(a, b)
    local ka, kb = sort_key(a), sort_key(b)
    if ka ~= kb then return ka < kb end
    return a.seq < b.seq
  end)
  for _, r in ipairs(recs) do r.seq = nil end
  return recs
end


function M.text(recs, write)
  local notes, lines = {}, {}
  for _, r in ipairs(recs) do
    if r.kind == "note" then notes[#notes + 1] = r else
      local row = {}
      for k, v in pairs(r) do row[k] = v end
      row.line = present.safe(r.line)
      -- Docker trims trailing zeros; a fixed fraction keeps lines aligned
      local ns = type(r.time) == "string" and util.parse_time(r.time)
      if ns then row.time = util.time(ns) end
      lines[#lines + 1] = row
    end
  end
  for _, n in ipairs(notes) do
    write(("note: %s (%s): %s\n"):format(n.name or n.container, n.driver,
      n.note))
  end
  if #lines > 0 then
    output.table(write, lines, { "time", "name", "stream", "line" }, 200)
  end
end

return M

-- Text renderings shared by the investigation playbooks: one block per
-- container with its reasons, its findings as a table, then the content
-- of the short files it planted.
local output = require "whiteout.output"
local util = require "whiteout.util"

local M = {}

local WHERE_RANK = { host = 1, layer = 2, deleted = 3, log = 4 }


--- Joins the lines of s that end in a backslash with the next one, so
-- that a playbook's sample of wide output can be kept in 80 columns.
-- unwrap("ab\\\ncd\n") --> "abcd\n"
function M.unwrap(s)
  return (s:gsub("\\\n", ""))
end


--- A time for people: "2026-12-03 16:07:40.296Z" (milliseconds, UTC),
-- "-" when absent.
function M.when(t)
  local ns = type(t) == "number" and t or util.parse_time(t)
  if not ns then return "-" end
  return os.date("!%Y-%m-%d %H:%M:%S", ns // 1000000000)
    .. (".%03dZ"):format(ns % 1000000000 // 1000000)
end


--- Sorts findings in place: host files (those in the container's life
-- first), then layer files, deletions and log lines; by path or time
-- within each.  Returns the list.
function M.order_writes(list)
  local keys = {}
  for i, w in ipairs(list) do
    keys[w] = { WHERE_RANK[w.where] or 5, w.in_lifetime and 0 or 1,
      w.path or w.time or "", i }
  end
  table.sort(list, function(a, b)
    local ka, kb = keys[a], keys[b]
    for i = 1, 4 do
      if ka[i] ~= kb[i] then return ka[i] < kb[i] end
    end
    return false
  end)
  return list
end


-- Records grouped by container, in the order containers first appear.
local function by_container(recs)
  local groups, order = output.group(recs, "container")
  return order, groups
end
M.by_container = by_container


-- One row of the findings table.
local function row(w)
  local present = require "whiteout.present"
  return { where = w.where, what = w.what,
    path = w.path or present.safe(w.content) or "-",
    from = w.host_path or (w.layer and w.layer:sub(1, 12)) or "-",
    inum = w.inum, size = w.size,
    time = M.when(w.mtime or w.time),
    life = w.in_lifetime and "yes" or "no",
    sha256 = w.sha256 and w.sha256:sub(1, 16) or "-" }
end

M.COLUMNS = { "where", "path", "from", "inum", "size", "time", "life",
  "sha256" }


-- The file contents after the table, indented, with their full hash.
local function contents(write, list)
  for _, w in ipairs(list) do
    if w.target then
      write("  --- ", w.path or "?", " -> ", w.target, " (symlink)\n")
    elseif w.content and w.where ~= "log" then
      write("  --- ", w.path or "?", w.sha256 and "  sha256 " .. w.sha256
        or "", "\n")
      for line in (w.content:gsub("\n$", "") .. "\n"):gmatch("([^\n]*)\n")
      do
        write("    ", line, "\n")
      end
    elseif w.where == "log" then
      write("  --- log ", M.when(w.time), " ", w.stream or "", "\n    ",
        w.content or "", "\n")
    end
  end
end


-- The head of a container's block: name, id, state and its reasons.
local function head(write, k, list)
  if k == "?" then return end
  local r, name = nil, nil
  for _, x in ipairs(list) do
    if x.kind == "reach" or x.kind == "escape" then r = x end
    name = name or x.name
  end
  write(name or "?", " (", k:sub(1, 12), ")")
  if r then
    write(" ", r.state or "", ", created ", M.when(r.created), "\n")
    write("  reach: ", table.concat(r.reasons or {}, "; "), "\n")
    for _, d in ipairs(r.damaged or {}) do
      write("  damaged: ", d, "\n")
    end
    if r.command then
      local cmd = require("whiteout.present").safe(r.command)
      write("  command: ", #cmd > 200 and cmd:sub(1, 197) .. "..." or cmd,
        "\n")
    end
  else
    write("\n  reach: none (listed for its own layer or logs)\n")
  end
end


--- root-mounts-cron and persistence in text: per container, the reach,
-- a table of findings, their contents, and notes.  extra names a column
-- shown after "where" (persistence's "what").
function M.cron_text(recs, write, extra)
  local cols = M.COLUMNS
  if extra then
    cols = { "where", extra }
    table.move(M.COLUMNS, 2, #M.COLUMNS, 3, cols)
  end
  local order, groups = by_container(recs)
  for n, k in ipairs(order) do
    if n > 1 then write("\n") end
    head(write, k, groups[k])
    local rows, files = {}, {}
    for _, x in ipairs(groups[k]) do
      if x.kind == "note" then
        write(k == "?" and "" or "  ", "note: ", x.text, "\n")
      elseif x.kind ~= "reach" and x.kind ~= "escape" then
        rows[#rows + 1] = row(x)
        files[#files + 1] = x
      end
    end
    if #rows == 0 and k ~= "?" then write("  no writes found\n")
    elseif #rows > 0 then
      output.table(function(...) write("  ", ...) end, rows, cols, 60)
      contents(write, files)
    end
  end
end

return M

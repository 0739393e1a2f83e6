-- Finds what looks like credentials in the evidence of one container:
-- its environment, labels, command and the files of its rw layer.  The
-- rules themselves live in whiteout.secrets; this walks and records.
--
-- Caveats:
-- - Files over MAX_FILE bytes and files with NUL bytes (binaries) are
--   judged by name only; a container's scan stops after MAX_SCAN bytes.
local findings = require "whiteout.findings"
local secrets = require "whiteout.secrets"

local M = {}

M.MAX_FILE = 256 << 10
M.MAX_SCAN = 32 << 20


-- A secret record with the container's provenance.
local function rec(c, fields)
  fields.kind, fields.container, fields.name = "secret", c.id, c.name
  fields.source = fields.source or c.source
  return fields
end


-- Environment variables and labels ("NAME=value" strings or a map).
local function pairs_of(v)
  local out = {}
  if type(v) ~= "table" then return out end
  for k, x in pairs(v) do
    if type(k) == "number" and type(x) == "string" then
      local name, value = x:match("^([^=]*)=(.*)$")
      if name then out[#out + 1] = { name, value } end
    elseif type(k) == "string" and type(x) == "string" then
      out[#out + 1] = { k, x }
    end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end


--- Secrets in the container's configuration: env, labels, command.
function M.config(c)
  local out = {}
  for _, where in ipairs({ "env", "labels" }) do
    for _, kv in ipairs(pairs_of(c[where])) do
      local why = secrets.judge(kv[1], kv[2])
      if #why > 0 then
        out[#out + 1] = rec(c, { where = where == "env" and "env"
          or "label", key = kv[1], rules = why, value = kv[2] })
      end
    end
  end
  local why = type(c.command) == "string" and secrets.shapes(c.command)
    or {}
  if #why > 0 then
    out[#out + 1] = rec(c, { where = "command", key = "command",
      rules = why, value = c.command })
  end
  return out
end


-- The findings of one layer file: by its name, and line by line.
local function file_findings(root, c, e, budget, out)
  local base = { where = "file", path = e.path, layer = e.layer,
    inum = e.st.inum, size = e.st.size, source = e.source }
  local function add(extra)
    local r = rec(c, extra)
    for k, v in pairs(base) do r[k] = v end
    out[#out + 1] = r
  end
  local named = secrets.file_name_says_secret(e.path)
  local text = e.st.size <= M.MAX_FILE and budget.left >= e.st.size
    and e.src and e.src:read(e.path, 0, e.st.size)
  if text then budget.left = budget.left - #text end
  if text and text:find("\0", 1, true) then text = nil end
  local lines = text and secrets.scan_text(text) or {}
  if named and #lines == 0 then
    add({ key = e.path, rules = { "file-name" } })
  end
  for _, l in ipairs(lines) do
    add({ key = e.path .. ":" .. l.line, line = l.line, rules = l.rules,
      value = l.value })
  end
  if e.src and (named or #lines > 0) and e.st.size <= findings.MAX_HASH then
    local sum = e.src:sha256(e.path)
    for i = #out, 1, -1 do
      if out[i].path ~= e.path then break end
      out[i].sha256 = sum
    end
  end
end


--- Secrets in the files a container added or changed in its rw layer.
function M.files(root, c)
  local out, budget = {}, { left = M.MAX_SCAN }
  local list = findings.layer_entries(root, c, function(_, st, change)
    return st.type == "file" and change ~= "deleted"
  end)
  for _, e in ipairs(list) do
    if e.change ~= "deleted" then file_findings(root, c, e, budget, out) end
  end
  return out
end

return M

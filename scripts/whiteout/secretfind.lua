-- Finds what looks like credentials in the evidence of one container:
-- its environment, labels, command and the files of its rw layer.  The
-- rules themselves live in whiteout.secrets; this walks and records.
--
-- Caveats:
-- - In an image's bottom layer (a distribution's root file system) only
--   shape rules count (keys, tokens, password hashes): names, entropy
--   and file names there are the distribution's own.
-- - Files over MAX_FILE bytes and files with NUL bytes (binaries) are
--   judged by name only; a container's scan stops after MAX_SCAN bytes.
local changes = require "whiteout.changes"
local deleted = require "whiteout.deleted"
local findings = require "whiteout.findings"
local secrets = require "whiteout.secrets"
local util = require "whiteout.util"
local views = require "whiteout.views"

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


-- True when text holds public keys or certificates and no private key:
-- their base64 lines look random but are meant to be seen.
local function public_only(text)
  return (text:find("-----BEGIN PUBLIC KEY-----", 1, true)
    or text:find("-----BEGIN CERTIFICATE-----", 1, true))
    and not text:find("PRIVATE KEY-----", 1, true)
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
  if text and public_only(text) then text = nil end
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

-- The name an image goes by: its first tag, else its short id.
local function image_name(im)
  local tag = type(im.tags) == "table" and im.tags[1]
  return type(tag) == "string" and tag
    or (im.id or "?"):gsub("^sha256:", ""):sub(1, 12)
end


-- A secret record with an image's provenance.
local function image_rec(im, fields)
  fields.kind, fields.image, fields.name = "secret", im.id, image_name(im)
  fields.source = fields.source or im.source
  return fields
end


-- The cache id of the layer with diff_id in im, or nil.
local function cache_of(im, diff_id)
  for _, l in ipairs(im.layers or {}) do
    if diff_id and l.diff_id == diff_id then return l.cache_id end
  end
  return nil
end


-- Secrets in one build step's command: NAME=value pairs with a secret
-- name or shape, else shapes in the whole command.
local function step_findings(im, i, h, out)
  local cmd = type(h.created_by) == "string" and h.created_by or ""
  local base = { where = "image-history", step = i, created_by = cmd,
    created = h.created, layer = cache_of(im, h.diff_id) }
  local function add(key, value, rules)
    local r = image_rec(im, { key = key, value = value, rules = rules })
    for k, v in pairs(base) do r[k] = v end
    out[#out + 1] = r
  end
  local found = secrets.assignments(cmd)
  for _, a in ipairs(found) do add("step " .. i .. " " .. a[1], a[2], a[3]) end
  local why = #found == 0 and secrets.shapes(cmd) or {}
  if #why > 0 then add("step " .. i, cmd, why) end
end


--- Secrets in an image's configuration: its env and labels, and the
-- commands of its build history (a secret a build step wrote, even into
-- a file a later step removed, stays in the history's created_by).
-- seen (optional, a table) skips build steps (by time and command)
-- already judged for another image: a parent image's history is the
-- start of its children's.
function M.image_config(im, seen)
  local out = {}
  seen = seen or {}
  for _, where in ipairs({ "env", "labels" }) do
    for _, kv in ipairs(pairs_of(im[where])) do
      local why = secrets.judge(kv[1], kv[2])
      if #why > 0 then
        out[#out + 1] = image_rec(im, { where = where == "env" and
          "image-env" or "image-label", key = kv[1], rules = why,
          value = kv[2] })
      end
    end
  end
  for i, h in ipairs(type(im.history) == "table" and im.history or {}) do
    local key = type(h) == "table" and tostring(h.created) .. "\0"
      .. tostring(h.created_by)
    if key and not seen[key] then
      seen[key] = true
      step_findings(im, i, h, out)
    end
  end
  return out
end


-- Rules that say little in a distribution's own files (config
-- comments, package databases full of checksums, /etc/shadow itself).
local WEAK = { name = true, ["high-entropy"] = true, ["file-name"] = true }


-- Drops out[m+1..] findings that only weak rules made: a base image's
-- bottom layer is a distribution's root file system.
local function only_shapes(out, m)
  for i = #out, m + 1, -1 do
    local strong = false
    for _, rule in ipairs(out[i].rules) do strong = strong or not WEAK[rule] end
    if not strong then table.remove(out, i) end
  end
end


-- The build step of im that made the layer with diff_id: "step N", or
-- nil.
local function step_of(im, diff_id)
  for i, h in ipairs(type(im.history) == "table" and im.history or {}) do
    if type(h) == "table" and diff_id and h.diff_id == diff_id then
      return i, h.created_by
    end
  end
  return nil
end


-- The files one image layer added or changed: list of {path, st, src
-- (the view at that layer), source}.
local function layer_files(root, im, l)
  local src = views.open(root, im, l.cache_id)
  local out = {}
  local ok, err = changes.walk(root, im, l.cache_id, function(r)
    if r.type == "file" and r.change ~= "deleted" then
      out[#out + 1] = { path = r.path, src = src, source = r.source,
        layer = l.cache_id, st = { inum = r.inum, size = r.size or 0 } }
    end
  end, { hash = false })
  if not ok then views.warn(root, "image %s layer %s: %s",
    image_name(im), l.cache_id, err) end
  return src and out or {}
end


--- Secrets in the files each layer of an image added or changed (also
-- those a later layer deleted).  seen (cache id -> true) skips layers
-- already scanned for another image.
function M.image_files(root, im, seen)
  local out, budget = {}, { left = M.MAX_SCAN }
  for _, l in ipairs(im.layers or {}) do
    if l.cache_id and not seen[l.cache_id] then
      seen[l.cache_id] = true
      local step, cmd = step_of(im, l.diff_id)
      local n = #out
      for _, e in ipairs(layer_files(root, im, l)) do
        local m = #out
        file_findings(root, {}, e, budget, out)
        if l == im.layers[#im.layers] then only_shapes(out, m) end
      end
      for i = n + 1, #out do
        local r = out[i]
        r.container, r.name = nil, nil
        image_rec(im, r)
        r.where, r.step, r.created_by = "image-file", step, cmd
        r.diff_id = l.diff_id
      end
    end
  end
  return out
end


-- The newest readable config of a removed container's recovered files
-- (config.v2.json, else Docker's .tmp-config.v2.json* temporaries):
-- the decoded table and its file record, or nil.
local function removed_config(c)
  local best, cfg
  for _, f in ipairs(c.files or {}) do
    local name = type(f.name) == "string" and f.name or ""
    local data = f._data or f.content
    if type(data) == "string" and (name == "config.v2.json"
        or name:find("^%.tmp%-config%.v2%.json")) then
      local t = util.json_decode(data)
      local rank = (name == "config.v2.json" and 2 ^ 40 or 0)
        + (f.inode_seq or 0)
      if type(t) == "table" and (not best or rank > best.rank) then
        best, cfg = { rank = rank, f = f }, t
      end
    end
  end
  return cfg, best and best.f
end


--- Secrets in the environment and labels of containers removed with
-- docker rm, from their config as the disk image's journal and free
-- blocks keep it (whiteout.deleted); {} unless root is on a disk image.
-- Records say where "removed-env" or "removed-label", with the journal
-- transaction and inode of the config read.
function M.removed(root)
  if not deleted.applies(root) then return {} end
  local out = {}
  for _, c in ipairs(deleted.removed(root, true)) do
    local cfg, f = removed_config(c)
    local conf = type(cfg) == "table" and type(cfg.Config) == "table"
      and cfg.Config or {}
    for _, where in ipairs({ "env", "labels" }) do
      for _, kv in ipairs(pairs_of(where == "env" and conf.Env
          or conf.Labels)) do
        local why = secrets.judge(kv[1], kv[2])
        if #why > 0 then
          out[#out + 1] = { kind = "secret", container = c.id,
            name = c.name, removed = true, key = kv[1], value = kv[2],
            rules = why, where = where == "env" and "removed-env"
              or "removed-label",
            path = c.path .. "/" .. f.name, inum = f.inum,
            journal_seq = f.journal_seq, content_from = f.content_from,
            source = c.source }
        end
      end
    end
    for _, x in ipairs(c.files or {}) do x._data = nil end
  end
  return out
end

return M

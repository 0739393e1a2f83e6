-- Looking inside raw bytes (thin data blocks, free space): printable
-- strings, folded so that lines differing only in digits count once,
-- and known file signatures with their offsets.
local M = {}

-- Magic numbers of files worth carving: {name, bytes, offset of the
-- magic inside the file}.
M.SIGNATURES = {
  { "gzip", "\31\139\8", 0 }, { "zip", "PK\3\4", 0 },
  { "png", "\137PNG\r\n\26\n", 0 }, { "jpeg", "\255\216\255", 0 },
  { "pdf", "%PDF-", 0 }, { "elf", "\127ELF", 0 },
  { "tar", "ustar", 257 }, { "bzip2", "BZh91AY&SY", 0 },
  { "xz", "\253\55\122\88\90\0", 0 }, { "7z", "7z\188\175\39\28", 0 },
  { "sqlite", "SQLite format 3\0", 0 }, { "script", "#!/", 0 },
  { "pem", "-----BEGIN ", 0 }, { "ssh-key", "ssh-rsa AAAA", 0 },
}


--- Printable runs of at least min (default 8) characters in data,
-- folded: {text, count, offset} per shape (digits ignored), at most
-- max (default 20) shapes, in order of first appearance.
-- carve.strings("xx hello world 1\0hello world 2") -->
--   { { text = "xx hello world 1", count = 1, offset = 0 }, ... }
function M.strings(data, min, max)
  if type(data) ~= "string" then
    error("bad argument #1 to 'strings' (string expected)", 2)
  end
  min, max = min or 8, max or 20
  local out, by = {}, {}
  for at, s in data:gmatch("()([%g ][%g ]+)") do
    if #s >= min then
      local shape = s:gsub("%d", "#")
      local e = by[shape]
      if e then
        e.count = e.count + 1
      elseif #out < max then
        e = { text = s:sub(1, 200), count = 1, offset = at - 1 }
        by[shape] = e
        out[#out + 1] = e
      end
    end
  end
  return out
end


--- Known file signatures in data: list of {type, offset} where offset
-- is where the file would start (its magic's offset less the magic's
-- place in the file).
function M.signatures(data)
  if type(data) ~= "string" then
    error("bad argument #1 to 'signatures' (string expected)", 2)
  end
  local out = {}
  for _, sig in ipairs(M.SIGNATURES) do
    local name, magic, at = sig[1], sig[2], sig[3]
    local i = 1
    while true do
      local s = data:find(magic, i, true)
      if not s then break end
      if s - 1 - at >= 0 then
        out[#out + 1] = { type = name, offset = s - 1 - at }
      end
      i = s + 1
    end
  end
  table.sort(out, function(a, b) return a.offset < b.offset end)
  return out
end

return M

-- What looks like a credential: by the name it is kept under and by the
-- shape of the value (key formats, private key headers, passwords in
-- URLs, password hashes, random-looking strings).  Pure rules over text;
-- no list of known values.
--
-- Caveats:
-- - Entropy is a guess: a long random-looking id kept under a neutral
--   name is reported as "high-entropy" (hex-only strings are not, since
--   ids and digests are hex).
-- - Shapes are checked line by line; a key split over lines is only seen
--   by its header.
local M = {}

-- Names that say "this holds a secret" (upper-cased, "-" and "." as "_").
local NAME_WORDS = { "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN",
  "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH",
  "_PASS$", "^PASS$", "_PWD$", "^PWD_", "SESSION_KEY", "SIGNING_KEY",
  "CLIENT_KEY", "ENCRYPTION_KEY", "_DSN$", "CONN_STR", "CONNECTION_STRING" }

-- Names that look like secrets but are ordinary settings.
local NAME_EXCEPT = { ["PWD"] = true, ["AUTH_TYPE"] = true,
  ["OLDPWD"] = true }

-- Value shapes: { rule name, Lua pattern }.
local SHAPES = {
  { "private-key", "%-%-%-%-%-BEGIN [%u ]*PRIVATE KEY%-%-%-%-%-" },
  { "aws-access-key-id", "%f[%w](A[KS]IA[%u%d][%u%d][%u%d][%u%d]"
    .. "[%u%d][%u%d][%u%d][%u%d][%u%d][%u%d][%u%d][%u%d][%u%d][%u%d]"
    .. "[%u%d][%u%d])%f[%W]" },
  { "github-token", "%f[%w](gh[pousr]_%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w"
    .. "%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w)" },
  { "github-token", "github_pat_[%w_]+" },
  { "slack-token", "xox[abprs]%-[%w%-]+" },
  { "google-api-key", "AIza[%w_%-]+" },
  { "jwt", "eyJ[%w_%-]+%.eyJ[%w_%-]+%.[%w_%-]+" },
  { "password-in-url", "%a[%w+.-]*://[^/%s:@]+:[^/%s@]+@[%w.-]+" },
  { "password-hash", "^[%w_.-]+:%$%w+%$[^:]+:" },
}

-- Below this many bits per character a long string is not reported as
-- random-looking; 4.0 sits above English words and below base64 keys.
M.MIN_ENTROPY = 4.0
M.MIN_RANDOM_LEN = 20


--- True when a variable or label name says it holds a secret.
-- name_says_secret("DB_PASSWORD") --> true
function M.name_says_secret(name)
  if type(name) ~= "string" then
    error("name_says_secret: name must be a string", 2)
  end
  local n = name:upper():gsub("[%-%.]", "_")
  if NAME_EXCEPT[n] then return false end
  for _, w in ipairs(NAME_WORDS) do
    if n:find(w) then return true end
  end
  return false
end


--- Shannon entropy of a string, in bits per character.
function M.entropy(s)
  local counts, n = {}, #s
  if n == 0 then return 0 end
  for i = 1, n do
    local c = s:byte(i)
    counts[c] = (counts[c] or 0) + 1
  end
  local h = 0
  for _, k in pairs(counts) do
    local p = k / n
    h = h - p * math.log(p, 2)
  end
  return h
end


-- A token that looks random: long, mixed letters and digits, not hex
-- only, not a path or a word list, high entropy.
local function random_looking(tok)
  if #tok < M.MIN_RANDOM_LEN or tok:match("^%x+$") then return false end
  if not (tok:find("%d") and tok:find("%l") and tok:find("%u")) then
    return false
  end
  if tok:find("^/") or tok:find("[/.]%l+[/.]") then return false end
  return M.entropy(tok) >= M.MIN_ENTROPY
end


--- The shape rules a value matches: list of rule names (maybe empty).
-- shapes("AKIAIOSFODNN7EXAMPLE") --> {"aws-access-key-id"}
function M.shapes(value)
  if type(value) ~= "string" then
    error("shapes: value must be a string", 2)
  end
  local out = {}
  for _, s in ipairs(SHAPES) do
    if value:find(s[2]) then out[#out + 1] = s[1] end
  end
  if #out == 0 then
    for tok in value:gmatch("[%w+/=_%-]+") do
      if random_looking(tok) then out[#out + 1] = "high-entropy" break end
    end
  end
  return out
end


-- Values that are settings, not secrets, whatever the name says
-- (TOKENIZERS_PARALLELISM=false, AUTH_ENABLED=yes).
M.SETTINGS = { ["true"] = true, ["false"] = true, yes = true, no = true,
  on = true, off = true, ["0"] = true, ["1"] = true, none = true,
  null = true, disabled = true, enabled = true }


--- Judges a name and its value.  Returns the list of reasons, empty when
-- neither looks like a secret.  An empty value is never a secret.
function M.judge(name, value)
  if type(value) ~= "string" or value == "" then return {} end
  local why = M.shapes(value)
  if name and M.name_says_secret(name) and not M.SETTINGS[value:lower()]
  then
    table.insert(why, 1, "name")
  end
  return why
end


--- Masks a secret for text output: the first 3 and last 2 characters of
-- a long value, stars for the rest.  mask("Hunter2-DFX") --> "Hun******FX"
function M.mask(v)
  if type(v) ~= "string" then return v end
  local n = utf8.len(v) or #v
  if n < 12 then return ("*"):rep(math.min(n, 8)) end
  return v:sub(1, 3) .. ("*"):rep(math.min(n - 5, 24)) .. v:sub(-2)
end


-- File names that hold credentials whatever their content.
local FILE_NAMES = { "/id_[%w]+$", "%.pem$", "%.key$", "%.p12$", "%.pfx$",
  "/%.env$", "/%.env%.[%w]+$", "/%.aws/credentials$", "/%.netrc$",
  "/%.pgpass$", "/%.git%-credentials$", "/%.docker/config%.json$",
  "/%.kube/config$", "/shadow$", "/gshadow$", "/%.my%.cnf$",
  "/%.htpasswd$", "/%.npmrc$", "/%.pypirc$", "/%.vault%-token$" }


--- True when a file's path says it holds credentials.
function M.file_name_says_secret(p)
  if type(p) ~= "string" then
    error("file_name_says_secret: path must be a string", 2)
  end
  if p:find("%.pub$") then return false end
  for _, pat in ipairs(FILE_NAMES) do
    if p:find(pat) then return true end
  end
  return false
end


--- Scans a file's text line by line.  Returns a list of
-- {line = n, rules = {...}, value = the line} for lines that match a
-- shape rule or a NAME=value / name: value pair with a secret name.
-- At most `max` findings (default 20).
function M.scan_text(text, max)
  local out = {}
  max = max or 20
  local n = 0
  for line in text:gmatch("[^\n]+") do
    n = n + 1
    local key, val = line:gsub("^%s*export%s+", "")
      :match("^%s*([%w_%.%-]+)%s*[=:]%s*[\"']?(.-)[\"']?%s*$")
    local rules = M.judge(key, val)
    if #rules == 0 then rules = M.shapes(line) end
    if #rules > 0 then
      out[#out + 1] = { line = n, rules = rules, value = line }
      if #out >= max then break end
    end
  end
  return out
end

--- The NAME=value assignments in a command line (a build step, a
-- shell command) that judge() calls secrets: list of {key, value,
-- rules}, at most max (default 20).
-- assignments('echo "api_key=x7Qz" > f') --> {{"api_key", "x7Qz", {"name"}}}
function M.assignments(text, max)
  if type(text) ~= "string" then
    error("assignments: text must be a string", 2)
  end
  local out = {}
  for key, value in text:gmatch("([%a_][%w_%.%-]*)=[\"']?([^%s\"';&|<>]+)")
  do
    local rules = M.judge(key, value)
    if #rules > 0 then
      out[#out + 1] = { key, value, rules }
      if #out >= (max or 20) then break end
    end
  end
  return out
end

return M

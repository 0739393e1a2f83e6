-- Playbook: what looks like credentials in containers' environment,
-- labels, command lines and rw layers; masked in text, whole in json.
local findings = require "whiteout.findings"
local report = require "whiteout.report"
local output = require "whiteout.output"
local secretfind = require "whiteout.secretfind"
local secrets = require "whiteout.secrets"

local COLUMNS = { "name", "where", "key", "rules", "value", "layer" }


local function run(ev, args, emit)
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      for _, r in ipairs(secretfind.config(e.c)) do emit(r) end
      if args.files ~= "no" then
        for _, r in ipairs(secretfind.files(e.root, e.c)) do emit(r) end
      end
    end
  end
end


-- Text: values masked, so a report can be shared; json keeps them.
local function text(recs, write)
  local rows = {}
  for i, r in ipairs(recs) do
    rows[i] = setmetatable({ value = secrets.mask(r.value) or "-",
      layer = r.layer and r.layer:sub(1, 12) }, { __index = r })
  end
  output.table(write, rows, COLUMNS, 60)
end


return {
  description = [[
Finds what looks like credentials: environment variables and labels of
each container, its command line, and the files it added or changed in
its rw layer. Judged by names (PASSWORD, SECRET, TOKEN, API_KEY,
ACCESS_KEY, ... in a variable name; id_rsa, .env, .aws/credentials,
.netrc, shadow, *.pem, ... as a file name) and by the shape of values
(AWS access key ids, private key headers, GitHub, Slack and Google
tokens, JWTs, passwords in URLs, crypt password hashes, long random
strings by their entropy), not by a list of known values. Records of kind
"secret" with where (env, label, command, file), key, rules, value and,
for files, path, line, layer, inum and sha256. Text output masks values;
json and jsonl keep them whole, so handle those files as secrets.]],
  categories = { "safe", "investigation" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "files", default = "yes", choices = { "yes", "no" },
      help = "also scan the files of each rw layer" },
  },
  usage = [[
whiteout run secrets -e /mnt/host
whiteout run secrets -e ./var-lib-docker --format json -o secrets.json]],
  sample = report.unwrap [[
$ whiteout run secrets -e build/sample-host
NAME  WHERE  KEY          RULES  VALUE                LAYER
web   env    DB_PASSWORD  name   sam**************et
]],
  applies = function(ev) return #ev.roots > 0 end,
  run = run,
  text = text,
}

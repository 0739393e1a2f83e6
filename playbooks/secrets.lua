-- Playbook: what looks like credentials in containers' environment,
-- labels, command lines and rw layers; masked in text, whole in json.
local findings = require "whiteout.findings"
local report = require "whiteout.report"
local output = require "whiteout.output"
local secretfind = require "whiteout.secretfind"
local secrets = require "whiteout.secrets"

local COLUMNS = { "name", "where", "key", "rules", "value", "layer" }


-- The images of every data root, with the root: list of {root, im},
-- tagged ones first (so a finding names the image a user knows).
local function all_images(ev)
  local out = {}
  for _, root in ipairs(ev.roots or {}) do
    local ok, list = pcall(root.images, root)
    for _, im in ipairs(ok and list or {}) do
      if not im.error then out[#out + 1] = { root = root, im = im } end
    end
  end
  local function tagged(e) return #(e.im.tags or {}) > 0 and 0 or 1 end
  local order = {}
  for i, e in ipairs(out) do order[e] = i end
  table.sort(out, function(a, b)
    if tagged(a) ~= tagged(b) then return tagged(a) < tagged(b) end
    return order[a] < order[b]
  end)
  return out
end


-- Images: their config and build history, and their layers' files
-- (each layer once, under the first image that has it).
local function run_images(ev, args, emit)
  local seen, steps = {}, {}
  for _, e in ipairs(all_images(ev)) do
    for _, r in ipairs(secretfind.image_config(e.im, steps)) do emit(r) end
    if args.files ~= "no" then
      seen[e.root] = seen[e.root] or {}
      for _, r in ipairs(secretfind.image_files(e.root, e.im,
          seen[e.root])) do
        emit(r)
      end
    end
  end
end


local function run(ev, args, emit)
  for _, e in ipairs(findings.containers(ev)) do
    if findings.picked(e.c, args.container) then
      for _, r in ipairs(secretfind.config(e.c)) do emit(r) end
      if args.files ~= "no" then
        for _, r in ipairs(secretfind.files(e.root, e.c)) do emit(r) end
      end
    end
  end
  if args.images ~= "no" and (args.container or "") == "" then
    run_images(ev, args, emit)
  end
  -- containers removed with docker rm (disk images only)
  if (args.container or "") == "" then
    for _, root in ipairs(ev.roots or {}) do
      for _, r in ipairs(secretfind.removed(root)) do emit(r) end
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
each container and image, its command line, and the files it added or changed in
its rw layer. Judged by names (PASSWORD, SECRET, TOKEN, API_KEY,
ACCESS_KEY, ... in a variable name; id_rsa, .env, .aws/credentials,
.netrc, shadow, *.pem, ... as a file name) and by the shape of values
(AWS access key ids, private key headers, GitHub, Slack and Google
tokens, JWTs, passwords in URLs, crypt password hashes, long random
strings by their entropy), not by a list of known values. Images too
(unless --arg container is given): their env and labels, the commands
of their build history (image-history: a secret a build step wrote
stays in created_by even when a later step removed the file) and the
files each of their layers added (image-file; in an image's bottom
layer, the distribution's own, only key and token shapes count).
On a disk image, also the env and labels of containers removed with
docker rm, from their config as the journal keeps it (removed-env,
removed-label, with the journal transaction and inode read).
Records of kind "secret" with where (env, label, command, file,
image-env, image-label, image-history, image-file, removed-env,
removed-label), key, rules, value;
for files path, line, layer, inum and sha256; for images image, step
and created_by. Text output masks values;
json and jsonl keep them whole, so handle those files as secrets.]],
  categories = { "safe", "investigation" },
  args = {
    { name = "container", help = "only this container (id, prefix or name)" },
    { name = "files", default = "yes", choices = { "yes", "no" },
      help = "also scan the files of each rw layer (and image layer)" },
    { name = "images", default = "yes", choices = { "yes", "no" },
      help = "also scan images: env, labels, build history, layer files "
        .. "(not with container)" },
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

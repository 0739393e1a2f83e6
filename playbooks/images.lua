-- Playbook: every image of every data root, with its history.
local output = require "whiteout.output"
local present = require "whiteout.present"

local COLUMNS = { "id", "tags", "created", "size", "layers", "os",
  "architecture" }


-- Images no other image names as its parent: the ones worth a
-- Dockerfile (intermediate build images repeat their children's start).
local function leaves(recs)
  local parent = {}
  for _, r in ipairs(recs) do
    if r.parent then parent[r.parent] = true end
  end
  local out = {}
  for _, r in ipairs(recs) do
    if not parent[r.id] or (r.tags and #r.tags > 0) then out[#out + 1] = r end
  end
  return out
end


local function rows(recs)
  local out = present.with_times(recs, { "created" })
  for _, r in ipairs(out) do
    r.id = r.id:gsub("^sha256:", ""):sub(1, 12)
    r.layers = #(r.layers or {})
    r.tags = r.tags and #r.tags > 0 and r.tags or { "<none>" }
  end
  return out
end


return {
  description = [[
Lists every image of each data root: tags and digests
(repositories.json), the image config (created, author, entrypoint,
cmd, env, user, working dir, ports, volumes, labels), its history, its
diff ids and the layer chain (chain id, cache id, size, parent) from the
layerdb. In text format each image that is not only a parent of another
also prints as a pseudo-Dockerfile rebuilt from its history.]],
  categories = { "safe", "metadata" },
  args = {},
  usage = "whiteout run images -e /mnt/evidence/var/lib/docker",
  -- taken from `whiteout run images` on the sample (make sample)
  sample =
    "ID            TAGS                CREATED               SIZE  " ..
    " LAYERS  OS     ARCHITECTURE\n" ..
    "1ad5bbd6f125  sample/app:2.0      2026-12-01 09:05:00Z  65755  2 " ..
    "      linux  amd64\n" ..
    "b783871e2c8c  sample/busybox:1.0  2026-12-01 09:00:00Z  45222  1 " ..
    "      linux  amd64\n" ..
    "\n" ..
    "# sample/app:2.0  (sha256:1ad5bbd6f125901ae49a8bdc10e16752f3a1e321" ..
    "fa4cfe324b0e205c357d8f6a)\n" ..
    "# 2026-12-01 09:00:00Z layer e7efd841c558\n" ..
    "ADD file:4b1e0c3a /\n" ..
    "# 2026-12-01 09:00:00Z\n" ..
    "CMD [\"sh\"]\n" ..
    "# 2026-12-01 09:04:59Z layer 6a98cdae0b98\n" ..
    "RUN /bin/sh -c mkdir -p /app /opt/data && rm -f /etc/motd\n" ..
    "# 2026-12-01 09:05:00Z\n" ..
    "ENTRYPOINT [\"/app/run.sh\"]\n",
  applies = function(ev) return #ev.roots > 0 end,
  run = function(ev, args, emit)
    for _, root in ipairs(ev.roots) do
      for _, img in ipairs(root:images()) do emit(img) end
    end
  end,
  text = function(recs, write)
    present.each_root(write, recs, function(list)
      output.table(write, rows(list), COLUMNS, 60)
      for _, img in ipairs(leaves(list)) do
        write("\n")
        present.dockerfile(write, img)
      end
    end)
  end,
}

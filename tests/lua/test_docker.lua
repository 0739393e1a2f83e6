-- The Docker model on the sample data root that tests/fixtures/make-sample
-- builds: containers, images, layer stacks, lookups, logs.
local t = require "testlib"
local docker = require "whiteout.docker"
local evidence = require "whiteout.evidence"
local hash = require "whiteout.hash"
local images = require "whiteout.images"
local containers = require "whiteout.containers"

local dir = t.tmp("docker-sample")
assert(os.execute("tests/fixtures/make-sample " .. dir .. " >/dev/null"))
local ev = assert(evidence.open({ dir }))
local root = ev.roots[1]

local function id_of(s)
  return hash.sha256(s)
end

local function by_name(name)
  for _, c in ipairs(root:containers()) do
    if c.name == name then return c end
  end
end

t.eq("one data root", #ev.roots, 1)
t.eq("driver name", root.driver_name, "overlay2")
t.eq("layout", root.layout, "v2")
t.eq("six containers", #root:containers(), 6)

-- Each container: field, expected value.
local intruder = by_name("intruder")
local web = by_name("web")
local cases = {
  { intruder, "id", id_of("container:intruder") },
  { intruder, "image", "sample/busybox:1.0" },
  { intruder, "created", "2026-12-01T09:14:05.123456789Z" },
  { intruder, "started", "2026-12-01T09:14:05.400000000Z" },
  { intruder, "finished", "2026-12-01T09:14:09.900000000Z" },
  { intruder, "state", "exited" },
  { intruder, "running", false },
  { intruder, "privileged", true },
  { intruder, "cap_add", { "SYS_ADMIN" } },
  { intruder, "binds", { "/:/host" } },
  { intruder, "command", "sh -c 'echo planted > /host/etc/cron.d/sample'" },
  { intruder, "mount_id", id_of("cache:rw:intruder") },
  { intruder, "init_id", id_of("cache:rw:intruder") .. "-init" },
  { intruder, "source", dir .. "/containers/" .. id_of("container:intruder")
    .. "/config.v2.json" },
  { web, "state", "running" },
  { web, "pid", 4242 },
  { web, "finished", "0001-01-01T00:00:00Z" },
  { web, "port_bindings", { "8080->80/tcp" } },
  { web, "log_driver", "json-file" },
  { web, "env", { "DB_PASSWORD=sample-not-a-secret", "APP_MODE=production" } },
  { web, "entrypoint", { "/app/run.sh" } },
  { by_name("etc-reader"), "binds", { "/etc:/host-etc:ro" } },
  { by_name("quiet"), "tmpfs", { ["/run"] = "rw" } },
}
for _, c in ipairs(cases) do
  t.eq(c[1].name .. " " .. c[2], c[1][c[2]], c[3])
end

-- Mounts: a bind and a named volume resolved to its folder.
t.eq("intruder mount", intruder.mounts[1], { type = "bind", source = "/",
  destination = "/host", rw = true, name = "", driver = "",
  propagation = "rprivate" })
t.eq("web volume source", web.mounts[1].source,
  dir .. "/volumes/webdata/_data")
t.eq("web volume name", web.mounts[1].name, "webdata")

-- The layer stack, top first.
local roles = {}
for i, l in ipairs(web.layers) do roles[i] = l.role end
t.eq("web layer roles", roles, { "rw", "init", "image", "image" })
t.eq("web image top cache id", web.layers[3].cache_id, id_of("cache:app"))
t.eq("web image bottom cache id", web.layers[4].cache_id,
  id_of("cache:base"))
t.eq("web layer entries are plain", getmetatable(web.layers[1]), nil)

-- Images.
local app = assert(root:image("sample/app:2.0"))
t.eq("image by tag", app.tags, { "sample/app:2.0" })
t.eq("image user", app.user, "nobody")
t.eq("image working dir", app.working_dir, "/app")
t.eq("image exposed ports", app.exposed_ports, { "80/tcp" })
t.eq("image volumes", app.volumes, { "/data" })
t.eq("image history length", #app.history, 4)
t.eq("buildkit history", app.history[3].created_by,
  "RUN /bin/sh -c mkdir -p /app /opt/data && rm -f /etc/motd # buildkit")
t.eq("empty layer", app.history[4].empty_layer, true)
t.eq("chain id", app.chain_id, images.chain_ids(app.diff_ids)[2])
t.eq("chain id formula", app.chain_id, "sha256:" .. hash.sha256(
  app.diff_ids[1] .. " " .. app.diff_ids[2]))
t.eq("layer chain top cache", app.layers[1].cache_id, id_of("cache:app"))
t.eq("layer chain parent", app.layers[1].parent, app.layers[2].chain_id)
t.eq("image parent", app.parent, root:image("sample/busybox:1.0").id)
t.eq("image by id", root:image(app.id), app)
t.eq("image by bare prefix", root:image(app.id:sub(8, 14)), app)
t.eq("image by short name", root:image("sample/app:2.0"), app)
t.eq("unknown image", root:image("nope:1"), nil)

-- Container lookups as Docker resolves them.
t.eq("by full id", root:container(web.id), web)
t.eq("by name", root:container("web"), web)
t.eq("by /name", root:container("/web"), web)
t.eq("by prefix", root:container(web.id:sub(1, 5)), web)
local none, why = root:container("zzz")
t.eq("unknown container", none, nil)
t.ok("unknown container says so", why and why:find("no container"), why)
-- Logs: json-file with rotations (one gzip), local driver, journald.
local lines = {}
for _, r in ipairs(root:logs(web)) do lines[#lines + 1] = r.line end
t.eq("json-file logs, rotated, oldest first", lines,
  { "GET /index.html 200", "GET /admin 404", "GET /login 200" })
local q = root:logs(by_name("quiet"))
t.eq("local driver lines", { q[1].line, q[2].line },
  { "hello from local", "done" })
t.eq("local driver time", q[1].time, "2026-12-01T09:11:00.500000000Z")
t.eq("local driver stream", q[2].stream, "stderr")
local n = root:logs(by_name("shipper"))
t.eq("journald note", n[1].kind, "note")
t.ok("journald note says journal", n[1].note:find("journal"), n[1].note)

-- Pure helpers.
t.eq("state string created", containers.state_string({ Running = false,
  StartedAt = "0001-01-01T00:00:00Z" }), "created")
t.eq("state string paused", containers.state_string({ Running = true,
  Paused = true }), "paused")
t.eq("command line", containers.command_line("sh", { "-c", "a b" }),
  "sh -c 'a b'")
t.eq("chain ids", images.chain_ids({ "sha256:a", "sha256:b" }),
  { "sha256:a", "sha256:" .. hash.sha256("sha256:a sha256:b") })

-- Bad arguments raise.
t.raises("new_root bad argument", function() docker.new_root(nil) end,
  "bad argument")
t.raises("container bad argument", function() root:container(1) end,
  "bad argument")
t.raises("image bad argument", function() root:image("") end,
  "bad argument")
t.raises("layer_chain bad argument", function() root:layer_chain(nil) end,
  "bad argument")
t.raises("layer bad argument", function() root:layer({}) end,
  "bad argument")
t.raises("read_capped bad argument",
  function() root:read_capped("x", "big") end, "bad argument")
t.raises("where bad argument", function() root:where(nil) end,
  "bad argument")
t.raises("logs bad argument", function() root:logs(nil) end,
  "bad argument")
t.raises("cache_id bad argument", function() root:cache_id(1) end,
  "bad argument")
t.raises("image_chain bad argument", function() root:image_chain() end,
  "bad argument")
t.raises("store_of bad argument", function() root:store_of() end,
  "bad argument")
t.raises("read_json bad argument", function() root:read_json(1) end,
  "bad argument")
t.raises("read_id bad argument", function() root:read_id() end,
  "bad argument")
t.raises("list bad argument", function() root:list() end, "bad argument")
t.raises("by_prefix bad argument", function() root:by_prefix() end,
  "bad argument")
t.raises("warn bad argument", function() root:warn("x") end,
  "bad argument")
t.eq("is_root", { docker.is_root({}), docker.is_root(root) },
  { false, true })
t.raises("chain_ids bad argument", function() images.chain_ids("x") end,
  "bad argument")
t.raises("state_string bad argument",
  function() containers.state_string(nil) end, "bad argument")
t.raises("command_line bad argument",
  function() containers.command_line(1) end, "bad argument")

-- A host folder with two data roots: both reported, each record's
-- source as the host sees it.
local host = t.tmp("docker-host")
assert(os.execute(("mkdir -p %s/var/lib %s/home/ann/.local/share && "
  .. "cp -a %s %s/var/lib/docker && cp -a %s %s/home/ann/.local/share/"
  .. "docker"):format(host, host, dir, host, dir, host)))
local hev = assert(evidence.open({ host }))
t.eq("host: two data roots", #hev.roots, 2)
local srcs = {}
for i, r in ipairs(hev.roots) do
  srcs[i] = r:container("web").source:match("^(.-)/containers/")
end
table.sort(srcs)
t.eq("host: sources as the host sees them", srcs,
  { "/home/ann/.local/share/docker", "/var/lib/docker" })
t.eq("host: volume source under the data root",
  hev.roots[1]:container("web").mounts[1].source:match("volumes/.*$"),
  "volumes/webdata/_data")

-- A storage driver with its own stacks replaces the layerdb's.
local drivers = require "whiteout.drivers"
local ddir = t.tmp("docker-fake-driver")
local f = assert(io.open(ddir .. "/overlay2.lua", "w"))
f:write([[
return { description = "a test driver", detect = function() return true end,
  layer_dir = function(root, cache_id) return "overlay2/" .. cache_id end,
  container_layers = function(root, c)
    return { { role = "rw", cache_id = "from-driver-" .. c.name } }
  end,
  image_layers = function(root, img) return { { cache_id = "img" } } end }
]])
f:close()
drivers.setup("scripts/drivers", ddir, nil)
local dev = assert(evidence.open({ dir }))
t.eq("test driver chosen", dev.roots[1].driver.path, ddir .. "/overlay2.lua")
t.eq("driver container_layers used",
  dev.roots[1]:container("web").layers,
  { { role = "rw", cache_id = "from-driver-web" } })
t.eq("driver image_layers used",
  dev.roots[1]:image("sample/app:2.0").layers, { { cache_id = "img" } })
drivers.setup("scripts/drivers", nil, nil)

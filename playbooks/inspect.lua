-- Playbook: everything known about one container.
local present = require "whiteout.present"

local M = {
  description = [[
Shows everything known about one container: its configuration and host
configuration merged (command, env, user, mounts, binds, privileges,
capabilities, namespaces, devices, ports, restart policy, log driver),
its state and times, its layer stack top first (read-write, init, image
layers with cache, chain and diff ids), and its image. The container is
named by full id, id prefix (as Docker resolves them) or name.]],
  categories = { "safe", "metadata" },
  args = {
    { name = "container", required = true,
      help = "the container's id, id prefix or name" },
  },
  usage = "whiteout run inspect -e /mnt/evidence --arg container=attacker",
  -- from `whiteout run inspect --arg container=intruder` on the sample
  sample =
    "== container intruder (55819102b216)\n" ..
    "id                 55819102b21650717b90bc27a2dca43b0a1de08752da78a" ..
    "315509f9bca429031\n" ..
    "name               intruder\n" ..
    "image              sample/busybox:1.0\n" ..
    "image_id           sha256:b783871e2c8c0d3297781ca03b2c6090a94799a3" ..
    "350dc8a55979e17f0775a13c\n" ..
    "state              exited\n" ..
    "running            false\n" ..
    "pid                0\n" ..
    "exit_code          0\n" ..
    "created            2026-12-01T09:14:05.123456789Z\n" ..
    "started            2026-12-01T09:14:05.400000000Z\n" ..
    "finished           2026-12-01T09:14:09.900000000Z\n" ..
    "command            sh -c 'echo planted > /host/etc/cron.d/sample'\n" ..
    "...\n" ..
    "layers:\n" ..
    "  ROLE   CACHE_ID                                                " ..
    "               CHAIN_ID      DIFF_ID\n" ..
    "  rw     73f5bdf65a49                                            " ..
    "                             \n" ..
    "  init   73f5bdf65a49f9814a645bfdc588268fb41a25b1b6f713a36ca1c88b2" ..
    "ad34236-init                \n" ..
    "  image  835694c14e35                                            " ..
    "               e7efd841c558  e7efd841c558\n",
}

-- Fields shown first, in this order.
local ORDER = { "id", "name", "image", "image_id", "state", "running", "pid",
  "exit_code", "created", "started", "finished", "command", "path", "args",
  "entrypoint", "cmd", "user", "working_dir", "env", "privileged",
  "cap_add", "cap_drop", "binds", "pid_mode", "network_mode", "ipc_mode",
  "uts_mode", "devices", "security_opt", "port_bindings", "ports",
  "restart_policy", "log_driver", "log_path", "mount_id", "init_id" }


function M.applies(ev) return #ev.roots > 0 end


function M.run(ev, args, emit)
  if not args.container or args.container == "" then
    error("inspect needs --arg container=ID|NAME", 0)
  end
  local found, why = false, nil
  for _, root in ipairs(ev.roots) do
    local c, err = root:container(args.container)
    if c then
      found = true
      emit(c)
      local img = c.image_id and root:image(c.image_id)
      if img then emit(img) end
    else
      why = err
    end
  end
  if not found then error(why or "no such container", 0) end
end


function M.text(recs, write)
  for i, r in ipairs(recs) do
    if i > 1 then write("\n") end
    local label = r.name or (r.tags and r.tags[1]) or ""
    write(("== %s %s (%s)\n"):format(r.kind, label,
      (r.id or ""):gsub("^sha256:", ""):sub(1, 12)))
    present.keyvalue(write, r, ORDER)
  end
end

return M

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
    { name = "container", help = "the container's id, id prefix or name" },
  },
  usage = "whiteout run inspect -e /mnt/evidence --arg container=attacker",
  sample = [[
== container attacker (b1ee54c60254)
id                 b1ee54c6025476580542b26bfdd9845532fdb021767de021eca058639e5cdca3
name               attacker
image              dfx/busybox:1.35
state              exited
privileged         true
binds              /:/host

layers:
  ROLE   CACHE_ID                                                          CHAIN_ID      DIFF_ID
  rw     56cb9693f4055f873e78a138e074e4103353981ee1db3a7dd12752ee3b5f9b29
  init   56cb9693f4055f873e78a138e074e4103353981ee1db3a7dd12752ee3b5f9b29-init
  image  2ea66ab7fa4e...                                                   f497ef6c12b0  f497ef6c12b0
]],
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

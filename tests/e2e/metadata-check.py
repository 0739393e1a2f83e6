#!/usr/bin/env python3
"""containers, images and inspect on real data roots, field by field:
dockerd-ext4 against what its live daemon said (docker inspect, docker
ps), docker-explorer's roots against their own files.  Prints ok / not
ok lines.  Args: the whiteout binary, the cache folder of unpacked
evidence, the evidence folder."""
import json, os, subprocess, sys

wo, cache, ev = sys.argv[1:4]
view = os.path.join(ev, "dockerd-ext4", "daemon-view")
failed = 0


def check(name, got, want):
    global failed
    if got == want:
        print("ok " + name)
    else:
        failed += 1
        print("not ok %s: got %r, want %r" % (name, got, want))


def run(pb, root, *args):
    cmd = [wo, "run", pb, "-e", root, "--format", "jsonl"]
    for a in args:
        cmd += ["--arg", a]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        check("%s on %s exits 0" % (pb, root), r.returncode, 0)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def empty(v):
    """Docker writes null, [] or {} for nothing; whiteout leaves it out."""
    return None if v in (None, [], {}, "") else v


def restart(p):
    if not p or not p.get("Name"):
        return None
    n = p.get("MaximumRetryCount") or 0
    return p["Name"] + (":%d" % n if n else "")


def ports(m):
    out = []
    for key in sorted(m or {}):
        binds = (m or {})[key]
        if not binds:
            out.append(key)
        for b in binds or []:
            ip = b.get("HostIp") or ""
            out.append((ip + ":" if ip else "") + b["HostPort"] + "->" + key)
    return out


def want_container(c):
    hc, cf, st = c["HostConfig"], c["Config"], c["State"]
    gd = c["GraphDriver"]["Data"]
    lower = [p.split("/")[-2] for p in gd["LowerDir"].split(":")]
    return {
        "id": c["Id"], "name": c["Name"].lstrip("/"), "image": cf["Image"],
        "image_id": c["Image"], "created": c["Created"],
        "started": st["StartedAt"], "finished": st["FinishedAt"],
        "state": st["Status"], "running": st["Running"], "pid": st["Pid"],
        "exit_code": st["ExitCode"], "restart_count": c["RestartCount"],
        "driver": c["Driver"], "platform": c["Platform"], "path": c["Path"],
        "args": empty(c["Args"]), "log_path": c["LogPath"],
        "env": empty(cf["Env"]), "user": cf["User"],
        "working_dir": cf["WorkingDir"], "labels": empty(cf["Labels"]),
        "tty": cf["Tty"], "open_stdin": cf["OpenStdin"],
        "hostname": cf["Hostname"], "domainname": cf["Domainname"],
        "entrypoint": empty(cf["Entrypoint"]), "cmd": empty(cf["Cmd"]),
        "privileged": hc["Privileged"], "cap_add": empty(hc["CapAdd"]),
        "cap_drop": empty(hc["CapDrop"]), "pid_mode": hc["PidMode"],
        "network_mode": hc["NetworkMode"], "ipc_mode": hc["IpcMode"],
        "uts_mode": hc["UTSMode"], "userns_mode": hc["UsernsMode"],
        "cgroupns_mode": hc["CgroupnsMode"],
        "devices": empty(hc["Devices"]),
        "security_opt": empty(hc["SecurityOpt"]),
        "readonly_rootfs": hc["ReadonlyRootfs"],
        "restart_policy": restart(hc["RestartPolicy"]),
        "log_driver": hc["LogConfig"]["Type"],
        "log_opts": empty(hc["LogConfig"]["Config"]),
        "binds": empty(hc["Binds"]),
        "port_bindings": empty(ports(hc["PortBindings"])),
        "ports": empty(ports(c["NetworkSettings"]["Ports"])),
        "mounts": sorted((m["Type"], m["Source"], m["Destination"], m["RW"],
                          m.get("Name", "")) for m in c["Mounts"]),
        "mount_id": gd["UpperDir"].split("/")[-2],
        "init_id": lower[0],
        "layers": [c["GraphDriver"]["Data"]["UpperDir"].split("/")[-2]]
        + lower,
    }


def got_container(r):
    g = {k: empty(r.get(k)) if k in (
        "args", "env", "labels", "entrypoint", "cmd", "cap_add", "cap_drop",
        "devices", "security_opt", "log_opts", "binds", "port_bindings",
        "ports") else r.get(k) for k in want_container_keys}
    g["mounts"] = sorted((m.get("type"), m.get("source"), m.get("destination"),
                          m.get("rw"), m.get("name", ""))
                         for m in r.get("mounts") or [])
    g["layers"] = [l.get("cache_id") for l in r.get("layers") or []]
    return g


def ps_rows(path):
    lines = open(path).read().splitlines()
    head = lines[0]
    cols = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
            "NAMES"]
    at = [head.index(c) for c in cols] + [None]
    for l in lines[1:]:
        yield {c: l[at[i]:at[i + 1]].strip() for i, c in enumerate(cols)}


root = os.path.join(cache, "dockerd-ext4", "docker")
recs = run("containers", root)
byid = {r["id"]: r for r in recs if r["kind"] == "container"}
want_all = json.load(open(os.path.join(view,
                                       "inspect-containers-final.json")))
want_container_keys = list(want_container(want_all[0]).keys())
check("dockerd: every container", sorted(byid), sorted(c["Id"] for c in
                                                       want_all))
for c in want_all:
    w, g = want_container(c), got_container(byid.get(c["Id"], {}))
    for k in want_container_keys:
        check("dockerd %s %s" % (w["name"], k), g[k], w[k])

for row in ps_rows(os.path.join(view, "docker-ps-final.txt")):
    r = byid.get(row["CONTAINER ID"], {})
    n = row["NAMES"]
    check("ps %s image" % n, r.get("image"), row["IMAGE"])
    check("ps %s command" % n, json.dumps(r.get("command", ""),
                                          ensure_ascii=False), row["COMMAND"])
    check("ps %s ports" % n, ", ".join(r.get("ports") or []), row["PORTS"])
    status = ("Up" if r.get("running") else
              "Exited (%s)" % r.get("exit_code"))
    check("ps %s status" % n, row["STATUS"].startswith(status), True)

imgs = {r["id"]: r for r in run("images", root) if r["kind"] == "image"}
want_imgs = json.load(open(os.path.join(view, "inspect-images-final.json")))
check("dockerd: every image", sorted(imgs), sorted(i["Id"] for i in
                                                   want_imgs))
for i in want_imgs:
    g, cf = imgs.get(i["Id"], {}), i["Config"]
    gd = i["GraphDriver"]["Data"]
    lower = [p.split("/")[-2] for p in gd.get("LowerDir", "").split(":") if p]
    want = {"tags": i["RepoTags"], "digests": i["RepoDigests"],
            "parent": empty(i["Parent"]), "created": i["Created"],
            "author": empty(i["Author"]), "architecture": i["Architecture"],
            "os": i["Os"], "docker_version": i["DockerVersion"],
            "container": empty(i["Container"]), "comment": empty(i["Comment"]),
            "env": empty(cf["Env"]), "cmd": empty(cf["Cmd"]),
            "entrypoint": empty(cf["Entrypoint"]), "user": cf["User"],
            "working_dir": cf["WorkingDir"], "labels": empty(cf["Labels"]),
            "exposed_ports": empty(sorted(cf.get("ExposedPorts") or {})),
            "volumes": empty(sorted(cf["Volumes"] or {})),
            "diff_ids": i["RootFS"]["Layers"], "size": i["Size"],
            "layers": [gd["UpperDir"].split("/")[-2]] + lower}
    got = {k: g.get(k) for k in want}
    for k in ("parent", "author", "container", "comment", "env", "cmd", "entrypoint", "labels",
              "exposed_ports", "volumes"):
        got[k] = empty(got[k])
    got["layers"] = [l.get("cache_id") for l in g.get("layers") or []]
    name = (i["RepoTags"] or [i["Id"][7:19]])[0]
    for k in want:
        check("dockerd image %s %s" % (name, k), got[k], want[k])

# inspect: one container by name, by id prefix; its image comes too
for ref in ("attacker", "b1ee54c6"):
    out = run("inspect", root, "container=" + ref)
    check("inspect %s kinds" % ref, [r["kind"] for r in out],
          ["container", "image"])
    check("inspect %s id" % ref, out[0].get("id") if out else None,
          "b1ee54c6025476580542b26bfdd9845532fdb021767de021eca058639e5cdca3")

# docker-explorer: published counts, and each container against its file
COUNTS = {"aufs.v2": 7, "aufs.v1": 3, "overlay.v2": 6, "overlay2.v2": 5,
          "vols.v2": 4}
for name, count in COUNTS.items():
    root = os.path.join(cache, "de-" + name, "docker")
    recs = [r for r in run("containers", root) if r["kind"] == "container"]
    check("%s: containers" % name, len(recs), count)
    byid = {r["id"]: r for r in recs}
    cdir = os.path.join(root, "containers")
    for cid in sorted(os.listdir(cdir)):
        f = os.path.join(cdir, cid, "config.v2.json")
        if not os.path.exists(f):
            f = os.path.join(cdir, cid, "config.json")
        cfg = json.load(open(f))
        r = byid.get(cfg["ID"], {})
        want = {"name": cfg["Name"].lstrip("/"),
                "image": cfg["Config"]["Image"], "image_id": cfg["Image"],
                "created": cfg["Created"],
                "running": cfg["State"]["Running"],
                "started": cfg["State"]["StartedAt"],
                "exit_code": cfg["State"]["ExitCode"],
                "mounts": sorted(cfg.get("MountPoints", {}) or {})}
        got = {k: r.get(k) for k in want}
        got["mounts"] = sorted(m["destination"] for m in r.get("mounts", []))
        check("%s %s" % (name, cid[:12]), got, want)
    imgs = [r for r in run("images", root) if r["kind"] == "image"]
    if name == "aufs.v1":
        want_n = len([d for d in os.listdir(os.path.join(root, "graph"))
                      if len(d) == 64])
    else:
        drv = {"aufs.v2": "aufs", "overlay.v2": "overlay"}.get(name,
                                                               "overlay2")
        want_n = len(os.listdir(os.path.join(
            root, "image", drv, "imagedb", "content", "sha256")))
    check("%s: images" % name, len(imgs), want_n)

sys.exit(1 if failed else 0)

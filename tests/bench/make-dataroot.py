#!/usr/bin/env python3
"""Builds a synthetic overlay2 data root for `make bench`: N containers
over M layers (metadata only; layer folders are empty).  Layers form
chains of DEPTH; each container sits on one chain's top.
Usage: make-dataroot.py FOLDER [CONTAINERS [LAYERS [DEPTH]]]"""
import hashlib, json, os, sys

out = sys.argv[1]
ncont = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
nlay = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
depth = int(sys.argv[4]) if len(sys.argv) > 4 else 10


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


img = os.path.join(out, "image", "overlay2")
tops, repos = [], {}
chain = None
for i in range(nlay):
    diff = "sha256:" + h("diff%d" % i)
    if i % depth == 0:
        chain, diffs = diff, [diff]
    else:
        chain = "sha256:" + h(chain + " " + diff)
        diffs.append(diff)
    parent = None if i % depth == 0 else prev
    d = os.path.join(img, "layerdb", "sha256", chain[7:])
    write(d + "/diff", diff)
    write(d + "/cache-id", h("cache%d" % i))
    write(d + "/size", "1024")
    if parent:
        write(d + "/parent", parent)
    os.makedirs(os.path.join(out, "overlay2", h("cache%d" % i), "diff"))
    prev = chain
    if i % depth == depth - 1:
        cfg = json.dumps({"architecture": "amd64", "os": "linux",
                          "created": "2026-01-01T00:00:00Z",
                          "config": {"Cmd": ["sh"]},
                          "rootfs": {"type": "layers",
                                     "diff_ids": list(diffs)}})
        iid = h(cfg)
        write(os.path.join(img, "imagedb", "content", "sha256", iid), cfg)
        repos["bench/img%d" % len(tops)] = {
            "bench/img%d:latest" % len(tops): "sha256:" + iid}
        tops.append((chain, iid))
write(os.path.join(img, "repositories.json"),
      json.dumps({"Repositories": repos}))

for n in range(ncont):
    cid = h("container%d" % n)
    chain, iid = tops[n % len(tops)]
    cdir = os.path.join(out, "containers", cid)
    cfg = {"ID": cid, "Name": "/bench%d" % n, "Driver": "overlay2",
           "Created": "2026-01-01T00:%02d:%02d.%09dZ" % (n // 60 % 60,
                                                        n % 60, n),
           "Path": "sh", "Args": ["-c", "sleep %d" % n],
           "Image": "sha256:" + iid,
           "Config": {"Image": "bench/img%d" % (n % len(tops)),
                      "Env": ["A=%d" % n], "Cmd": ["sh"]},
           "State": {"Running": n % 3 == 0, "Pid": n, "ExitCode": 0,
                     "StartedAt": "2026-01-01T01:00:00Z",
                     "FinishedAt": "0001-01-01T00:00:00Z"},
           "MountPoints": {}, "LogPath": ""}
    write(cdir + "/config.v2.json", json.dumps(cfg))
    write(cdir + "/hostconfig.json", json.dumps(
        {"Binds": None, "Privileged": n % 50 == 0,
         "LogConfig": {"Type": "json-file", "Config": {}}}))
    m = os.path.join(img, "layerdb", "mounts", cid)
    mount = h("mount%d" % n)
    write(m + "/mount-id", mount)
    write(m + "/init-id", mount + "-init")
    write(m + "/parent", chain)

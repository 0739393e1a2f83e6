#!/usr/bin/env python3
"""End-to-end checks of the overlay playbooks on real evidence and on the
make-overlay fixture: diff against what the live daemon printed, the
merged view against a kernel overlay mount of the same layers, and the
mount playbook past the one-page lowerdir limit.  Prints ok / not ok /
skip lines.  Usage: overlay-check.py SCRATCH EVIDENCE (as root)."""
import hashlib, json, os, subprocess, sys, tempfile

tmp, evid = sys.argv[1], os.path.abspath(sys.argv[2])
os.makedirs(tmp, exist_ok=True)


def check(name, cond, why=""):
    print(("ok %s" % name) if cond else ("not ok %s: %s" % (name, why)))


def run(*args):
    r = subprocess.run(["./whiteout", "run"] + list(args) +
                       ["--format", "jsonl"], capture_output=True)
    out = r.stdout.decode("utf-8", "surrogateescape")
    return [json.loads(l) for l in out.splitlines() if l.strip()], r


def untar(name, tarball):
    d = os.path.join(tmp, name)
    if not os.path.exists(os.path.join(d, ".done")):
        subprocess.run(["rm", "-rf", d])
        os.makedirs(d)
        subprocess.run(["tar", "--xattrs", "--xattrs-include=*",
                        "--numeric-owner", "-xpf", tarball], cwd=d,
                       check=True)
        open(os.path.join(d, ".done"), "w").close()
    return os.path.join(d, "docker")


def expected_diffs(path):
    want, name = {}, None
    for line in open(path, errors="surrogateescape"):
        line = line.rstrip("\n")
        if line.startswith("== "):
            name = line[3:]
            want[name] = set()
        elif name and line[:2] in ("A ", "C ", "D "):
            want[name].add((line[0], line[2:]))
    return want


LETTER = {"added": "A", "modified": "C", "deleted": "D", "replaced": "C"}


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def dockerd(root, view):
    conts = {c["name"]: c for c in run("containers", "-e", root)[0]}
    for name, want in expected_diffs(view + "/docker-diff-final.txt").items():
        recs, r = run("diff", "-e", root, "--arg", "container=" + name)
        got = {(LETTER[x["change"]], x["path"]) for x in recs}
        check("dockerd diff %s equals docker diff" % name, got == want,
              "extra %s missing %s" % (sorted(got - want)[:4],
                                       sorted(want - got)[:4]))
        bad = [x["path"] for x in recs if x["type"] == "file" and
               x["change"] in ("added", "modified") and
               x.get("sha256") != sha(x["source"])]
        check("dockerd diff %s hashes" % name, not bad, bad[:3])
    return conts


def paths(recs):
    return sorted(x["path"] for x in recs)


def views(root):
    recs, _ = run("files", "-e", root, "--arg", "container=fruit-basket",
                  "--arg", "path=/fruit")
    check("fruit-basket sees apples and lemons, no pears or durian",
          paths(recs) == ["/fruit", "/fruit/apples", "/fruit/lemons"],
          paths(recs))
    lemons = [x for x in recs if x["path"] == "/fruit/lemons"]
    check("fruit-basket lemons rewritten", lemons and b"squeezed" in
          open(lemons[0]["source"], "rb").read(), lemons)
    recs, _ = run("files", "-e", root, "--arg", "container=opaque-run",
                  "--arg", "path=/opt/data")
    check("opaque-run shows only the replacing layer", paths(recs) ==
          ["/opt/data", "/opt/data/fresh.txt"], paths(recs))
    recs, _ = run("files", "-e", root, "--arg", "image=dfx/opaque-demo:1.0",
                  "--arg", "path=/etc/x")
    check("opaque image shows only the replacing layer", paths(recs) ==
          ["/etc/x", "/etc/x/new"], paths(recs))
    recs, _ = run("diff", "-e", root, "--arg", "image=dfx/opaque-demo:1.0",
                  "--arg", "layer=e7d35a96099c")
    got = [(x["change"], x["path"]) for x in recs]
    check("opaque build step: replaced with the hidden entry deleted",
          ("replaced", "/etc/x") in got and ("deleted", "/etc/x/old") in got
          and ("added", "/etc/x/new") in got, got)
    check("opaque build step named", recs and all(
        x.get("step", "").endswith("rm -rf /etc/x && mkdir /etc/x && "
                                   "touch /etc/x/new") for x in recs),
          recs[:1])


def kernel_tree(lowers, extra=""):
    mnt = tempfile.mkdtemp(prefix="wo-ovl-")
    r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        "ro,lowerdir=" + ":".join(lowers) +
                        ("," + extra if extra else ""), mnt],
                       capture_output=True, text=True)
    if r.returncode:
        os.rmdir(mnt)
        return None, r.stderr.strip()
    tree = {}
    try:
        for d, subs, files in os.walk(mnt):
            for n in subs + files:
                p = os.path.join(d, n)
                st = os.lstat(p)
                rel = "/" + os.path.relpath(p, mnt)
                h = sha(p) if os.path.isfile(p) and \
                    not os.path.islink(p) else None
                tree[rel] = (oct(st.st_mode), st.st_size if h else 0, h)
    finally:
        subprocess.run(["umount", mnt])
        os.rmdir(mnt)
    return tree, ""


def lowers_of(root, c):
    if os.path.isdir(os.path.join(root, "overlay2")):
        return [os.path.join(root, "overlay2", l["cache_id"], "diff")
                for l in c["layers"]]
    rw = os.path.join(root, "overlay", c["layers"][0]["cache_id"])
    low = open(os.path.join(rw, "lower-id")).read().strip()
    return [rw + "/upper", os.path.join(root, "overlay", low, "root")]


def against_kernel(label, root):
    for c in run("containers", "-e", root)[0]:
        if not c.get("layers"):
            continue
        kern, err = kernel_tree(lowers_of(root, c))
        name = "%s %s view equals a kernel mount" % (label, c["name"])
        if kern is None:
            check(name, False, err)
            continue
        recs, _ = run("files", "-e", root, "--arg", "container=" + c["id"])
        ours = {x["path"]: (oct(0o170000 & {"file": 0o100000, "dir": 0o40000,
                "symlink": 0o120000}.get(x["type"], 0) | x["mode"]),
                x["size"] if x["type"] == "file" else 0, x.get("sha256"))
                for x in recs if x["path"] != "/"}
        diff = sorted(set(ours.items()) ^ set(kern.items()))
        check(name, ours == kern, diff[:3])


def mounts(fixture):
    subprocess.run(["tests/fixtures/make-overlay", fixture, "250"],
                   check=True, stdout=subprocess.DEVNULL)
    root, tgt = fixture + "/docker", fixture + "/mnt"
    recs, r = run("mount", "-e", root, "--arg", "container=big",
                  "--arg", "target=" + tgt)
    ov = [x for x in recs if x.get("what") == "overlay"]
    check("mount 250 layers", r.returncode == 0 and ov and ov[0]["stacked"]
          and ov[0]["layers"] == 252, r.stderr.decode()[-300:])
    try:
        check("mounted top layer wins", open(tgt + "/which").read() ==
              "250\n")
        check("mounted every layer", len(os.listdir(tgt + "/layers")) == 250)
    except OSError as e:
        check("mounted view readable", False, e)
    recs, r = run("mount", "-e", root, "--arg", "action=umount",
                  "--arg", "target=" + tgt)
    recs, r = run("mount", "-e", root, "--arg", "container=c1",
                  "--arg", "target=" + tgt + "2")
    vol = [x for x in recs if x.get("destination") == "/vol"]
    check("a volume linking to / is not mounted", r.returncode == 0 and
          not vol and os.listdir(tgt + "2/vol") == [] and
          b"no folder of the evidence" in r.stderr, r.stderr[-300:])
    run("mount", "-e", root, "--arg", "action=umount",
        "--arg", "target=" + tgt + "2")
    left = subprocess.run(["findmnt", "-rn", "-o", "TARGET"],
                          capture_output=True, text=True).stdout
    check("umount takes down what mount set up", r.returncode == 0 and
          fixture not in left, left)


UNION_WALK = r"""
local fs, ov = require "whiteout.fs", require "whiteout.overlay"
local ev, args = ...
local ls = {}
for _, d in ipairs(args) do ls[#ls + 1] = assert(fs.open(d)) end
local u = ov.union(ls)
for p, st in ov.walk(u, "/") do
  if p ~= "/" then
    print(p, st.type, st.mode, st.type == "file" and st.size or 0,
      st.type == "file" and u:sha256(p) or "-", st.err or "")
  end
end
"""


def kernel_renames(base):
    """A real kernel overlay renames folders (redirect_dir=on) and copies
    up metadata only (metacopy=on); our union of the resulting layers
    must equal a read-only kernel mount of them."""
    subprocess.run(["rm", "-rf", base])
    L, U, W, M = (os.path.join(base, n) for n in "LUWM")
    for d in (L + "/dir/inner", L + "/x/sub/deep", L + "/y", U, W, M):
        os.makedirs(d)
    for p, t in (("dir/f", "a"), ("dir/inner/g", "b"), ("x/sub/h", "c"),
                 ("x/sub/deep/i", "d"), ("y/meta", "m" * 100)):
        open(os.path.join(L, p), "w").write(t + "\n")
    opts = "lowerdir=%s,upperdir=%s,workdir=%s,redirect_dir=on,metacopy=on"
    if subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                       opts % (L, U, W), M]).returncode:
        print("skip kernel renames: the kernel refused redirect_dir, metacopy")
        return
    try:
        os.rename(M + "/dir", M + "/dir2")
        os.rename(M + "/x/sub", M + "/y/sub2")
        os.rename(M + "/y/sub2/deep", M + "/deep2")
        open(M + "/dir2/n", "w").write("new\n")
        os.mkdir(M + "/dir")
        os.chown(M + "/y/meta", 1000, 1000)
    finally:
        subprocess.run(["umount", M])
    kern, err = kernel_tree([U, L], "redirect_dir=follow,metacopy=on")
    script = os.path.join(base, "walk.lua")
    open(script, "w").write(UNION_WALK)
    r = subprocess.run(["./whiteout", "exec", script, U, L],
                       capture_output=True, text=True)
    ours = {}
    for line in r.stdout.splitlines():
        p, ty, mode, size, h, e = line.split("\t")
        kind = {"file": 0o100000, "dir": 0o40000, "symlink": 0o120000}
        ours[p] = (oct(kind.get(ty, 0) | int(mode)), int(size),
                   None if h == "-" else h)
    diff = sorted(set(ours.items()) ^ set((kern or {}).items()))
    check("renamed folders and metacopy equal a kernel mount",
          kern is not None and ours == kern, diff[:4] or err or r.stderr)


tar = os.path.join(evid, "dockerd-ext4", "var-lib-docker.tar")
if os.path.exists(tar):
    root = untar("dockerd-ext4", tar)
    dockerd(root, os.path.join(evid, "dockerd-ext4", "daemon-view"))
    views(root)
    against_kernel("dockerd", root)
else:
    print("skip dockerd-ext4: no %s" % tar)
for n in ("overlay2.v2", "overlay.v2"):
    tgz = os.path.join(evid, "docker-explorer", n + ".tgz")
    if os.path.exists(tgz):
        against_kernel(n, untar("de-" + n, tgz))
    else:
        print("skip docker-explorer %s: no %s" % (n, tgz))
kernel_renames(os.path.join(tmp, "renames"))
mounts(os.path.join(tmp, "big"))

#!/usr/bin/env python3
"""Builds DIR/layer00..layer19 for the overlay bench: 100 folders of 100
files in each layer (about 200,000 entries in all), names shared between
layers so the merge has work, a few whiteouts (0/0 devices as root,
xattr whiteouts otherwise) and an opaque folder per layer."""
import os, sys

top = sys.argv[1]
nl = int(sys.argv[2]) if len(sys.argv) > 2 else 20
root = os.geteuid() == 0
for i in range(nl):
    L = os.path.join(top, "layer%02d" % i)
    for d in range(100):
        D = os.path.join(L, "d%03d" % d)
        os.makedirs(D)
        for k in range(100):
            # half the names are shared by every layer, half are the layer's
            name = "s%03d" % k if k % 2 else "l%02d_%03d" % (i, k)
            with open(os.path.join(D, name), "w") as f:
                f.write("%d %d %d\n" % (i, d, k))
    D = os.path.join(L, "d%03d" % (i % 100))
    os.setxattr(D, "user.overlay.opaque", b"y")
    wd = os.path.join(L, "d%03d" % ((i + 50) % 100))
    os.setxattr(wd, "user.overlay.opaque", b"x")
    for k in range(0, 10, 2):
        p = os.path.join(wd, "l%02d_%03d" % (max(i + 1, 0) % nl, k))
        if root:
            os.mknod(p + "c", 0o20000 | 0o600, os.makedev(0, 0))
        with open(p, "w"):
            pass
        os.setxattr(p, "user.overlay.whiteout", b"")

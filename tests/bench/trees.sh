#!/usr/bin/env bash
# The tree comparison bench (issue 7): what a vfs container's rw layer
# changed, found by comparing 50,000 entries with its init layer's
# copy, against one plain walk of both trees (the floor).
set -eu
cd "$(dirname "$0")/../.."
dir=${WO_BENCH_TMP:-/tmp}/trees/docker
if [ ! -e "$dir/.done" ]; then
  tests/fixtures/make-drivers vfs "$dir" > /dev/null
  mount=$(printf %s drivers-bowl-mount | sha256sum | cut -c1-64)
  init=$dir/vfs/dir/$mount-init rw=$dir/vfs/dir/$mount
  python3 - "$init/bulk" <<'PY'
import os, sys
top = sys.argv[1]
for d in range(500):
    p = os.path.join(top, "d%03d" % d)
    os.makedirs(p)
    for f in range(99):
        with open(os.path.join(p, "f%02d" % f), "w") as fh:
            fh.write("bulk %d %d\n" % (d, f))
PY
  cp -a "$init/bulk" "$rw/bulk"
  echo changed >> "$rw/bulk/d250/f50"
  rm "$rw/bulk/d499/f98"
  touch "$dir/.done"
fi
./whiteout exec tests/bench/trees.lua "$dir"

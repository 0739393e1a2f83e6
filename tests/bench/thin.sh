#!/usr/bin/env bash
# Reads a whole thin device through whiteout.thin and compares the rate
# with dd reading the pool's data file: the goal is at least 80% of it.
# The pool (built with thin_restore) maps 1 GiB of data in 1 MiB runs
# scattered over the data file, as a used pool's mappings are.
set -u
name=thin-read
for c in thin_restore python3 dd; do
  command -v $c >/dev/null || { echo "skip $name: $c missing"; exit 0; }
done
d=${WO_BENCH_TMP:-/tmp}/thin-bench
mkdir -p "$d"
python3 - "$d" <<'PY'
import os, random, sys
d = sys.argv[1]
bs, n, run = 64 * 1024, 16384, 16          # 1 GiB of 64 KiB blocks
pat = os.urandom(1 << 20)
with open(d + "/data", "wb") as f:
    for _ in range(n * bs // len(pat)):
        f.write(pat)
chunks = list(range(n // run))
random.Random(7).shuffle(chunks)
with open(d + "/pool.xml", "w") as f:
    f.write('<superblock uuid="" time="0" transaction="1" flags="0" '
            'version="2" data_block_size="128" nr_data_blocks="%d">\n' % n)
    f.write('<device dev_id="1" mapped_blocks="%d" transaction="0" '
            'creation_time="0" snap_time="0">\n' % n)
    for v, c in enumerate(chunks):
        f.write('<range_mapping origin_begin="%d" data_begin="%d" '
                'length="%d" time="0"/>\n' % (v * run, c * run, run))
    f.write("</device>\n</superblock>\n")
with open(d + "/metadata", "wb") as f:
    f.truncate(64 << 20)
PY
thin_restore -q -i "$d/pool.xml" -o "$d/metadata" || {
  echo "not ok $name: thin_restore failed"; exit 0; }
cat > "$d/read.lua" <<EOF
local fs = require "whiteout.fs"
local thin = require "whiteout.thin"
local dir = assert(fs.open("$d"))
local p = assert(thin.open(thin.file(dir, "metadata"),
  thin.file(dir, "data")))
local dev = assert(p:device(1))
local n = 0
for at = 0, dev:size() - 1, 4 << 20 do
  n = n + #assert(dev:read(at, 4 << 20))
end
assert(n == 1 << 30, "read " .. n)
EOF
# Warm the page cache, then take the best of five of each; both time
# only their reads (dd's own figure; thinread's clock around its loop).
dd if="$d/data" of=/dev/null bs=4M 2>/dev/null
best_ms() {   # prints the least of the numbers on stdin
  sort -n | head -1
}
tdd=$(for _ in 1 2 3 4 5; do
  dd if="$d/data" of=/dev/null bs=4M 2>&1 |
    sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p' |
    awk '{printf "%.1f\n", $1 * 1000}'
done | best_ms)
tc=$(for _ in 1 2 3 4 5; do
  build/bench/thinread "$d" 1 | awk '$1 == 1073741824 {print $2}'
done | best_ms)
[ -n "$tc" ] || { echo "not ok $name: core could not read the device"; exit 0; }
s=$(date +%s%N)
./whiteout exec "$d/read.lua" || {
  echo "not ok $name: whiteout could not read the device"; exit 0; }
tl=$(( ($(date +%s%N) - s) / 1000000 ))
pct=$(awk -v a="$tdd" -v b="$tc" 'BEGIN {printf "%d", a * 100 / b}')
msg="1 GiB: dd ${tdd} ms, thin device ${tc} ms (${pct}% of dd's rate)"
msg="$msg; whiteout exec through Lua strings ${tl} ms, start included"
if [ "$pct" -ge 80 ]; then echo "ok $name: $msg"
else echo "not ok $name: $msg"; fi
[ -n "${KEEP:-}" ] || rm -rf "$d"

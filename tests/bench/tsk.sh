#!/usr/bin/env bash
# Listing every file of the shared ext4 host image: whiteout's libtsk
# source (walk with lstat) against `fls -r`; whiteout should stay within
# 1.2 times of fls, and both should see the same number of names.
set -u
cd "$(dirname "$0")/../.."
zst=${SHARED:-../shared}/evidence/dockerd-ext4/host-ext4.img.zst
if [ ! -f "$zst" ]; then echo "skip tsk: no $zst"; exit 0; fi
for c in zstd fls; do
  command -v $c > /dev/null || { echo "skip tsk: $c is missing"; exit 0; }
done
img=${WO_BENCH_TMP:-/tmp}/host-ext4.img
zstd -dqf -o "$img" "$zst"
N=20
ms() {
  local s e i
  s=$(date +%s%N)
  for i in $(seq $N); do "$@" > /dev/null 2>&1; done
  e=$(date +%s%N)
  echo $(( (e - s) / N / 1000 ))
}
# fls -u lists allocated names (and libtsk's $OrphanFiles); the walk
# lists the root too
want=$(fls -r -u "$img" | grep -vc '\$OrphanFiles')
got=$(./whiteout exec tests/bench/tsk-walk.lua "$img")
if [ "$got" -ne $((want + 1)) ]; then
  echo "not ok tsk: whiteout lists $got entries, fls -r -u $want (+ root)"
  exit 0
fi
f=$(ms fls -r "$img")
w=$(ms ./whiteout exec tests/bench/tsk-walk.lua "$img")
ratio=$(awk -v w="$w" -v f="$f" 'BEGIN { printf "%.2f", w / f }')
line="tsk: $got entries, whiteout ${w}us, fls -r ${f}us per run (x$ratio)"
if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.2) }'; then
  echo "ok $line"
else
  echo "not ok $line: over 1.2 times fls"
fi

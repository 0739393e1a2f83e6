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
N=30
# the fastest of N runs of each, interleaved: other load on the machine
# only ever adds time
best() {
  local i s e d bf=0 bw=0
  for i in $(seq $N); do
    s=$(date +%s%N); fls -r "$img" > /dev/null 2>&1; e=$(date +%s%N)
    d=$(( (e - s) / 1000 )); { [ $bf -eq 0 ] || [ $d -lt $bf ]; } && bf=$d
    s=$(date +%s%N)
    ./whiteout exec tests/bench/tsk-walk.lua "$img" > /dev/null 2>&1
    e=$(date +%s%N)
    d=$(( (e - s) / 1000 )); { [ $bw -eq 0 ] || [ $d -lt $bw ]; } && bw=$d
  done
  echo "$bf $bw"
}
# fls -u lists allocated names (and libtsk's $OrphanFiles); the walk
# lists the root too
want=$(fls -r -u "$img" | grep -vc '\$OrphanFiles')
got=$(./whiteout exec tests/bench/tsk-walk.lua "$img")
if [ "$got" -ne $((want + 1)) ]; then
  echo "not ok tsk: whiteout lists $got entries, fls -r -u $want (+ root)"
  exit 0
fi
read -r f w <<<"$(best)"
ratio=$(awk -v w="$w" -v f="$f" 'BEGIN { printf "%.2f", w / f }')
line="tsk: $got entries, whiteout ${w}us, fls -r ${f}us best of $N (x$ratio)"
if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.2) }'; then
  echo "ok $line"
else
  echo "not ok $line: over 1.2 times fls"
fi

#!/usr/bin/env bash
# The model's speed: `whiteout run containers` on a synthetic data root
# of 1,000 containers over 5,000 layers (tests/bench/make-dataroot.py).
# The goal is well under a second.
set -u
cd "$(dirname "$0")/../.."
d=${WO_BENCH_TMP:-/tmp}/bench-dataroot
if [ ! -e "$d/.done" ]; then
  rm -rf "$d"
  python3 tests/bench/make-dataroot.py "$d" 1000 5000 10 && touch "$d/.done"
fi
best=
for i in 1 2 3; do
  s=$(date +%s%N)
  n=$(./whiteout run containers -e "$d" --format jsonl | wc -l)
  ms=$(( ($(date +%s%N) - s) / 1000000 ))
  [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
done
t=$(date +%s%N)
./whiteout run containers -e "$d" > /dev/null
text_ms=$(( ($(date +%s%N) - t) / 1000000 ))
if [ "$n" -ne 1000 ]; then
  echo "not ok containers bench: $n records, want 1000"
elif [ "$best" -ge 1000 ]; then
  echo "not ok containers bench: ${best} ms for 1000 containers (goal < 1 s)"
else
  echo "ok containers bench: 1000 containers, 5000 layers: ${best} ms" \
    "(jsonl, best of 3), ${text_ms} ms (text)"
fi

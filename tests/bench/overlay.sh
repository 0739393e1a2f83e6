#!/usr/bin/env bash
# The overlay bench (issue 3): a merged walk of 20 layers and 200,000
# entries against one plain readdir + lstat pass over the same folders.
set -eu
cd "$(dirname "$0")/../.."
dir=${WO_BENCH_TMP:-/tmp}/overlay-stack
if [ ! -e "$dir/.done" ]; then
  rm -rf "$dir"
  python3 tests/bench/make-stack.py "$dir" 20
  touch "$dir/.done"
fi
./whiteout exec tests/bench/overlay.lua "$dir" 20

#!/usr/bin/env bash
# The devicemapper playbooks end to end on the shared dmthin evidence:
# loop-lvm files, a direct-lvm PV given as a second -e, and the ext4 host
# image holding the loop-lvm pool.
set -u
. "$(dirname "$0")/lib.sh"
ev=${SHARED:-../shared}/evidence/dmthin
cache=${WO_EVIDENCE_CACHE:-/tmp/whiteout-evidence}
if [ ! -f "$ev/loop-lvm/var-lib-docker.tar.xz" ]; then
  echo "skip thin e2e: no $ev"; exit 0
fi
unpack() {   # NAME TAR... : unpacked once into the cache
  local d=$cache/$1; shift
  if [ ! -e "$d/.done" ]; then
    rm -rf "$d" && mkdir -p "$d" || return 1
    for t in "$@"; do (cd "$d" && tar --sparse -xJf "$ev/$t") || return 1
    done
    touch "$d/.done"
  fi
  echo "$d"
}
loop=$(unpack dmthin-loop loop-lvm/var-lib-docker.tar.xz) || exit 1
direct=$(unpack dmthin-direct direct-lvm/var-lib-docker.tar.xz \
  direct-lvm/pv.img.tar.xz) || exit 1
host=$(unpack dmthin-host loop-lvm/host-ext4.img.tar.xz) || exit 1
tmp=$(mktemp -d /tmp/wo-thin-e2e.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
run() { ./whiteout run "$@" --format jsonl 2>/dev/null; }
one() {   # LABEL -e ARGS...
  local label=$1; shift
  local o=$tmp/$label
  mkdir -p "$o"
  run thin-ls "$@" > "$o/ls.jsonl"
  run thin-delta "$@" --arg container=fruitbowl > "$o/delta.jsonl"
  run thin-dump "$@" --arg device=fruitbowl > "$o/dump.jsonl"
  run files "$@" --arg container=fruitbowl --arg path=/fruit \
    > "$o/files.jsonl"
  run diff "$@" --arg container=fruitbowl > "$o/diff.jsonl"
  run removed "$@" > "$o/removed.jsonl"
  python3 tests/e2e/thin-check.py "$label" "$o"
}
one loop-lvm -e "$loop"
one direct-lvm -e "$direct" -e "$direct/pv.img"
one host-ext4 -e "$host/host-ext4.img"

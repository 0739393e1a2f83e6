#!/usr/bin/env bash
# triage, timeline and secrets on the dockerd-ext4 host image: what is
# gone (deleted files, removed containers) is part of each.
set -u
cd "$(dirname "$0")/../.."
name=disk-investigations
ev=${SHARED:-../shared}/evidence/dockerd-ext4/host-ext4.img.zst
if [ ! -e "$ev" ]; then echo "skip $name: $ev is absent"; exit 0; fi
cache=${WO_EVIDENCE_CACHE:-/tmp/whiteout-evidence-cache}
img=$cache/dockerd-ext4-img/host-ext4.img
if [ ! -e "$img.done" ]; then
  mkdir -p "$(dirname "$img")" && zstd -dqf -o "$img" "$ev" &&
    touch "$img.done" || exit 1
fi
./whiteout exec tests/e2e/disk-investigations.lua "$img"

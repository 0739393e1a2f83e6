#!/usr/bin/env bash
# triage, timeline and secrets on the dockerd-ext4 host image: what is
# gone (deleted files, removed containers) is part of each.
set -u
. "$(dirname "$0")/lib.sh"
name=disk-investigations
zst=$ev/dockerd-ext4/host-ext4.img.zst
if [ ! -e "$zst" ]; then echo "skip $name: $zst is absent"; exit 0; fi
host_image || exit 1
./whiteout exec tests/e2e/disk-investigations.lua "$img"

#!/usr/bin/env bash
# The investigation playbooks on the project's own fixture: a container
# that binds only /etc (found, with its host cron write), one that writes
# a cron file only in its own layer (not found unless asked for).
set -u
. "$(dirname "$0")/lib.sh"
dir=${WO_TEST_TMP:-/tmp}/investigations
img=
if command -v mkfs.ext4 > /dev/null && command -v debugfs > /dev/null; then
  img=$dir/host.img
else
  echo "skip investigations on an image: mkfs.ext4 or debugfs is missing"
fi
if ! out=$(tests/fixtures/make-flagship "$dir/host" $img 2>&1); then
  echo "not ok make-flagship: $out"
  exit 1
fi
./whiteout exec tests/e2e/investigations-fixture.lua "$dir/host" \
  "$(id -u)" "$img"

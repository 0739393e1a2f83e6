#!/usr/bin/env bash
# Investigations on data roots with a damaged container config: the
# project's sample fixture, and a copy of the dockerd-ext4 data root
# (skipped when ../shared/evidence or root is missing).
set -u
. "$(dirname "$0")/lib.sh"
name=damaged
tmp=$(mktemp -d /tmp/whiteout-damaged.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tests/fixtures/make-sample "$tmp/sample" >/dev/null || {
  echo "not ok $name: make-sample failed"; exit 1; }
real=
tar=$ev/dockerd-ext4/var-lib-docker.tar
if [ ! -e "$tar" ]; then
  echo "skip $name real: $tar is absent"
elif [ "$(id -u)" != 0 ]; then
  echo "skip $name real: needs root (whiteouts in the tar)"
else
  untar "$tmp/real" "$tar" && real=$tmp/real/docker
fi
./whiteout exec tests/e2e/damaged.lua "$tmp/sample" "$real"

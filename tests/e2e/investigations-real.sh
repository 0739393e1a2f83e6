#!/usr/bin/env bash
# The investigation playbooks on real evidence: the dockerd-ext4 host
# (its image mounted read-only, noload) and data root, and the five
# docker-explorer data roots.  Unpacked once into a cache folder.
set -u
. "$(dirname "$0")/lib.sh"
name=investigations-real
if [ ! -d "$ev/dockerd-ext4" ] || [ ! -d "$ev/docker-explorer" ]; then
  echo "skip $name: $ev (dockerd-ext4, docker-explorer) is absent"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "skip $name: needs root (whiteouts in the tar, a loop mount)"; exit 0
fi
untar_cached dockerd-ext4 "$ev/dockerd-ext4/var-lib-docker.tar" || exit 1
des=()
for d in overlay2.v2 overlay.v2 aufs.v1 aufs.v2 vols.v2; do
  untar_cached "de-$d" "$ev/docker-explorer/$d.tgz" || exit 1
  des+=("$cache/de-$d/docker")
done
host_image || exit 1
mnt=$(mktemp -d /tmp/whiteout-host.XXXXXX)
if ! mount -o ro,loop,noload "$img" "$mnt" 2>/dev/null; then
  rmdir "$mnt"
  echo "skip $name: cannot loop-mount $img read-only here"; exit 0
fi
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
WO_HOST_IMAGE=$img ./whiteout exec tests/e2e/investigations-real.lua "$mnt" \
  "$cache/dockerd-ext4/docker" "${des[@]}"

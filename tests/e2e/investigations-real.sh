#!/usr/bin/env bash
# The investigation playbooks on real evidence: the dockerd-ext4 host
# (its image mounted read-only, noload) and data root, and the five
# docker-explorer data roots.  Unpacked once into a cache folder.
set -u
cd "$(dirname "$0")/../.."
ev=${SHARED:-../shared}/evidence
name=investigations-real
if [ ! -d "$ev/dockerd-ext4" ] || [ ! -d "$ev/docker-explorer" ]; then
  echo "skip $name: $ev (dockerd-ext4, docker-explorer) is absent"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "skip $name: needs root (whiteouts in the tar, a loop mount)"; exit 0
fi
cache=${WO_EVIDENCE_CACHE:-/tmp/whiteout-evidence-cache}
untar() {  # untar NAME FILE: once into $cache/NAME
  if [ ! -e "$cache/$1/.done" ]; then
    rm -rf "$cache/$1" && mkdir -p "$cache/$1" &&
      tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$2" \
        -C "$cache/$1" && touch "$cache/$1/.done"
  fi
}
untar dockerd-ext4 "$ev/dockerd-ext4/var-lib-docker.tar" || exit 1
des=()
for d in overlay2.v2 overlay.v2 aufs.v1 aufs.v2 vols.v2; do
  untar "de-$d" "$ev/docker-explorer/$d.tgz" || exit 1
  des+=("$cache/de-$d/docker")
done
img=$cache/dockerd-ext4-img/host-ext4.img
if [ ! -e "$img.done" ]; then
  mkdir -p "$(dirname "$img")" &&
    zstd -dqf -o "$img" "$ev/dockerd-ext4/host-ext4.img.zst" &&
    touch "$img.done" || exit 1
fi
mnt=$(mktemp -d /tmp/whiteout-host.XXXXXX)
if ! mount -o ro,loop,noload "$img" "$mnt" 2>/dev/null; then
  rmdir "$mnt"
  echo "skip $name: cannot loop-mount $img read-only here"; exit 0
fi
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
WO_HOST_IMAGE=$img ./whiteout exec tests/e2e/investigations-real.lua "$mnt" \
  "$cache/dockerd-ext4/docker" "${des[@]}"

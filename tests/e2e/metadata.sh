#!/usr/bin/env bash
# containers, images, inspect and logs on real data roots: dockerd-ext4
# field by field against its live daemon's docker inspect and docker ps,
# docker-explorer's five roots against their own files.  Unpacked once
# into a cache folder (as root, so that whiteouts and xattrs survive).
set -u
. "$(dirname "$0")/lib.sh"
name=metadata-real
if [ ! -d "$ev/dockerd-ext4" ] || [ ! -d "$ev/docker-explorer" ]; then
  echo "skip $name: $ev (dockerd-ext4, docker-explorer) is absent"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "skip $name: needs root (the tar's whiteouts and xattrs)"; exit 0
fi
untar_cached dockerd-ext4 "$ev/dockerd-ext4/var-lib-docker.tar" || exit 1
for d in overlay2.v2 overlay.v2 aufs.v1 aufs.v2 vols.v2; do
  untar_cached "de-$d" "$ev/docker-explorer/$d.tgz" || exit 1
done
python3 tests/e2e/metadata-check.py ./whiteout "$cache" "$ev"

# logs: what the containers printed, as the daemon view kept it
root=$cache/dockerd-ext4/docker
for pair in fruit-basket:fruit attacker:attacker opaque-run:opaque-run; do
  c=${pair%%:*} want=$ev/dockerd-ext4/daemon-view/${pair#*:}-stdout.txt
  got=$(./whiteout run logs -e "$root" --arg container="$c" \
    --format jsonl | python3 -c '
import json, sys
for l in sys.stdin: print(json.loads(l)["line"])')
  # the docker CLI's own warning is in the transcript, not in the log
  if [ "$got" = "$(grep -v '^WARNING: IPv4 forwarding' "$want")" ]; then echo "ok logs $c equal ${want##*/}"
  else echo "not ok logs $c differ from ${want##*/}"; fi
done

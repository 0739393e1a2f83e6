#!/usr/bin/env bash
# diff in text: a container without changes keeps its header, marked
# "(no changes)"; json holds change records only.  On the sample
# fixture, and on the dockerd-ext4 data root when ../shared has it.
set -u
cd "$(dirname "$0")/../.."
name=diff-text
tmp=$(mktemp -d /tmp/whiteout-diff-text.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tests/fixtures/make-sample "$tmp/s" >/dev/null || {
  echo "not ok $name: make-sample failed"; exit 1; }
check() {  # check LABEL WANT GOT
  if [ "$2" = "$3" ]; then echo "ok $name $1"; else
    echo "not ok $name $1: got [$3], want [$2]"; fi
}
got=$(./whiteout run diff -e "$tmp/s" 2>/dev/null | grep '^==' | tr '\n' '|')
check "sample headers" "== intruder|== etc-reader  (no changes)|== web  (no \
changes)|== quiet  (no changes)|== shipper  (no changes)|== cron-only|" "$got"
got=$(./whiteout run diff -e "$tmp/s" --format jsonl 2>/dev/null |
  grep -vc '"kind":"change"')
check "sample json: changes only" 0 "$got"
tar=${SHARED:-../shared}/evidence/dockerd-ext4/var-lib-docker.tar
if [ ! -e "$tar" ] || [ "$(id -u)" != 0 ]; then
  echo "skip $name real: needs $tar and root"; exit 0
fi
mkdir "$tmp/r" && tar --xattrs --xattrs-include='*' --numeric-owner -xpf \
  "$tar" -C "$tmp/r" || exit 1
got=$(./whiteout run diff -e "$tmp/r/docker" 2>/dev/null | grep heartbeat)
check "real heartbeat" "== heartbeat  (no changes)" "$got"

#!/usr/bin/env bash
# diff in text: a container without changes keeps its header, marked
# "(no changes)"; json holds change records only.  On the sample
# fixture, and on the dockerd-ext4 data root when ../shared has it.
set -u
. "$(dirname "$0")/lib.sh"
name=diff-text
tmp=$(mktemp -d /tmp/whiteout-diff-text.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tests/fixtures/make-sample "$tmp/s" >/dev/null || {
  echo "not ok $name: make-sample failed"; exit 1; }
got=$(./whiteout run diff -e "$tmp/s" 2>/dev/null | grep '^==' | tr '\n' '|')
check "sample headers" "== intruder|== etc-reader  (no changes)|== web  (no \
changes)|== quiet  (no changes)|== shipper  (no changes)|== cron-only|" "$got"
got=$(./whiteout run diff -e "$tmp/s" --format jsonl 2>/dev/null |
  grep -vc '"kind":"change"')
check "sample json: changes only" 0 "$got"
real_tar
untar "$tmp/r" "$tar" || exit 1
got=$(./whiteout run diff -e "$tmp/r/docker" 2>/dev/null | grep heartbeat)
check "real heartbeat" "== heartbeat  (no changes)" "$got"

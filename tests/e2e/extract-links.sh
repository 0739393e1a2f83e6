#!/usr/bin/env bash
# extract keeps hard links: files sharing (layer, inode) become links of
# one copy, said in the records (link_of) and the manifest.  On the
# sample fixture with links added to a rw layer, and on the dockerd-ext4
# data root's busybox (269 links of one binary) when ../shared has it.
set -u
. "$(dirname "$0")/lib.sh"
name=extract-links
tmp=$(mktemp -d /tmp/whiteout-extract-links.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tests/fixtures/make-sample "$tmp/s" >/dev/null || {
  echo "not ok $name: make-sample failed"; exit 1; }
web=$(printf '%s' container:web | sha256sum | cut -c1-64)
mid=$(cat "$tmp/s/image/overlay2/layerdb/mounts/$web/mount-id")
diff=$tmp/s/overlay2/$mid/diff
mkdir -p "$diff/links" && echo "one body" > "$diff/links/a" &&
  ln "$diff/links/a" "$diff/links/b" && ln "$diff/links/a" "$diff/links/c"
./whiteout run extract -e "$tmp/s" --arg container=web --arg path=/links \
  --arg out="$tmp/o" --format jsonl > "$tmp/o.jsonl" 2>/dev/null
fs=$tmp/o/${web:0:12}/fs
check "sample: one inode" 1 "$(stat -c %i "$fs/links/a" "$fs/links/b" \
  "$fs/links/c" | sort -u | wc -l)"
check "sample: three links" 3 "$(stat -c %h "$fs/links/a")"
check "sample: link_of" 2 "$(grep -c '"link_of":"/links/a"' "$tmp/o.jsonl")"
check "sample: manifest says so" 2 "$(grep -c \
  '^# fs/links/[bc]: hard link of fs/links/a' \
  "$tmp/o/${web:0:12}/manifest.sha256")"
check "sample: manifest checks" 0 "$(cd "$tmp/o/${web:0:12}" &&
  sha256sum -c --strict --quiet manifest.sha256 >/dev/null; echo $?)"
real_tar
untar "$tmp/r" "$tar" || exit 1
./whiteout run extract -e "$tmp/r/docker" --arg container=heartbeat \
  --arg out="$tmp/b" --format jsonl > "$tmp/b.jsonl" 2>/dev/null
fs=$tmp/b/feab2cf11807/fs
check "busybox: one inode for [ and sh" 1 "$(stat -c %i "$fs/bin/[" \
  "$fs/bin/sh" | sort -u | wc -l)"
check "busybox: 269 links" 269 "$(stat -c %h "$fs/bin/sh")"
check "busybox: 268 link_of" 268 "$(grep -c '"link_of"' "$tmp/b.jsonl")"
check "busybox: under 5 MB" yes "$([ "$(du -sk "$tmp/b" | cut -f1)" -lt 5120 ] \
  && echo yes || echo no)"

#!/usr/bin/env bash
# Disk images on the shared dockerd-ext4 evidence: the same answers from
# the raw image as from its data root tar, as a user without root and
# through a GPT disk with an LVM volume; the short-lived durian brought
# back whole; the container removed with docker rm found with its log.
set -u
. "$(dirname "$0")/lib.sh"
ev=${SHARED:-../shared}/evidence/dockerd-ext4
# our own scratch folder: the user without root must reach it
tmp=$(mktemp -d /tmp/wo-disk-images.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
DURIAN=afdeea52f685209d00b4f001ee0eefbc578bb78dddaed8dd2bd5e3fa53630bbe
if [ ! -f "$ev/host-ext4.img.zst" ]; then
  echo "skip disk-images: no $ev/host-ext4.img.zst"; exit 0
fi
if ! command -v zstd > /dev/null; then
  echo "skip disk-images: zstd is missing"; exit 0
fi
chmod 755 "$tmp"
img=$tmp/host-ext4.img
zstd -dqf -o "$img" "$ev/host-ext4.img.zst" && chmod 644 "$img"
as_user=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
run() { "${as_user[@]}" ./whiteout run "$@" --format jsonl 2>/dev/null; }
check() { if eval "$2"; then echo "ok $1"; else echo "not ok $1: $3"; fi; }

norm() {
  python3 -c '
import json, sys
DROP = {"inum", "ctime", "atime", "btime"}
def c(v):
    if isinstance(v, dict):
        return {k: c(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [c(x) for x in v]
    return v
for l in sys.stdin:
    if l.startswith("{"):
        print(json.dumps(c(json.loads(l)), sort_keys=True))' | sort
}

del=$(run deleted -e "$img")
check "deleted finds the durian" 'grep -q "\"name\":\"durian\"" <<<"$del"' \
  "no durian record"
check "durian content whole" 'grep -q "$DURIAN" <<<"$del"' \
  "sha256 $DURIAN not among the records"
check "durian inode 578, 2150 bytes" \
  'grep "\"name\":\"durian\"" <<<"$del" | grep -q "\"inum\":578" &&
   grep "\"name\":\"durian\"" <<<"$del" | grep -q "\"size\":2150"' \
  "inode or size differ from daemon-view/fruit-stdout.txt"
rm=$(run removed -e "$img")
check "removed finds tempjob" 'grep -q "\"id\":\"f948ace553b3" <<<"$rm"' \
  "no f948ace553b3"
check "removed tempjob's log" 'grep -q "TEMPJOB-DFX-MARKER finished" <<<"$rm"' \
  "log text missing"
"${as_user[@]}" ./whiteout exec tests/e2e/disk-images-carve.lua -e "$img" \
  2>/dev/null
out=$tmp/recovered
rm -rf "$out"
./whiteout run recover -e "$img" --arg out="$out" > /dev/null 2>&1
check "recover writes the durian" \
  'sha256sum "$out"/*-578-durian 2>/dev/null | grep -q "^$DURIAN"' \
  "no $out/*-578-durian with the right sha256"

# the same image inside a GPT disk, as an LVM logical volume
if tests/fixtures/make-lvm-gpt "$img" "$tmp/disk.img"; then
  chmod 644 "$tmp/disk.img"
  a=$(run containers -e "$img" | norm)
  b=$(run containers -e "$tmp/disk.img" |
      sed "s#$tmp/disk.img:p1/wovg/root#$img#g" | norm)
  check "gpt+lvm: same containers" '[ -n "$a" ] && [ "$a" = "$b" ]' \
    "containers differ through GPT and LVM"
  d=$(run deleted -e "$tmp/disk.img")
  check "gpt+lvm: durian" 'grep -q "$DURIAN" <<<"$d"' "no durian"
else
  echo "not ok make-lvm-gpt failed"
fi

# the data root tar: same answers (inode numbers and atime/ctime/btime
# aside, which an extracted copy cannot keep)
if [ "$(id -u)" -ne 0 ]; then
  echo "skip disk-images compare: extracting whiteouts needs root"; exit 0
fi
untar "$tmp/dr" "$ev/var-lib-docker.tar"
# (secrets of removed containers come from the image alone)
for pb in containers images logs diff escape secrets; do
  a=$(./whiteout run $pb -e "$img" --format jsonl 2>/dev/null |
      grep -v '"removed":true' | sed "s#$img##g" | norm)
  b=$(./whiteout run $pb -e "$tmp/dr/docker" --format jsonl 2>/dev/null |
      sed "s#$tmp/dr/docker#/var/lib/docker#g" | norm)
  check "image = data root: $pb" '[ -n "$a" ] && [ "$a" = "$b" ]' \
    "$(diff <(echo "$a") <(echo "$b") | head -3 | cut -c1-200)"
done

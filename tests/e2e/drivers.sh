#!/usr/bin/env bash
# Storage drivers from outside the build: a driver written at run time
# into a --driver-path folder (and ~/.config/whiteout/drivers) is used
# with no rebuild, a user's driver overrides a shipped one, a broken one
# is named and skipped; btrfs snapshots on a real btrfs (root); the
# docker-explorer aufs and overlay data roots (when present).
set -u
. "$(dirname "$0")/lib.sh"
tmp=${WO_TEST_TMP:-/tmp}/e2e-drivers
rm -rf "$tmp" && mkdir -p "$tmp"
ok() { echo "ok $1"; }
nok() { echo "not ok $1: $2"; }
check() {  # check NAME WHY COMMAND...: ok when COMMAND succeeds
  local name=$1 why=$2
  shift 2
  if "$@"; then ok "$name"; else nok "$name" "$why"; fi
}
wo() { ./whiteout "$@"; }

# a layout no shipped driver knows: plain/<id>/tree, from the vfs fixture
dr=$tmp/plain/docker
if ! tests/fixtures/make-drivers vfs "$dr" > /dev/null; then
  nok fixture "make-drivers vfs failed"; exit 1
fi
(cd "$dr" && mv vfs/dir plain && rmdir vfs && mv image/vfs image/plaindirs &&
  for l in plain/*; do
    mv "$l" "$l.t" && mkdir "$l" && mv "$l.t" "$l/tree"
  done &&
  sed -i 's/"Driver":"vfs"/"Driver":"plaindirs"/' containers/*/config.v2.json)
out=$(wo run files -e "$dr" --arg container=bowl --arg hash=no 2>&1)
check "unknown layout without the driver" "$out" \
  grep -q "no storage driver for this data root" <<<"$out"

drv=$tmp/drivers
mkdir -p "$drv"
cat > "$drv/plaindirs.lua" <<'EOF'
-- A test layout: plain/<id>/tree, each layer a full copy.
return {
  description = "Test layout: plain/<id>/tree, full copies.",
  whiteouts = "none",
  detect = function(root) return root.src:lstat("plain") ~= nil end,
  layer_dir = function(root, id) return "plain/" .. id .. "/tree" end,
}
EOF
out=$(wo --driver-path "$drv" list --drivers 2>&1)
check "list shows the new driver" "$out" \
  grep -qE "^plaindirs +--driver-path +Test layout.* $drv/plaindirs.lua" \
  <<<"$out"
out=$(wo --driver-path "$drv" run files -e "$dr" --arg container=bowl \
  --arg hash=no --format csv 2>&1)
check "files through a driver written at run time" "$out" \
  grep -q ",/fruit/apples,file," <<<"$out"
want=$(wo run diff -e "$dr" --driver-path "$drv" \
  --arg container=bowl 2>&1)
vfs=$tmp/vfs/docker
tests/fixtures/make-drivers vfs "$vfs" > /dev/null
got=$(wo run diff -e "$vfs" --arg container=bowl 2>&1)
check "diff through it equals the vfs driver's" "$want vs $got" \
  test "$want" = "$got" -a "$(grep -c . <<<"$got")" = 15

# ~/.config/whiteout/drivers, lower than --driver-path
home=$tmp/home
mkdir -p "$home/.config/whiteout/drivers"
cp "$drv/plaindirs.lua" "$home/.config/whiteout/drivers/"
out=$(HOME=$home wo list --drivers 2>&1)
check "config folder driver listed" "$out" \
  grep -qE "^plaindirs +user config " <<<"$out"
out=$(HOME=$home wo --driver-path "$drv" list --drivers 2>&1)
check "--driver-path over the config folder" "$out" \
  grep -qE "^plaindirs +--driver-path \(over user config\) " <<<"$out"

# a user's vfs overrides the shipped one: its layers start at /fruit
over=$tmp/over
mkdir -p "$over"
cat > "$over/vfs.lua" <<'EOF'
-- A user's vfs: shows only each layer's /fruit.
return {
  description = "A user's vfs, rooted at /fruit.",
  whiteouts = "none",
  detect = function(root) return root.src:lstat("vfs/dir") ~= nil end,
  layer_dir = function(root, id) return "vfs/dir/" .. id .. "/fruit" end,
}
EOF
out=$(wo --driver-path "$over" list --drivers 2>&1)
check "override listed" "$out" \
  grep -qE "^vfs +--driver-path \(over shipped\) +A user's vfs" <<<"$out"
out=$(wo --driver-path "$over" run files -e "$vfs" --arg container=bowl \
  --arg hash=no --format csv 2>&1)
check "override used" "$out" bash -c \
  'grep -q ",/apples,file," <<<"$1" && ! grep -q ",/fruit/" <<<"$1"' _ "$out"

# the example of docs/drivers.md, on the vfs fixture laid out as
# snapshots/<id>/fs with parent files: the vfs driver's changes
ex=$tmp/example
mkdir -p "$ex"
sed -n '/<!-- example: snapdirs.lua -->/,/^```$/p' docs/drivers.md |
  sed '1,2d;$d' > "$ex/snapdirs.lua"
sd=$tmp/snapdirs/docker
mkdir -p "$sd" && cp -a "$vfs/." "$sd"
hexid() { printf '%s' "$1" | sha256sum | cut -c1-64; }
m=$(hexid drivers-bowl-mount) s=$(hexid drivers-step) b=$(hexid drivers-base)
(cd "$sd" && mkdir snapshots && for l in vfs/dir/*; do
    mkdir "snapshots/${l##*/}" && mv "$l" "snapshots/${l##*/}/fs"
  done && rm -r vfs && mv image/vfs image/snapdirs &&
  sed -i 's/"Driver":"vfs"/"Driver":"snapdirs"/' containers/*/config.v2.json &&
  printf '%s-init\n' "$m" > "snapshots/$m/parent" &&
  printf '%s\n' "$s" > "snapshots/$m-init/parent" &&
  printf '%s\n' "$b" > "snapshots/$s/parent")
out=$(wo --driver-path "$ex" list --drivers 2>&1)
check "docs example loads" "$out" \
  grep -qE "^snapdirs +--driver-path +Exported layers" <<<"$out"
want=$(wo run diff -e "$vfs" --arg container=bowl 2>&1)
got=$(wo --driver-path "$ex" run diff -e "$sd" --arg container=bowl 2>&1)
check "docs example finds vfs' changes" "$want vs $got" \
  test "$want" = "$got" -a "$(grep -c . <<<"$got")" = 15
printf '%s\n' "$m" > "$sd/snapshots/$b/parent"
out=$(wo --driver-path "$ex" run containers -e "$sd" --format json 2>&1)
check "docs example: a looping parent chain is named" "$out" \
  grep -q "snapshots/$m/parent: parent chain loops" <<<"$out"

# a broken driver is named, the others still load
bad=$tmp/bad
mkdir -p "$bad"
echo 'return { description = "no detect" }' > "$bad/broken.lua"
echo 'return {' > "$bad/syntax.lua"
out=$(wo --driver-path "$bad" list --drivers 2>&1)
check "broken driver named" "$out" \
  grep -q "broken.lua: not a driver: has no detect" <<<"$out"
check "syntax error named" "$out" grep -q "syntax.lua" <<<"$out"
check "others still load" "$out" grep -qE "^aufs +shipped" <<<"$out"

# btrfs snapshots made by btrfs itself, read from the mounted file system
if [ "$(id -u)" != 0 ]; then
  echo "skip btrfs snapshots: needs root (mkfs.btrfs, a loop mount)"
elif ! command -v mkfs.btrfs > /dev/null; then
  echo "skip btrfs snapshots: no mkfs.btrfs (btrfs-progs)"
else
  img=$tmp/btrfs.img mnt=$tmp/btrfs
  mkdir -p "$mnt"
  truncate -s 128M "$img"
  if mkfs.btrfs -q -f "$img" > /dev/null 2>&1 &&
     mount -o loop "$img" "$mnt" 2> /dev/null; then
    trap 'umount "$mnt" 2> /dev/null' EXIT
    tests/fixtures/make-drivers btrfs "$mnt/docker" > /dev/null
    mount -o remount,ro "$mnt"
    check "btrfs: real snapshots" "$(cat "$mnt/docker/FORM")" \
      test "$(cat "$mnt/docker/FORM")" = snapshots
    out=$(wo run diff -e "$mnt/docker" --arg container=bowl 2>&1)
    check "btrfs: a rewrite with its times set back is seen" "$out" \
      grep -qx "C /fruit/lemons" <<<"$out"
    check "btrfs: 15 changes" "$out" test "$(grep -c '^[ACD] ' <<<"$out")" = 15
    umount "$mnt" && trap - EXIT
  else
    echo "skip btrfs snapshots: cannot make or loop-mount a btrfs image here"
  fi
fi

# the docker-explorer data roots
ev=${SHARED:-../shared}/evidence/docker-explorer
if [ ! -d "$ev" ]; then
  echo "skip docker-explorer: $ev is absent"; exit 0
fi
roots=()
for d in aufs.v1 aufs.v2 overlay.v2; do
  untar_cached "de-$d" "$ev/$d.tgz" || exit 1
  roots+=("$cache/de-$d/docker")
  out=$(wo run root-mounts-cron -e "$cache/de-$d/docker" 2>&1)
  check "docker-explorer $d: root-mounts-cron runs" "$out" test $? -eq 0
done
./whiteout exec tests/e2e/drivers-real.lua "${roots[@]}"

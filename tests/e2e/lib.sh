# Sourced first by every tests/e2e/*.sh: runs from the checkout's root,
# and gives the shared evidence folder ($ev), the evidence cache
# ($cache), checks and unpacking.  A caller sets name= for its lines.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ev=${SHARED:-../shared}/evidence
cache=${WO_EVIDENCE_CACHE:-/tmp/whiteout-evidence-cache}


check() {  # check LABEL WANT GOT: ok when GOT is WANT
  if [ "$2" = "$3" ]; then echo "ok $name $1"; else
    echo "not ok $name $1: got [$3], want [$2]"; fi
}


untar() {  # untar DIR TAR: whiteouts, xattrs and owners kept (as root)
  mkdir -p "$1" && tar --xattrs --xattrs-include='*' --numeric-owner \
    -xpf "$2" -C "$1"
}


untar_cached() {  # untar_cached NAME TAR: once into $cache/NAME
  if [ ! -e "$cache/$1/.done" ]; then
    rm -rf "$cache/$1" && untar "$cache/$1" "$2" && touch "$cache/$1/.done"
  fi
}


real_tar() {  # real_tar: the dockerd-ext4 data root's tar, or skip+exit
  tar=$ev/dockerd-ext4/var-lib-docker.tar
  if [ ! -e "$tar" ] || [ "$(id -u)" != 0 ]; then
    echo "skip $name real: needs $tar and root"; exit 0
  fi
}


host_image() {  # host_image: $img, the dockerd-ext4 host image, unpacked
  img=$cache/dockerd-ext4-img/host-ext4.img   # once into the cache
  if [ ! -e "$img.done" ]; then
    mkdir -p "$(dirname "$img")" &&
      zstd -dqf -o "$img" "$ev/dockerd-ext4/host-ext4.img.zst" &&
      touch "$img.done"
  fi
}

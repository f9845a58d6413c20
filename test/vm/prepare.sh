#!/usr/bin/env bash
# Prepares the VM assets, each built once and cached under
# ${SECURE_RUN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/secure-run/vm}, in a directory named
# after the hash of what produces it (its script, the files it copies, the Debian package
# versions it is made from): a change to any of them builds it anew, and the old one is removed.
#   prepare.sh [boot] [rootfs]      (default: both) → prints "boot=DIR" and "rootfs=DIR"
# Installs the Debian packages it needs when they are missing (root, apt-get); the kernel and
# busybox-static are downloaded and unpacked into the asset, not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SECURE_RUN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/secure-run/vm}
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(boot rootfs)
say() { printf 'vm-prepare: %s\n' "$*" >&2; }

mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9
# Left by a run that was interrupted (this one holds the lock).
rm -rf "$cache"/.tmp-*

# busybox-static is not installed (it would replace the host's busybox): boot.sh unpacks it.
tools=(qemu-system-x86 cpio kmod debootstrap zstd)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2}'; }
if [ ${#missing[@]} -gt 0 ] || [ -z "$(candidate linux-image-amd64)" ] ||
  [ "$(candidate linux-image-amd64)" = "(none)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get update"
  apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# build NAME KEY-INPUT... -- COMMAND...: runs COMMAND OUT (a fresh directory) unless
# NAME-<hash of the inputs> exists; prints NAME=DIR.
build() {
  local name=$1
  shift
  local inputs=()
  while [ "$1" != -- ]; do inputs+=("$1"); shift; done
  shift
  local key dir tmp start
  key=$(printf '%s\n' "${inputs[@]}" | sha256sum | cut -c1-16)
  dir=$cache/$name-$key
  if [ ! -d "$dir" ]; then
    say "building $name ($key): $*"
    start=$(date +%s)
    tmp=$cache/.tmp-$name-$$
    mkdir -p "$tmp"
    trap "rm -rf '$tmp'" EXIT
    printf '%s\n' "${inputs[@]}" > "$tmp/inputs"
    if ! "$@" "$tmp"; then
      rm -rf "$tmp"
      say "building $name failed"
      return 1
    fi
    mv "$tmp" "$dir"
    trap - EXIT
    say "built $name in $(($(date +%s) - start)) s"
  fi
  for old in "$cache/$name"-????????????????; do
    [ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
  done
  echo "$name=$dir"
}

filehash() { sha256sum "$@" | awk '{print $1}'; }

for what in "${wanted[@]}"; do
  case $what in
  boot)
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [ -n "$kpkg" ] || { say "no linux-image package found (apt-cache depends linux-image-amd64)"; exit 1; }
    boot_step() { "$here/assets/boot.sh" "$1" "$kpkg"; }
    build boot "boot.sh $(filehash "$here/assets/boot.sh")" "init $(filehash "$here/assets/init")" \
      "$kpkg $(candidate "$kpkg")" "busybox-static $(candidate busybox-static)" -- boot_step
    ;;
  rootfs)
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    rootfs_step() { "$here/assets/rootfs.sh" "$1" "$mirror"; }
    versions=()
    for p in selinux-policy-default selinux-policy-src selinux-policy-dev policycoreutils debootstrap; do
      versions+=("$p $(candidate "$p")")
    done
    build rootfs "rootfs.sh $(filehash "$here/assets/rootfs.sh")" \
      "testperm.cil $(filehash "$here/assets/testperm.cil")" "bookworm $mirror" "${versions[@]}" \
      -- rootfs_step
    ;;
  *)
    say "unknown asset $what (boot, rootfs)"
    exit 2
    ;;
  esac
done

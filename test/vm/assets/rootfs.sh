#!/usr/bin/env bash
# VM asset "rootfs" (selinux lane): a Debian 12 minbase with the reference policy
# (selinux-policy-default) and its tools, plus the container module (container_t,
# container_file_t), which Debian's binary policy does not ship: it is built here from
# selinux-policy-src with selinux-policy-dev, together with testperm.cil. Shared read-only into
# the VM, which loads the policy from it (load_policy) and labels /dev (restorecon).
#   rootfs.sh OUT MIRROR     → OUT/rootfs
set -euo pipefail
out=$1 mirror=$2
here=$(cd "$(dirname "$0")" && pwd)
r=$out/rootfs
debootstrap --variant=minbase \
  --include=selinux-policy-default,selinux-policy-dev,policycoreutils,selinux-utils,checkpolicy,make,m4 \
  bookworm "$r" "$mirror" > "$out/debootstrap.log" 2>&1 || {
  tail -20 "$out/debootstrap.log" >&2
  exit 1
}
# The container module, from the same reference policy release as the binary policy.
mkdir -p "$out/src"
(cd "$out/src" && apt-get download -q -o APT::Sandbox::User=root selinux-policy-src >/dev/null)
dpkg -x "$out"/src/selinux-policy-src_*.deb "$out/src/x"
tar --zstd -xf "$out/src/x/usr/src/selinux-policy-src.tar.zst" -C "$out/src" \
  --wildcards '*/policy/modules/services/container.*'
mkdir -p "$r/root/container"
cp "$out"/src/selinux-policy-src/policy/modules/services/container.{te,if,fc} "$r/root/container/"
cp "$here/testperm.cil" "$r/root/container/"
chroot "$r" sh -ec 'cd /root/container
  make -f /usr/share/selinux/devel/Makefile container.pp
  semodule -i container.pp
  semodule -i testperm.cil
  semodule -l | grep -qx container' > "$out/policy.log" 2>&1 || {
  tail -20 "$out/policy.log" >&2
  exit 1
}
rm -rf "$out/src" "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/usr/share/doc \
  "$r"/usr/share/man "$r"/usr/share/locale

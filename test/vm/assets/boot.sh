#!/usr/bin/env bash
# VM asset "boot": Debian's own kernel and a busybox-static initramfs (both downloaded and
# unpacked, not installed) with the modules for the 9p shares and test/vm/assets/init as PID 1.
#   boot.sh OUT KERNEL-PACKAGE      → OUT/vmlinuz, OUT/initramfs.cpio.gz, OUT/kernel-config
set -euo pipefail
out=$1 pkg=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$out/work
mkdir -p "$work/deb"
(cd "$work/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg" busybox-static >/dev/null)
dpkg -x "$work"/deb/linux-image-*.deb "$work/kernel"
dpkg -x "$work"/deb/busybox-static_*.deb "$work/busybox"
kv=$(ls "$work/kernel/lib/modules")
depmod -b "$work/kernel" "$kv"
cp "$work/kernel/boot/vmlinuz-$kv" "$out/vmlinuz"
cp "$work/kernel/boot/config-$kv" "$out/kernel-config"

# The initramfs: static busybox, the modules (dependencies first), init. Besides the 9p
# shares': tun (pasta), dummy (the guest's network) and nftables with what the private
# network's ruleset uses (ct state, reject), loaded at boot: a rootless caller's network
# namespace cannot have the kernel load a module for it.
r=$work/initramfs
mkdir -p "$r"/{bin,dev,proc,sys,tmp,run,etc,lib/modules}
cp "$work/busybox/bin/busybox" "$r/bin/busybox"
: > "$r/etc/modules"
for m in virtio_pci 9pnet_virtio 9p tun dummy nf_tables nft_ct nft_reject_inet; do
  for p in $(modprobe -d "$work/kernel" -S "$kv" --show-depends "$m" | awk '/^insmod/{print $2}'); do
    b=$(basename "$p")
    grep -qx "$b" "$r/etc/modules" && continue
    cp "$p" "$r/lib/modules/$b"
    echo "$b" >> "$r/etc/modules"
  done
done
cp "$here/init" "$r/init"
chmod 755 "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"
echo "$kv" > "$out/kernel-version"
rm -rf "$work"

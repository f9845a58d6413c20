#!/bin/sh
# Runs inside the test VM (busybox sh, started by assets/init) for one lane, as set in
# /out/vm.env: VM_LANE (cgroup2 | selinux), VM_CHECKOUT (the project's path, the same as on the
# host, whose / is shared read-only at /hostroot), VM_TEST (the guest test file, its path in the
# checkout). Sets the guest up as a host of that kind, then runs the host's node in a chroot of
# the shared / with node's test runner; results go to /out/results.jsonl.
set -u
H=/hostroot
log() { echo "vm-guest: $*"; }

mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || { log "cannot mount cgroup2"; exit 125; }
grep -qw selinuxfs /proc/filesystems && mount -t selinuxfs selinuxfs /sys/fs/selinux 2>/dev/null
log "LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null || echo '?'); cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

if [ "$VM_LANE" = selinux ]; then
  S=/selinux
  [ -d $S/etc/selinux ] || { log "no SELinux rootfs shared"; exit 125; }
  mount -t proc proc $S/proc
  mount --rbind /sys $S/sys
  mount --rbind /dev $S/dev
  chroot $S /usr/sbin/load_policy -i || { log "load_policy failed"; exit 125; }
  # devtmpfs nodes were made before the policy: label them as a booted host would.
  chroot $S /sbin/restorecon -R /dev || log "restorecon /dev failed"
  echo 1 > /sys/fs/selinux/enforce
  umount -l $S/dev $S/sys $S/proc
  log "SELinux $(cat /sys/fs/selinux/enforce | sed 's/1/enforcing/;s/0/permissive/'), mls $(cat /sys/fs/selinux/mls), harness $(cat /proc/self/attr/current)"
fi

# The host's / as the root of the tests, with this VM's kernel file systems and writable
# tmpfs where a host has them.
mount -t proc proc $H/proc
mount --rbind /sys $H/sys
mount --rbind /dev $H/dev
mount -t tmpfs -o mode=1777 tmpfs $H/tmp
mount -t tmpfs -o mode=755 tmpfs $H/run
mkdir -p $H/run/vm-out
mount --bind /out $H/run/vm-out

chroot $H /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TMPDIR=/tmp NO_COLOR=1 \
  SECURE_RUN_VM_LANE="$VM_LANE" SECURE_RUN_TEST_PROBE_DIR=/run/vm-out/probe \
  /usr/bin/node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter="$VM_CHECKOUT/test/vm/guest-reporter.mjs" \
  --test-reporter-destination=/run/vm-out/results.jsonl \
  "$VM_TEST"
rc=$?
log "node --test exit $rc"
exit $rc

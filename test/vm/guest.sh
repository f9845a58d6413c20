#!/bin/sh
# Runs inside the test VM (busybox sh, started by assets/init) for one lane, as set in
# /out/vm.env: VM_LANE (cgroup2 | selinux); VM_CHECKOUT, the project's path, the same as on the
# host, whose / is shared read-only at /hostroot; VM_TEST, the guest test file; VM_LAUNCHER
# (optional), a launcher build to use instead of the checkout's; VM_TEST_PATTERN (optional),
# only the tests whose name matches. Sets the guest up as a host of that kind, then runs the
# host's node on the shared / (its root) with node's test runner; results go to
# /out/results.jsonl.
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
  # The run directory was mounted before there was a policy (unlabeled, so no file could be
  # created there): mounted again, with a label.
  umount /out && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,context=system_u:object_r:tmpfs_t:s0 out /out ||
    { log "cannot mount the run directory again"; exit 125; }
  umount -l $S/dev $S/sys $S/proc
  log "SELinux $(cat /sys/fs/selinux/enforce | sed 's/1/enforcing/;s/0/permissive/'), mls $(cat /sys/fs/selinux/mls), harness $(cat /proc/self/attr/current)"
fi

# The host's / as the root of the tests, with this VM's kernel file systems and writable
# tmpfs where a host has them.
mount -t proc proc $H/proc
mount --rbind /sys $H/sys
mount --rbind /dev $H/dev
# A checkout under /tmp (a CI clone) stays visible through the tmpfs that covers /tmp.
case $VM_CHECKOUT in
/tmp/*)
  mkdir -p /keep && mount --bind "$H$VM_CHECKOUT" /keep
  mount -t tmpfs -o mode=1777 tmpfs $H/tmp
  mkdir -p "$H$VM_CHECKOUT" && mount --move /keep "$H$VM_CHECKOUT" ||
    { log "cannot keep the checkout $VM_CHECKOUT visible"; exit 125; }
  ;;
*) mount -t tmpfs -o mode=1777 tmpfs $H/tmp ;;
esac
mount -t tmpfs -o mode=755 tmpfs $H/run
mkdir -p $H/run/vm-out
mount --bind /out $H/run/vm-out
# Another launcher build in place of the checkout's, in this VM only (SECURE_RUN_VM_LAUNCHER).
if [ -n "${VM_LAUNCHER:-}" ]; then
  mount --bind "$H$VM_LAUNCHER" "$H$VM_CHECKOUT/build/Release/secure-run-launch" &&
    log "launcher: $VM_LAUNCHER"
fi

# The rootless tests (issue 16) run as the test user secure-run-test: the shared / is read-only,
# so it is added to copies of passwd and group bound over the host's (test/helpers.ts
# createTestUser then finds it and leaves the account alone).
if [ "$VM_LANE" = cgroup2 ]; then
  for f in passwd group; do
    cp "$H/etc/$f" "/vm-$f"
  done
  echo "secure-run-test:x:990:990:secure-run tests:/nonexistent:/usr/sbin/nologin" >> /vm-passwd
  echo "secure-run-test:x:990:" >> /vm-group
  mount --bind /vm-passwd "$H/etc/passwd" && mount --bind /vm-group "$H/etc/group" ||
    log "cannot add the test user"
fi

# The tests get the shared / as their real root (pivot_root in a mount namespace of their own):
# in a mere chroot the kernel refuses to create user namespaces.
mkdir -p $H/run/vm-oldroot
unshare -m sh -c "cd $H && pivot_root . run/vm-oldroot && umount -l /run/vm-oldroot && rmdir /run/vm-oldroot &&
  exec /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TMPDIR=/tmp NO_COLOR=1 SECURE_RUN_BUNDLE_CACHE=/tmp/secure-run-bundles \
  SECURE_RUN_VM_LANE=$VM_LANE SECURE_RUN_TEST_PROBE_DIR=/run/vm-out/probe \
  /usr/bin/node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=$VM_CHECKOUT/test/vm/guest-reporter.mjs \
  --test-reporter-destination=/run/vm-out/results.jsonl \
  ${VM_TEST_PATTERN:+--test-name-pattern=\"$VM_TEST_PATTERN\"} $VM_TEST"
rc=$?
log "node --test exit $rc"
if [ $rc -ne 0 ]; then
  log "the kernel's last messages:"
  dmesg | tail -25
fi
exit $rc

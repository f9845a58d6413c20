#!/usr/bin/env bash
# Real launches with the sanitized launcher ($1): exit statuses, a failing step, and that its
# cgroups are gone afterwards. Needs root; without it, says so and checks only --help.
set -u
L=$1
fail=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "launch_test: $1: ok"; else echo "launch_test: $1: expected $2, got $3"; fail=1; fi
}
"$L" --help >/dev/null; check "--help" 0 $?
"$L" --bogus -- /bin/true 2>/dev/null; check "bad option" 125 $?
if [ "$(id -u)" != 0 ]; then
  echo "launch_test: SKIPPED real launches: they need root"
  # The launcher owns the SELinux category registry: it takes back the pairs of launches that are
# gone, and gives its own (and its group's category) back at its end, whether SELinux let the app
# start or not.
reg=$(mktemp -d)
printf '999999999\n' >"$reg/c5,c6"
printf '%s\n' "$$" >"$reg/c7,c8"
"$L" "${view[@]}" --selinux-label system_u:system_r:container_t:s0 \
  --selinux-mount-label system_u:object_r:container_file_t:s0 --selinux-mcs-registry "$reg" \
  --selinux-mcs-shared asan-group -- /bin/true 2>/dev/null
check "mcs registry reclaimed and released" "c7,c8" "$(ls "$reg" | tr '\n' ' ' | sed 's/ $//')"
rm -rf "$reg"
exit $fail
fi
view=(--unshare cgroup,ipc,mount,net,pid,user,uts --uid-map 0:100000:65536 --gid-map 0:100000:65536 --hostname asan --uid 65534 --gid 65534 --memory 67108864
  --memory-swap 0 --pids 16 --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
  --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp 1048576 1777 --read-only-root
  --new-session --name asan-test)
"$L" "${view[@]}" -- /bin/true; check "exit 0" 0 $?
"$L" "${view[@]}" -- /bin/sh -c 'exit 3'; check "exit 3" 3 $?
"$L" "${view[@]}" -- /bin/sh -c 'kill -KILL $$'; check "killed" 137 $?
"$L" "${view[@]}" -- /no/such/program 2>/dev/null; check "not found" 127 $?
"$L" "${view[@]}" --ro-bind /no/such/dir /x -- /bin/true 2>/dev/null; check "failed mount" 125 $?
out=$("$L" "${view[@]}" -- /bin/sh -c 'hostname; id -u')
check "hostname and uid" "asan 65534" "$(echo $out)"
left=$(find /sys/fs/cgroup -maxdepth 6 -name 'secure-run-asan-test-*' 2>/dev/null | head -1)
check "no cgroup left" "" "$left"
# The launcher owns the SELinux category registry: it takes back the pairs of launches that are
# gone, and gives its own (and its group's category) back at its end, whether SELinux let the app
# start or not.
reg=$(mktemp -d)
printf '999999999\n' >"$reg/c5,c6"
printf '%s\n' "$$" >"$reg/c7,c8"
"$L" "${view[@]}" --selinux-label system_u:system_r:container_t:s0 \
  --selinux-mount-label system_u:object_r:container_file_t:s0 --selinux-mcs-registry "$reg" \
  --selinux-mcs-shared asan-group -- /bin/true 2>/dev/null
check "mcs registry reclaimed and released" "c7,c8" "$(ls "$reg" | tr '\n' ' ' | sed 's/ $//')"
rm -rf "$reg"
exit $fail

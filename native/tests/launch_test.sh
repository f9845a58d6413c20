#!/usr/bin/env bash
# Real launches with the sanitized launcher ($1): exit statuses, a failing step, and that its
# cgroups are gone afterwards; then the same view launched by an unprivileged caller (uid 65534,
# through setpriv). Needs root; without it, says so and checks only --help.
set -u
L=$1
fail=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "launch_test: $1: ok"; else echo "launch_test: $1: expected $2, got $3"; fail=1; fi
}
"$L" --help >/dev/null; check "--help" 0 $?
"$L" --bogus -- /bin/true 2>/dev/null; check "bad option" 125 $?
if [ "$(id -u)" != 0 ]; then
  echo "launch_test: SKIPPED real launches: they need root (to compare with a rootless one)"
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
# --net-hook: the hook runs `add` before the app (the app's namespaces on its descriptors 3 and
# 4), its CONFIG.nft is loaded in the app's namespace, and `del` runs after the app; a failing
# add stops the launch (125) and still runs del.
hd=$(mktemp -d)
cat >"$hd/hook" <<'HOOK'
#!/bin/sh
# hook net-hook ACTION CONFIG PID
echo "$2 $(readlink /proc/self/fd/3 | cut -d: -f1) $(readlink /proc/self/fd/4 | cut -d: -f1)" >>"$3.log"
[ "$2" = add ] && [ -e "$3.fail" ] && exit 1
[ "$2" = add ] && printf 'table inet hooktest {\n  chain output {\n    type filter hook output priority 0; policy drop;\n  }\n}\n' >"$3.nft"
exit 0
HOOK
chmod 755 "$hd/hook"
if [ -x /usr/sbin/nft ]; then
  out=$("$L" "${view[@]}" --net-hook "$hd/hook" "$hd/net" -- /bin/sh -c 'echo app; cat /proc/net/dev | grep -c lo')
  check "net-hook: add before the app, del after, namespaces given" "add net user del net user" "$(tr '\n' ' ' <"$hd/net.log" | sed 's/ $//')"
  check "net-hook: the app ran; the ruleset file is consumed" "app 1 gone" "$(echo $out) $([ -e "$hd/net.nft" ] && echo left || echo gone)"
  rm -f "$hd/net.log"
  touch "$hd/net.fail"
  "$L" "${view[@]}" --net-hook "$hd/hook" "$hd/net" -- /bin/true 2>/dev/null
  check "net-hook: a failed add stops the launch, del still runs" "125 add net user del net user" "$? $(tr '\n' ' ' <"$hd/net.log" | sed 's/ $//')"
  # The forwarder an add leaves running (pasta) is adopted by the supervisor when the hook exits
  # (not by the host's init, which may never reap it), and reaped after the del that ends it.
  cat >"$hd/fwd-hook" <<'HOOK'
#!/bin/sh
if [ "$2" = add ]; then
  sleep 60 </dev/null >/dev/null 2>&1 &
  echo $! >"$3.pid"
  printf 'table inet fwdtest {\n}\n' >"$3.nft"
  exit 0
fi
f=$(cat "$3.pid")
parent=$(awk '{print $4}' /proc/"$f"/stat)
[ "$parent" = "$PPID" ] && echo "adopted" >>"$3.log" || echo "parent $parent, not $PPID" >>"$3.log"
kill -9 "$f"
while [ "$(awk '{print $3}' /proc/"$f"/stat 2>/dev/null)" = S ]; do sleep 0.01; done
exit 0
HOOK
  chmod 755 "$hd/fwd-hook"
  "$L" "${view[@]}" --net-hook "$hd/fwd-hook" "$hd/fwd" -- /bin/true
  check "net-hook: the forwarder the add left is the supervisor's child at del" "0 adopted" "$? $(cat "$hd/fwd.log")"
else
  echo "launch_test: SKIPPED net-hook: /usr/sbin/nft is missing (Debian package nftables)"
fi
rm -rf "$hd"
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

# Rootless: an unprivileged caller (uid 65534, no groups) launches through a copy of the
# launcher it can reach. It has no newuidmap range and no cgroup of its own: --map-caller (its
# own ids, one each) and --no-cgroup. It must get the same view and the same defences as root.
rl=$(mktemp -d)
chmod 755 "$rl"
cp "$L" "$rl/L"
chmod 755 "$rl/L"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
rview=(--unshare ipc,mount,net,pid,user,uts --map-caller --no-cgroup --hostname asan --uid 1000
  --gid 1000 --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
  --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp 1048576 1777 --read-only-root
  --new-session --name asan-rootless)
out=$(nobody "$rl/L" "${rview[@]}" -- /bin/sh -c 'hostname; id -u; id -g; echo x >/dev/null && echo dev')
check "rootless: runs, its ids inside, /dev/null bound" "asan 1000 1000 dev" "$(echo $out)"
# Only its own processes: init (1) and the shell (2); the glob starts no process.
out=$(nobody "$rl/L" "${rview[@]}" -- /bin/sh -c 'echo /proc/[0-9]*')
check "rootless: sees only its own processes" "/proc/1 /proc/2" "$out"
# init fails (its bind source is missing: rootless, init opens it) while the supervisor is still
# in the network hook's add: init's own error is the cause reported, not the closed pipe the
# supervisor's release then writes to.
hd=$(mktemp -d)
chmod 755 "$hd"
chown 65534:65534 "$hd"
printf '#!/bin/sh\n[ "$2" = add ] && sleep 0.3 && : >"$3.nft"\nexit 0\n' >"$hd/slow-hook"
chmod 755 "$hd/slow-hook"
err=$(nobody "$rl/L" "${rview[@]}" --ro-bind /no/such/dir /x --net-hook "$hd/slow-hook" "$hd/slow" -- /bin/true 2>&1)
check "rootless: init failed during the hook's add: its step is reported" "125 rootfs" \
  "$? $(echo "$err" | sed -n 's/.*at step "\([a-z ]*\)".*/\1/p')"
rm -rf "$hd"
# Writes: only the writable places. A host directory the caller may write to is bound read-only
# at /ro and writable at /rw; /usr and the root are read-only; /tmp is the sandbox's tmpfs.
hd=$(mktemp -d)
chown 65534:65534 "$hd"
out=$(nobody "$rl/L" "${rview[@]}" --ro-bind "$hd" /ro --bind "$hd" /rw -- /bin/sh -c '
  for p in /ro/a /rw/b /usr/c /d /tmp/e; do (echo x >"$p") 2>/dev/null && echo "$p:yes" || echo "$p:no"; done')
check "rootless: writes only where writable" "/ro/a:no /rw/b:yes /usr/c:no /d:no /tmp/e:yes" "$(echo $out)"
check "rootless: the writable bind's file is the caller's on the host" "65534 b" "$(cd "$hd" && stat -c '%u %n' *)"
rm -rf "$hd"
# Seen from the host while it runs: the app is the caller (uid 65534) with no capability in any
# of the five sets, no_new_privs set; it is in the caller's own cgroups (no cgroup was made,
# cgroup v1 or v2); the host's mount table is the same as before, during and after.
mounts() { awk '{print $5, $6}' /proc/self/mountinfo | sort; }
before=$(mounts)
setpriv --reuid=65534 --regid=65534 --clear-groups "$rl/L" "${rview[@]}" -- /bin/sleep 3 &
lp=$! # setpriv, then (execve) the launcher
app=""
for _ in $(seq 100); do
  init=$(pgrep -P "$lp" | head -1)
  [ -n "$init" ] && app=$(pgrep -P "$init" -x sleep | head -1)
  [ -n "$app" ] && break
  sleep 0.05
done
status=$(awk '/^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):/ {printf "%s%s ", $1, $2}' /proc/"$app"/status 2>/dev/null)
check "rootless: the app seen from the host" \
  "Uid:65534 CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1 " \
  "$status"
check "rootless: no cgroup made (the app is in the caller's)" "$(cat /proc/$lp/cgroup)" "$(cat /proc/"$app"/cgroup 2>/dev/null || echo none)"
check "rootless: no cgroup directory made while it runs" "running " \
  "$([ -n "$app" ] && echo running) $(find /sys/fs/cgroup -maxdepth 6 -name 'secure-run-asan-rootless-*' 2>/dev/null | head -1)"
during=$(mounts)
wait "$lp"
rc=$?
after=$(mounts)
check "rootless: host mount table unchanged, during and after the launch (exit $rc)" \
  "same same 0" "$([ "$during" = "$before" ] && echo same) $([ "$after" = "$before" ] && echo same) $rc"
# Read-only remounts keep the flags the kernel locks: a caller whose mount is noexec (made in a
# private mount namespace here) gets its root read-only without clearing noexec (a remount
# would be refused). The program cannot run from there: 127, past the rootfs step.
nx=$(mktemp -d)
chmod 755 "$nx"
unshare -m --propagation private sh -c "mount -t tmpfs -o noexec,nosuid,nodev,size=1m tmpfs $nx &&
  setpriv --reuid=65534 --regid=65534 --clear-groups $rl/L --unshare mount,pid,user --map-caller \
  --no-cgroup --ro-bind $nx / --read-only-root -- /bin/true" 2>/dev/null
check "rootless: read-only root over a locked noexec mount" 127 $?
rmdir "$nx"
# Landlock and the seccomp filter apply as for root: outside the Landlock paths nothing reads.
out=$(nobody "$rl/L" "${rview[@]}" --landlock-fs rx /usr --landlock-fs rw /dev -- /bin/sh -c \
  'cat /proc/self/status >/dev/null 2>&1 && echo read || echo denied')
check "rootless: Landlock" "denied" "$out"
# A map wider than its own id needs newuidmap and a /etc/subuid range: refused, naming them.
msg=$(nobody "$rl/L" --unshare mount,pid,user --uid-map 0:100000:65536 --gid-map 0:100000:65536 \
  --no-cgroup -- /bin/true 2>&1)
rc=$?
case "$msg" in *newuidmap*|*/etc/subuid*) named=named ;; *) named="not named: $msg" ;; esac
check "rootless: a range map without newuidmap or /etc/subuid" "125 named" "$rc $named"
# What needs root on the host is refused up front.
msg=$(nobody "$rl/L" "${rview[@]}" --selinux-label system_u:system_r:container_t:s0 \
  --selinux-mount-label system_u:object_r:container_file_t:s0 --selinux-mcs-registry /run/x \
  -- /bin/true 2>&1)
rc=$?
case "$msg" in *"root launches only"*) named=named ;; *) named="not named: $msg" ;; esac
check "rootless: no SELinux category registry" "125 named" "$rc $named"
# Limits need a cgroup the caller may create: without a delegated subtree (this host's cgroup v1),
# refused, saying how to get one; with one, the launch goes on.
msg=$(nobody "$rl/L" --unshare user --map-caller --pids 16 -- /bin/true 2>&1)
rc=$?
case "$rc $msg" in "0 "|*delegated*) named=named ;; *) named="not named: $msg" ;; esac
check "rootless: limits without a delegated cgroup" "named" "$named"
rm -rf "$rl"

# Refusals (issue 20): a compiled bundle's notifying filter; the supervisor answers each refused
# call with the plan's errno, counts it and, when the app fails, prints the bundle's fix for it.
# (hints: [] — a recognised shell would get the process profile, and fork.)
top=$(cd "$(dirname "$0")/../.." && pwd)
if command -v node >/dev/null && [ -f "$top/dist/cli/main.cjs" ]; then
  rd=$(mktemp -d)
  printf '%s\n' 'apiVersion: secure-run/v1' 'kind: App' 'name: asan-refusals' \
    'command: [/bin/sh, -c, "echo hi | wc -c"]' 'syscalls: { hints: [] }' >"$rd/app.yaml"
  node "$top/dist/cli/main.cjs" compile "$rd/app.yaml" -o "$rd/b" >/dev/null 2>&1
  out=$("$L" --bundle "$rd/b" 2>&1 >/dev/null); rc=$?
  s=$(echo "$out" | grep -c 'clone .* by sh  → syscalls.profiles: \[process\]')
  check "refusals: the summary names clone and its fix" "2 1" "$rc $s"
  [ "$s" = 1 ] || echo "$out"
  out=$("$L" --refusals-summary off --bundle "$rd/b" 2>&1 >/dev/null); rc=$?
  check "refusals: --refusals-summary off" "2 0" "$rc $(echo "$out" | grep -c 'secure-run:')"
  out=$("$L" --refusals-summary always --bundle "$rd/b" 2>&1 | grep -c 'refused 1 call of asan-refusals')
  check "refusals: --refusals-summary always" "1" "$out"
  rm -rf "$rd"
else
  echo "launch_test: SKIPPED refusals: no node or no dist/cli/main.cjs (npm run build:ts)"
fi
exit $fail

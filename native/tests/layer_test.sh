#!/usr/bin/env bash
# The writable layer (--writable-layer DIR) with the sanitized launcher ($1), real launches: what
# the app writes to its root persists in DIR/upper across launches, for root and for an
# unprivileged caller (uid 65534); a DIR that is a link, another user's or group-writable is
# refused; links planted in the layer lead nowhere outside the sandbox; volumes and tmpfs are not
# in the layer; nothing written there can be executed. An image's layers (--image-layer): the
# root is an overlay of them (whiteouts, an opaque directory), read-only or under a writable
# layer, --from-image binds, and a layer that is a link, group-writable or another user's is
# refused. Needs root.
set -u
L=$1
fail=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "layer_test: $1: ok"; else echo "layer_test: $1: expected $2, got $3"; fail=1; fi
}
if [ "$(id -u)" != 0 ]; then
  echo "layer_test: SKIPPED: real launches need root (to compare with a rootless one)"
  exit 0
fi
t=$(mktemp -d)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
view=(--unshare cgroup,ipc,mount,net,pid,user,uts --uid-map 0:100000:65536 --gid-map 0:100000:65536
  --uid 0 --gid 0 --no-cgroup --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
  --symlink usr/lib64 /lib64 --ro-bind-try /etc/passwd /etc/passwd --proc /proc --dev /dev
  --tmpfs /tmp 1048576 1777 --read-only-root --name layer-test)
mkdir -m 700 "$t/layer"

# Root: a write to /etc persists across two launches with the same layer, and is in DIR/upper.
out=$("$L" "${view[@]}" --writable-layer "$t/layer" -- /bin/sh -c 'echo one >/etc/x && mkdir -p /var/lib/a && echo two >/var/lib/a/f && echo ok')
check "root: writes to the root" "ok" "$out"
out=$("$L" "${view[@]}" --writable-layer "$t/layer" -- /bin/sh -c 'cat /etc/x /var/lib/a/f')
check "root: kept by the next launch" "one two" "$(echo $out)"
check "root: in DIR/upper" "one" "$(cat "$t/layer/upper/etc/x")"
# The layer is noexec and the host's view stays read-only on top of it.
out=$("$L" "${view[@]}" --writable-layer "$t/layer" -- /bin/sh -c '
  cp /bin/true /var/t; /var/t 2>/dev/null; echo "exec:$?"
  (echo x >/usr/x) 2>/dev/null && echo usr:yes || echo usr:no
  (echo x >/etc/passwd) 2>/dev/null && echo passwd:yes || echo passwd:no')
check "root: what it writes cannot run; /usr and the host's /etc files stay read-only" "exec:126 usr:no passwd:no" "$(echo $out)"
# Without the layer the root is read-only.
msg=$("$L" "${view[@]}" -- /bin/sh -c 'echo x >/etc/y' 2>&1)
case "$msg" in *"Read-only file system"*) ro=EROFS ;; *) ro="not EROFS: $msg" ;; esac
check "root: without --writable-layer the root is read-only" "EROFS" "$ro"

# Volumes and tmpfs are not in the layer: a writable bind keeps its file on the host, /tmp's
# file is gone with the launch.
mkdir -m 777 "$t/vol"
"$L" "${view[@]}" --bind "$t/vol" /vol --writable-layer "$t/layer" -- /bin/sh -c 'echo v >/vol/v; echo t >/tmp/t'
check "root: the volume's file on the host, none in the layer" "v absent absent" \
  "$(cat "$t/vol/v") $([ -e "$t/layer/upper/vol/v" ] && echo present || echo absent) $([ -e "$t/layer/upper/tmp/t" ] && echo present || echo absent)"

# Refused: a link, another user's directory, a group-writable one, upper/ planted as a link.
ln -s "$t/layer" "$t/link"
msg=$("$L" "${view[@]}" --writable-layer "$t/link" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"not a directory"*) named=named ;; *) named="not named: $msg" ;; esac
check "refused: the layer is a symbolic link" "125 named" "$rc $named"
mkdir -m 700 "$t/other" && chown 65534:65534 "$t/other"
msg=$("$L" "${view[@]}" --writable-layer "$t/other" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"belongs to uid 65534"*) named=named ;; *) named="not named: $msg" ;; esac
check "refused: another user's directory" "125 named" "$rc $named"
mkdir -m 770 "$t/group"
msg=$("$L" "${view[@]}" --writable-layer "$t/group" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"writable by its group"*) named=named ;; *) named="not named: $msg" ;; esac
check "refused: a group-writable directory" "125 named" "$rc $named"
mkdir -m 700 "$t/planted" "$t/elsewhere" && ln -s "$t/elsewhere" "$t/planted/upper"
msg=$("$L" "${view[@]}" --writable-layer "$t/planted" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"upper\` is not a directory"*) named=named ;; *) named="not named: $msg" ;; esac
check "refused: upper/ is a symbolic link" "125 named $(ls "$t/elsewhere" | wc -l)" "$rc $named $(ls "$t/elsewhere" | wc -l)"

# Links planted in the layer (by the app in an earlier launch, or by anyone who could write
# DIR) are the sandbox's links: they resolve inside its root, never on the host. A link to a host
# file: the write lands on the path of the same name in the layer. /etc turned into a link to
# the host's /etc as the build sees it (/oldroot/etc): the launcher resolves mount targets in
# the new root, where that leads nowhere, and refuses; nothing is made on the host.
host_target=/var/tmp/secure-run-layer-test-$$
echo host >"$host_target"
mkdir -p "$t/layer/upper/var/tmp"
chown 100000:100000 "$t/layer/upper/var" "$t/layer/upper/var/tmp"
ln -s "$host_target" "$t/layer/upper/etc/evil"
"$L" "${view[@]}" --writable-layer "$t/layer" -- /bin/sh -c "echo app >/etc/evil"
check "planted link to a host file: written in the layer, the host's file untouched" "0 host app" \
  "$? $(cat "$host_target") $(cat "$t/layer/upper$host_target" 2>&1)"
rm -f "$host_target"
mkdir -p "$t/layer2/upper" && chmod 700 "$t/layer2" && ln -s /oldroot/etc "$t/layer2/upper/etc"
msg=$("$L" "${view[@]}" --writable-layer "$t/layer2" -- /bin/sh -c 'echo app >/etc/secure-run-layer-test' 2>&1)
rc=$?
case "$msg" in *"leads nowhere inside it"*) named=named ;; *) named="not named: $msg" ;; esac
check "planted /etc link to the build's /oldroot/etc: refused, nothing on the host" "125 named absent" \
  "$rc $named $([ -e /etc/secure-run-layer-test ] && echo present || echo absent)"
rm -f /etc/secure-run-layer-test

# Rootless: an unprivileged caller (uid 65534) with its own id mapped, through a copy of the
# launcher it can reach; its layer persists too, the files in it are the caller's.
cp "$L" "$t/L" && chmod 755 "$t/L"
mkdir -m 700 "$t/rl" && chown 65534:65534 "$t/rl"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
rview=(--unshare ipc,mount,net,pid,user,uts --map-caller --no-cgroup --uid 0 --gid 0
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64
  --proc /proc --dev /dev --tmpfs /tmp 1048576 1777 --read-only-root --name layer-rootless)
nobody "$t/L" "${rview[@]}" --writable-layer "$t/rl" -- /bin/sh -c 'mkdir /etc && echo r >/etc/x'
out=$(nobody "$t/L" "${rview[@]}" --writable-layer "$t/rl" -- /bin/sh -c 'cat /etc/x; cp /bin/true /t; /t 2>/dev/null; echo "exec:$?"')
check "rootless: kept by the next launch; what it writes cannot run" "r exec:126" "$(echo $out)"
check "rootless: in DIR/upper, the caller's" "65534 r" "$(stat -c %u "$t/rl/upper/etc/x") $(cat "$t/rl/upper/etc/x")"
msg=$(nobody "$t/L" "${rview[@]}" --writable-layer "$t/layer" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"--writable-layer"*"Permission denied"*) named=named ;; *) named="not named: $msg" ;; esac
check "rootless: root's layer is refused" "125 named" "$rc $named"
# An image's layers as the root: a whiteout and an opaque directory (as the store keeps them:
# trusted.overlay.* for root, user.overlay.* for a user), read-only; under a writable layer the
# writes go to its upper, never to the layers; --from-image binds a path of the layers alone.
image() { # DIR OPAQUE-XATTR: two layers, bottom and top
  mkdir -p "$1/bottom/data" "$1/bottom/opq" "$1/bottom/tools" "$1/top/data" "$1/top/opq"
  echo k >"$1/bottom/data/keep"; echo g >"$1/bottom/data/gone"; echo o >"$1/bottom/opq/old"
  echo n >"$1/top/opq/new"; echo h >"$1/bottom/tools/hello"
  mknod "$1/top/data/gone" c 0 0
  /usr/bin/python3 -c "import os,sys; os.setxattr(sys.argv[1], sys.argv[2], b'y')" "$1/top/opq" "$2"
  chmod 755 "$1/bottom" "$1/top"
}
mkdir -m 755 "$t/img" && image "$t/img" trusted.overlay.opaque
# Root's store shifts the image's ids into the sandbox's range; the layer directories stay root's.
chown -R 100000:100000 "$t/img/bottom/"* "$t/img/top/"*
layers=(--image-layer "$t/img/top" --image-layer "$t/img/bottom")
iview=()
for a in "${view[@]}"; do [ "$a" = --read-only-root ] || iview+=("$a"); done

out=$("$L" "${iview[@]}" --read-only-root "${layers[@]}" -- /bin/sh -c '
  cat /data/keep; [ -e /data/gone ] || echo gone; ls /opq; (echo x >/data/x) 2>/dev/null || echo ro
  grep " / / " /proc/self/mountinfo | sed "s/.* - \([^ ]*\) .*/\1/"')
check "image: / is an overlay of the layers, read-only, whiteout and opaque applied" "k gone new ro overlay" "$(echo $out)"
mkdir -m 700 "$t/ilayer"
out=$("$L" "${iview[@]}" "${layers[@]}" --ro-bind /tools /tools --from-image --writable-layer "$t/ilayer" -- /bin/sh -c '
  echo w >/data/w && cat /data/w /tools/hello; (echo x >/tools/x) 2>/dev/null || echo tools-ro')
check "image: under a writable layer, writes in its upper; --from-image read-only" "w h tools-ro" "$(echo $out)"
check "image: the layers untouched" "w absent" "$(cat "$t/ilayer/upper/data/w") $([ -e "$t/img/top/data/w" ] || [ -e "$t/img/bottom/data/w" ] && echo present || echo absent)"
mv "$t/img/top" "$t/img/top.real" && ln -s "$t/img/top.real" "$t/img/top"
msg=$("$L" "${iview[@]}" "${layers[@]}" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"not a directory reached without symbolic links"*) named=named ;; *) named="not named: $msg" ;; esac
check "image: refused, a layer that is a symbolic link" "125 named" "$rc $named"
rm "$t/img/top" && mv "$t/img/top.real" "$t/img/top"
chmod 775 "$t/img/bottom"
msg=$("$L" "${iview[@]}" "${layers[@]}" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"writable by its group or others"*) named=named ;; *) named="not named: $msg" ;; esac
check "image: refused, a group-writable layer" "125 named" "$rc $named"
chmod 755 "$t/img/bottom" && chown 65534 "$t/img/top"
msg=$("$L" "${iview[@]}" "${layers[@]}" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"belongs to uid 65534"*) named=named ;; *) named="not named: $msg" ;; esac
check "image: refused, another user's layer" "125 named" "$rc $named"
chown 0 "$t/img/top"
msg=$("$L" "${iview[@]}" --image-layer /proc/sys -- /bin/true 2>&1)
rc=$?
case "$msg" in *"an overlay of its layers): create the overlay"*"SECURE_RUN_IMAGE_ROOT=bind"*) named=named ;; *) named="not named: $msg" ;; esac
check "image: a layer the kernel refuses (procfs): the step, and the fallback to plan with" "125 named" "$rc $named"

# Rootless: the user's own layers (user.overlay.*), mounted by init in its user namespace.
mkdir -m 755 "$t/rimg" && image "$t/rimg" user.overlay.opaque && chown -R 65534:65534 "$t/rimg"
rlayers=(--image-layer "$t/rimg/top" --image-layer "$t/rimg/bottom")
rwview=()
for a in "${rview[@]}"; do [ "$a" = --read-only-root ] || rwview+=("$a"); done
out=$(nobody "$t/L" "${rview[@]}" "${rlayers[@]}" -- /bin/sh -c '
  cat /data/keep; [ -e /data/gone ] || echo gone; ls /opq; (echo x >/data/x) 2>/dev/null || echo ro
  grep " / / " /proc/self/mountinfo | sed "s/.* - \([^ ]*\) .*/\1/"')
check "rootless image: / is an overlay of the user's layers, read-only" "k gone new ro overlay" "$(echo $out)"
out=$(nobody "$t/L" "${rwview[@]}" "${rlayers[@]}" --writable-layer "$t/rl" -- /bin/sh -c 'echo w >/data/w; cat /data/w')
check "rootless image: under its writable layer" "w absent" "$out $([ -e "$t/rimg/top/data/w" ] && echo present || echo absent)"
msg=$(nobody "$t/L" "${rview[@]}" "${layers[@]}" -- /bin/true 2>&1)
rc=$?
case "$msg" in *"image layer"*) named=named ;; *) named="not named: $msg" ;; esac
check "rootless image: root's layers are refused" "125 named" "$rc $named"
exit $fail

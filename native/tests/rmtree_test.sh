#!/usr/bin/env bash
# --remove-tree DIR with the sanitized launcher ($1): the removal of a tree a hostile app wrote
# (native/launcher/rmtree.c). A link planted in the tree is unlinked, never followed (nor DIR
# itself when it is a link); a mount in the tree (another file system, or a bind of the same one,
# made in a private mount namespace: unshare -m) is not entered and is named; DIR that is a mount
# point is refused. For an unprivileged caller (uid 65534): its own unreadable directories are
# opened up and removed; files of ids of its subordinate range (/etc/subuid, /etc/subgid, restored
# after) are removed in a user namespace mapped with it (newuidmap, newgidmap), and without the
# range they are left, each named. Needs root.
set -u
L=$(realpath "$1")
fail=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "rmtree_test: $1: ok"; else echo "rmtree_test: $1: expected $2, got $3"; fail=1; fi
}
checkm() { # name regex actual
  if [[ "$3" =~ $2 ]]; then echo "rmtree_test: $1: ok"; else echo "rmtree_test: $1: expected /$2/, got $3"; fail=1; fi
}
"$L" --remove-tree 2>/dev/null; check "usage: DIR is needed" 125 $?
"$L" --remove-tree /x /y 2>/dev/null; check "usage: one DIR" 125 $?
"$L" --remove-tree /nonexistent-secure-run-rmtree-test; check "a missing DIR: nothing to do" 0 $?
"$L" --help | grep -q -- "--remove-tree"; check "--help documents --remove-tree" 0 $?
if [ "$(id -u)" != 0 ]; then
  echo "rmtree_test: SKIPPED the rest: it needs root (trees of other ids, mounts, /etc/subuid)"
  exit $fail
fi

T=$(mktemp -d /tmp/sr-rmtree-test.XXXXXX)
chmod 755 "$T"
saved=$T.saved
mkdir -m 700 "$saved"
cp -p /etc/subuid "$saved/subuid" 2>/dev/null
cp -p /etc/subgid "$saved/subgid" 2>/dev/null
restore() {
  for f in subuid subgid; do
    if [ -e "$saved/$f" ]; then cp -p "$saved/$f" "/etc/$f"; else rm -f "/etc/$f"; fi
  done
}
cleanup() {
  restore
  rm -rf "$T" "$saved"
}
trap cleanup EXIT
# A tree as an app leaves it, with links to what must survive.
mkdir -p "$T/outside/dir"
echo keep >"$T/outside/file"
echo keep >"$T/outside/dir/file"
tree() { # DIR: a layer-like tree with planted links
  mkdir -p "$1/upper/etc/deep/er" "$1/work/work"
  echo x >"$1/upper/etc/deep/er/f"
  ln -s "$T/outside" "$1/upper/etc/to-dir"
  ln -s "$T/outside/file" "$1/upper/etc/deep/to-file"
  ln -s "$T/outside/dir" "$1/upper/var" # a directory's place taken by a link
  ln -s ../../../outside "$1/upper/relative"
  chmod 0 "$1/work/work"
  chmod 555 "$1/upper/etc/deep"
}
outside_kept() { echo "$(cat "$T/outside/file") $(cat "$T/outside/dir/file") $(ls "$T/outside" | paste -sd,)"; }

# 1. Root: links are unlinked, not followed; the tree goes.
tree "$T/a"
"$L" --remove-tree "$T/a"
check "links: exit 0, the tree gone" "0 no" "$? $([ -e "$T/a" ] && echo yes || echo no)"
check "links: what they pointed to is kept" "keep keep dir,file" "$(outside_kept)"
ln -s "$T/outside" "$T/dirlink"
"$L" --remove-tree "$T/dirlink/"
check "DIR a link (with a trailing slash): the link goes, not its target" "0 no keep keep dir,file" \
  "$? $([ -L "$T/dirlink" ] && echo yes || echo no) $(outside_kept)"

# 2. Mounts, in a private mount namespace: a bind of the same file system and a tmpfs in the tree
# are not entered, and named; the rest goes; DIR that is a mount point is refused.
tree "$T/m"
mkdir -p "$T/m/upper/bound" "$T/m/upper/tmp"
out=$(unshare -m --propagation private sh -c '
  mount --bind "$1/outside" "$1/m/upper/bound" && mount -t tmpfs -o size=1m tmp "$1/m/upper/tmp" &&
  echo t >"$1/m/upper/tmp/t" || exit 99
  "$2" --remove-tree "$1/m" 2>&1; echo "rc=$?"
  echo "bound:$(ls "$1/m/upper/bound" | paste -sd,) tmp:$(cat "$1/m/upper/tmp/t")"
  mkdir -p "$1/mp" && mount -t tmpfs -o size=1m tmp "$1/mp" && echo y >"$1/mp/y"
  "$2" --remove-tree "$1/mp" 2>&1; echo "rc=$?"
  echo "mp:$(cat "$1/mp/y")"' sh "$T" "$L")
checkm "mounts: a bind of the same file system: named" "left \`$T/m/upper/bound\`: a mount point: not entered" "$out"
checkm "mounts: a tmpfs: named" "left \`$T/m/upper/tmp\`: another file system is mounted there: not entered" "$out"
checkm "mounts: exit 1" "^[^=]*rc=1" "$(echo $out)"
checkm "mounts: what they hold is kept" "bound:dir,file tmp:t" "$out"
check "mounts: the rest of the tree is gone" "bound tmp" "$(ls "$T/m/upper" | paste -sd' ')"
check "mounts: what the bind showed is kept" "keep keep dir,file" "$(outside_kept)"
checkm "mounts: DIR a mount point: refused, nothing removed" "is a mount point: refused rc=1 mp:y" \
  "$(echo $out)"
rm -rf "$T/m" "$T/mp"

# 3. An unprivileged caller, through a copy of the launcher it can reach. Its own tree (with an
# unreadable directory, as overlayfs leaves work/work) goes as itself.
cp "$L" "$T/L" && chmod 755 "$T/L"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
mkdir -m 755 "$T/u" && chown 65534:65534 "$T/u"
tree "$T/u/own"
chown -R -h 65534:65534 "$T/u/own"
nobody "$T/L" --remove-tree "$T/u/own"
check "user: its own tree goes (a mode-0 directory too)" "0 no" "$? $([ -e "$T/u/own" ] && echo yes || echo no)"

# Files of its subordinate ids (an app's chown in its layer): without a range they are left, each
# named, and the message says why; with one, they go in a user namespace with the range.
sub() { # DIR: the user's tree with a part of ids 2100000001 and 2100000002 (1 and 2 inside)
  tree "$1"
  mkdir -p "$1/upper/var2/x/d"
  echo hi >"$1/upper/var2/x/d/f"
  echo top >"$1/upper/var2/x/f"
  ln -s "$T/outside" "$1/upper/var2/x/link"
  chown -R -h 65534:65534 "$1"
  chown -R -h 2100000001:2100000001 "$1/upper/var2/x"
  chown -h 2100000002:2100000002 "$1/upper/var2/x/d/f"
  chmod 700 "$1/upper/var2/x/d"
}
sed -i '/^65534:/d;/^nobody:/d' /etc/subuid /etc/subgid 2>/dev/null
sub "$T/u/norange"
evil=$'evil\nline\e[31m'
echo x >"$T/u/norange/upper/var2/x/$evil"
chown 2100000001:2100000001 "$T/u/norange/upper/var2/x/$evil"
msg=$(nobody "$T/L" --remove-tree "$T/u/norange" 2>&1)
rc=$?
checkm "user without a range: a name with a newline and an escape is shown escaped" \
  "left \`$T/u/norange/upper/var2/x/evil\\\\x0aline\\\\x1b\\[31m\`: unlink" "$msg"
check "user without a range: no line of the name's own" "" "$(grep -a '^line' <<<"$msg")"
checkm "user without a range: exit 1, what is left named, and why" \
  "left \`$T/u/norange/upper/var2/x/f\`: unlink: Permission denied.*no subordinate range for nobody / 65534 in /etc/subuid" \
  "$rc $(echo $msg)"
check "user without a range: left is what it cannot remove" "x" "$(ls "$T/u/norange/upper/var2" 2>&1)"
if [ -x /usr/bin/newuidmap ] && [ -x /usr/bin/newgidmap ]; then
  # Two ranges each (the second mapped above the first), by name and by number.
  printf 'nobody:2100000000:65536\nnobody:2200000000:1000\n' >>/etc/subuid
  printf '65534:2100000000:65536\n65534:2200000000:1000\n' >>/etc/subgid
  nobody "$T/L" --remove-tree "$T/u/norange"
  check "user with a range: the tree left before goes" "0 no" "$? $([ -e "$T/u/norange" ] && echo yes || echo no)"
  sub "$T/u/ranged"
  mkdir -m 700 "$T/u/ranged/upper/second" && echo s >"$T/u/ranged/upper/second/f"
  chown -R 2200000005:2200000005 "$T/u/ranged/upper/second" # of the second range
  mkdir -p "$T/u/ranged/upper/bound" "$T/u/ranged/upper/var2/x/bound2"
  chown 65534:65534 "$T/u/ranged/upper/bound"
  chown 2100000001:2100000001 "$T/u/ranged/upper/var2/x/bound2"
  out=$(unshare -m --propagation private sh -c '
    mount --bind "$1/outside" "$1/u/ranged/upper/bound" &&
    mount --bind "$1/outside" "$1/u/ranged/upper/var2/x/bound2" || exit 99
    setpriv --reuid=65534 --regid=65534 --clear-groups "$1/L" --remove-tree "$1/u/ranged" 2>&1
    echo "rc=$?"; ls "$1/u/ranged/upper/var2/x" | paste -sd,' sh "$T")
  checkm "user with a range, a bind in its own part: named" "left \`$T/u/ranged/upper/bound\`: a mount point: not entered" "$out"
  checkm "user with a range, a bind in the range's part: named" "left \`$T/u/ranged/upper/var2/x/bound2\`: a mount point: not entered" "$out"
  checkm "user with a range, binds in the tree: exit 1, the rest gone" "rc=1 bound2$" "$(echo $out)"
  check "user with a range: links not followed, binds not entered" "keep keep dir,file" "$(outside_kept)"
  nobody "$T/L" --remove-tree "$T/u/ranged"
  check "user with a range: once unmounted, all goes" "0 no" "$? $([ -e "$T/u/ranged" ] && echo yes || echo no)"
  # A closed directory of an id outside the range is not the user's: left, named, even in the
  # namespace.
  sub "$T/u/foreign"
  mkdir -m 700 "$T/u/foreign/upper/var2/x/d/foreign"
  echo f >"$T/u/foreign/upper/var2/x/d/foreign/f"
  chown -R 12345:12345 "$T/u/foreign/upper/var2/x/d/foreign"
  msg=$(nobody "$T/L" --remove-tree "$T/u/foreign" 2>&1)
  rc=$?
  checkm "user with a range: another id's closed directory is left, named" \
    "1 .*left \`$T/u/foreign/upper/var2/x/d/foreign\`: open the directory: Permission denied.*in a user namespace with the caller's subordinate ids: 1 entry of \`$T/u/foreign\` left" \
    "$rc $(echo $msg)"
  check "user with a range: only that directory and the way to it are left" "foreign x" \
    "$(ls "$T/u/foreign/upper/var2/x/d" 2>&1) $(ls "$T/u/foreign/upper/var2" 2>&1)"
else
  echo "rmtree_test: SKIPPED the subordinate range: newuidmap/newgidmap not installed"
fi
restore
exit $fail

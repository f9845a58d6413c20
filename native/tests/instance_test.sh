#!/usr/bin/env bash
# Instance mode of the sanitized launcher ($1): the detached supervisor of one instance, driven
# directly (the CLI's `run -d` starts it the same way): the ready line, state.json, the log and
# its rotation, the restart policy and its backoff, stop and kill, the lock, the checks of the
# instance directory, --remove-when-done, the freezer cgroup. Needs root (cgroups, user
# namespaces with a range); without it, says so and checks only the options.
set -u
L=$(realpath "$1")
fail=0
T=$(mktemp -d /tmp/sr-instance-test.XXXXXX)
chmod 755 "$T"
sups=() # supervisors started, ended at the end if a check left one running
cleanup() {
  for p in "${sups[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "instance_test: $1: ok"; else echo "instance_test: $1: expected $2, got $3"; fail=1; fi
}
checkm() { # name regex actual
  if [[ "$3" =~ $2 ]]; then echo "instance_test: $1: ok"; else echo "instance_test: $1: expected /$2/, got $3"; fail=1; fi
}
# A value of state.json (flat keys; strings without quotes).
field() { sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" "$1" 2>/dev/null | tr -d '"'; }
cgdir() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1" 2>/dev/null; }
# Waits (up to 10 s) until the command succeeds.
until_ok() { for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done; return 1; }
status_is() { [ "$(field "$1/state.json" status)" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
newdir() { local d; d=$(mktemp -d "$T/i.XXXXXX"); chmod 700 "$d"; echo "$d"; }

"$L" --ready-fd 3 -- /bin/true 2>/dev/null; check "--ready-fd without --instance refused" 125 $?
"$L" --instance /x --restart sometimes -- /bin/true 2>/dev/null; check "bad --restart refused" 125 $?
"$L" --instance /x --stop-signal SIGNOPE -- /bin/true 2>/dev/null; check "bad --stop-signal refused" 125 $?
"$L" --instance /x --die-with-parent -- /bin/true 2>/dev/null; check "--instance with --die-with-parent refused" 125 $?
"$L" --help | grep -q -- "--remove-when-done"; check "--help documents instance mode" 0 $?
if [ "$(id -u)" != 0 ]; then
  echo "instance_test: SKIPPED real instances: they need root"
  exit $fail
fi

view=(--unshare cgroup,ipc,mount,net,pid,user,uts --uid-map 0:100000:65536 --gid-map 0:100000:65536
  --hostname inst --uid 65534 --gid 65534 --memory 67108864 --memory-swap 0 --pids 64
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64
  --proc /proc --dev /dev --tmpfs /tmp 1048576 1777 --read-only-root --new-session --name inst-test)
start() { # DIR [launcher options…] -- COMMAND…: starts a supervisor in the background
  local d=$1
  shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  "$L" --instance "$d" --ready-fd 3 "${opts[@]}" "${view[@]}" -- "$@" 3>"$d.ready" 2>"$d.err" &
  sups+=($!)
  SUP=$!
}

# 1. Detached, ready, state.json.
D=$(newdir)
start "$D" -- /bin/sh -c 'echo out; echo err >&2; exec sleep 100'
until_ok grep -q status "$D.ready"
checkm "ready line" '^\{"status":"running","supervisorPid":'"$SUP"',"initPid":[1-9][0-9]*\}$' "$(cat "$D.ready")"
check "own session (setsid)" "$SUP" "$(ps -o sid= -p "$SUP" | tr -d ' ')"
S=$D/state.json
check "state: running" running "$(field "$S" status)"
check "state: supervisorPid" "$SUP" "$(field "$S" supervisorPid)"
check "state: supervisorStart is field 22 of its stat" "$(sed 's/.*) //' /proc/$SUP/stat | cut -d' ' -f20)" "$(field "$S" supervisorStart)"
check "state: bootId" "$(cat /proc/sys/kernel/random/boot_id)" "$(field "$S" bootId)"
init=$(field "$S" initPid)
check "state: initPid is the supervisor's child" "$SUP" "$(ps -o ppid= -p "$init" | tr -d ' ')"
until_ok test "$(field "$S" appPid)" != 0
app=$(field "$S" appPid)
check "state: appPid is the app's host pid (init's child, the sleep)" "$init sleep" "$(ps -o ppid=,comm= -p "$app" | awk '{print $1, $2}')"
check "state: app stdin is /dev/null" /dev/null "$(readlink /proc/$app/fd/0)"
checkm "state: cgroup" '"cgroup":\{"driver":"v(1|2)","dirs":\{' "$(cat "$S")"
checkm "state: started, not finished" '"startedAt":"20[0-9-]+T[0-9:.]+Z","finishedAt":null,"exitCode":null,"signal":null,"oomKilled":false,"stopping":false,"error":null' "$(cat "$S")"
check "state.json is the owner's alone" 600 "$(stat -c %a "$S")"
freezer=$(cgdir "$S" freezer)
if grep -q '"driver":"v2"' "$S"; then
  check "v2: dirs.unified exists while it runs" yes "$(d=$(cgdir "$S" unified); [ -n "$d" ] && [ -d "$d" ] && echo yes)"
elif [ -d /sys/fs/cgroup/freezer ]; then
  check "v1: the freezer cgroup exists while it runs" yes "$([ -n "$freezer" ] && [ -d "$freezer" ] && echo yes)"
  check "v1: the app is in it" yes "$(grep -qx "$app" "$freezer/cgroup.procs" 2>/dev/null && echo yes)"
else
  echo "instance_test: SKIPPED the freezer checks: no cgroup v1 freezer hierarchy here"
fi
dirs=$(sed -n 's/.*"dirs":{\([^}]*\)}.*/\1/p' "$S" | tr ',' '\n' | sed 's/.*:"\(.*\)"/\1/')
ln "$S" "$T/old-state" # a second name for this version of the file
# 2. The lock: a second supervisor on the same directory is refused.
"$L" --instance "$D" --ready-fd 3 "${view[@]}" -- /bin/true 3>"$T/second.ready" 2>"$T/second.err"
check "second supervisor refused" 125 $?
checkm "second supervisor: why" 'instance is already running' "$(cat "$T/second.err")"
checkm "second supervisor: ready line" '^\{"status":"failed","exitCode":125,"step":"instance","message":".*already running' "$(cat "$T/second.ready")"
check "second supervisor left the state alone" yes "$([ "$S" -ef "$T/old-state" ] && echo yes)"
# 3. Stop: SIGTERM, the app's end, status stopped, the cgroup gone, the lock free.
kill -TERM "$SUP"
until_ok gone "$SUP"
check "stop: supervisor ended" yes "$(gone "$SUP" && echo yes)"
check "stop: app ended" yes "$(gone "$app" && echo yes)"
checkm "stop: state" '"status":"stopped".*"initPid":0,"appPid":0,"cgroup":null.*"exitCode":143,"signal":15,.*"stopping":true,"error":null' "$(cat "$S")"
check "stop: state.json was replaced (rename), not rewritten in place" running "$(field "$T/old-state" status)"
check "stop: no state.json.tmp left" no "$([ -e "$D/state.json.tmp" ] && echo yes || echo no)"
left=""
for d in $dirs; do [ -d "$d" ] && left="$left $d"; done
check "stop: the cgroup dirs are gone (freezer too)" "" "$left"
check "stop: log, both streams" "stdout F out|stderr F err" "$(cut -d' ' -f2- "$D/log" | sort -r | paste -sd'|')"
checkm "stop: CRI timestamps" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z stdout F out$' "$(grep stdout "$D/log")"
check "stop: the lock is free" 0 "$(flock -n "$D/lock" true; echo $?)"

# 4. The log: rotation at a small --log-max (log and log.1 within it, no record lost at the
# seam); a planted state.json.tmp link is not written through.
D=$(newdir)
echo precious >"$T/target"
ln -s "$T/target" "$D/state.json.tmp"
start "$D" --log-max 4096 -- /bin/sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i of the app"; i=$((i+1)); done'
until_ok gone "$SUP"
check "log: status exited 0" "exited 0" "$(field "$D/state.json" status) $(field "$D/state.json" exitCode)"
check "log: the planted state.json.tmp link was not followed" precious "$(cat "$T/target")"
check "log: rotated to log.1" yes "$([ -f "$D/log.1" ] && echo yes)"
check "log: log within --log-max" yes "$([ "$(stat -c %s "$D/log")" -le 4096 ] && echo yes)"
check "log: log.1 within --log-max" yes "$([ "$(stat -c %s "$D/log.1")" -le 4096 ] && echo yes)"
check "log: every line is a CRI record" "" "$(cat "$D/log.1" "$D/log" | grep -Ev '^[0-9T:.Z-]+ (stdout|stderr) [FP] ' | head -c 200)"
n1=$(tail -1 "$D/log.1" | awk '{print $5}')
n2=$(head -1 "$D/log" | awk '{print $5}')
check "log: log.1 ends where log starts" "$((n1 + 1))" "$n2"
check "log: the last line is in log" "stdout F line 299 of the app" "$(tail -1 "$D/log" | cut -d' ' -f2-)"
# A line over 16 KiB, output in quantity, an unterminated last line: all of it is in the log
# once the state is final.
D=$(newdir)
start "$D" -- /bin/sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done
  head -c 20000 /dev/zero | tr "\0" x; echo; printf "no newline"'
until_ok gone "$SUP"
check "log: a line over 16 KiB is a P record of 16384 then an F" "P 16384|F 3616" "$(grep ' stdout [PF] xx' "$D/log" | awk '{print $3, length($4)}' | paste -sd'|')"
check "log: the unterminated last line is a P record, last" "stdout P no newline" "$(tail -1 "$D/log" | cut -d' ' -f2-)"
check "log: all output drained before the end" 3000 "$(grep -c ' stdout F line [0-9]*$' "$D/log")"

# 5. Restart on failure: counted restarts, growing delays, then exited.
D=$(newdir)
start "$D" --restart on-failure --max-retries 3 -- /bin/sh -c 'echo run; exit 7'
until_ok gone "$SUP"
checkm "on-failure: 3 restarts, then exited 7" '"status":"exited".*"restarts":3,.*"exitCode":7,' "$(cat "$D/state.json")"
check "on-failure: 4 runs" 4 "$(grep -c ' stdout F run$' "$D/log")"
ns=$(grep ' stdout F run$' "$D/log" | cut -d' ' -f1 | while read -r t; do date -d "$t" +%s%N; done)
gaps=$(echo "$ns" | awk 'NR>1 {print int(($1-p)/1000000)} {p=$1}' | paste -sd' ')
grows=$(echo "$gaps" | awk '{print ($1 >= 100 && $2 >= 200 && $3 >= 400 && $2 > $1 && $3 > $2 && $3 < 2000) ? "yes" : "no"}')
check "on-failure: backoff grows from 100 ms, doubling (gaps between runs: $gaps ms)" yes "$grows"
D=$(newdir)
start "$D" --restart on-failure -- /bin/sh -c 'exit 0'
until_ok gone "$SUP"
checkm "on-failure: no restart after exit 0" '"status":"exited".*"restarts":0,.*"exitCode":0,' "$(cat "$D/state.json")"
D=$(newdir)
start "$D" --restart always -- /no/such/program
until_ok gone "$SUP"
checkm "always: no restart after a launch failure (127)" '"status":"failed".*"restarts":0,.*"exitCode":127,.*"error":\{"step":"execve"' "$(cat "$D/state.json")"
checkm "failed first run: ready line" '^\{"status":"failed","exitCode":127,"step":"execve","message":".*no/such/program' "$(cat "$D.ready")"
check "failed first run: no cgroup left" "" "$(find /sys/fs/cgroup -maxdepth 6 -name "secure-run-inst-test-$SUP" 2>/dev/null)"

# 6. Always, stopped by SIGTERM during a backoff: it ends at once.
D=$(newdir)
start "$D" --restart always -- /bin/sh -c 'exit 0'
until_ok test "$(field "$D/state.json" restarts)0" -ge 40
until_ok status_is "$D" restarting
t0=$(date +%s%N)
kill -TERM "$SUP"
until_ok gone "$SUP"
ms=$((($(date +%s%N) - t0) / 1000000))
check "always: a stop during the backoff ends it at once ($ms ms)" yes "$([ $ms -lt 800 ] && echo yes)"
checkm "always: stopped" '"status":"stopped".*"stopping":true' "$(cat "$D/state.json")"

# 7. An app that ignores SIGTERM: the stop does not end it, SIGRTMIN+3 does.
D=$(newdir)
start "$D" --restart always -- /bin/sh -c 'trap "" TERM; echo started; while :; do sleep 0.1; done'
until_ok status_is "$D" running
until_ok grep -q started "$D/log"
app=$(field "$D/state.json" appPid)
kill -TERM "$SUP"
sleep 0.5
check "ignoring SIGTERM: still running after the stop" yes "$(kill -0 "$app" 2>/dev/null && echo yes)"
check "ignoring SIGTERM: stopping recorded" true "$(field "$D/state.json" stopping)"
kill -s RTMIN+3 "$SUP"
until_ok gone "$SUP"
checkm "SR_SIG_KILL: stopped, killed, not restarted" '"status":"stopped".*"restarts":0,.*"exitCode":137,"signal":9,' "$(cat "$D/state.json")"
check "SR_SIG_KILL: app gone" yes "$(gone "$app" && echo yes)"

# 8. A supervisor killed with SIGKILL: the lock is released and the app dies with it (init has
# PDEATHSIG). Its cgroup stays for `secure-run gc`; removed here.
D=$(newdir)
start "$D" -- /bin/sleep 100
until_ok status_is "$D" running
until_ok test "$(field "$D/state.json" appPid)" != 0
app=$(field "$D/state.json" appPid)
dirs=$(sed -n 's/.*"dirs":{\([^}]*\)}.*/\1/p' "$D/state.json" | tr ',' '\n' | sed 's/.*:"\(.*\)"/\1/')
check "lock held while it runs" 1 "$(flock -n "$D/lock" true; echo $?)"
{ kill -KILL "$SUP" && wait "$SUP"; } 2>/dev/null
until_ok gone "$app"
check "SIGKILL: the app died with its supervisor" yes "$(gone "$app" && echo yes)"
check "SIGKILL: the lock is free" 0 "$(flock -n "$D/lock" true; echo $?)"
for d in $dirs; do until_ok rmdir "$d" 2>/dev/null; done

# 9. The instance directory: a symbolic link, group-writable, another uid's: refused (125).
D=$(newdir)
ln -s "$D" "$T/link"
"$L" --instance "$T/link" --ready-fd 3 "${view[@]}" -- /bin/true 3>"$T/r" 2>"$T/e"
check "symlink: refused" 125 $?
checkm "symlink: why" 'is a symbolic link: refused' "$(cat "$T/e")"
"$L" --instance "$T/link/" "${view[@]}" -- /bin/true 2>/dev/null
check "symlink with a trailing slash: refused" 125 $?
checkm "symlink: ready line" '"status":"failed","exitCode":125,"step":"instance"' "$(cat "$T/r")"
chmod 770 "$D"
"$L" --instance "$D" "${view[@]}" -- /bin/true 2>"$T/e"
check "group-writable: refused" 125 $?
checkm "group-writable: why" 'writable by its group or others \(mode 0770\)' "$(cat "$T/e")"
chmod 700 "$D"
chown 65534 "$D"
"$L" --instance "$D" "${view[@]}" -- /bin/true 2>"$T/e"
check "another uid's: refused" 125 $?
checkm "another uid's: why" 'owned by uid 65534, not by the caller' "$(cat "$T/e")"
check "refused directories: nothing written" "" "$(ls "$D")"

# 10. --remove-when-done: the tree goes (files the app's uid wrote, read-only directories), a link
# inside is removed and not followed, the name file goes only if it names this instance.
st=$T/state
mkdir -p "$st/instances" "$st/names" "$T/outside"
echo keep >"$T/outside/file"
id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
D=$st/instances/$id
mkdir -m 700 "$D"
mkdir -p "$D/layer/upper/a/b" "$D/layer/work"
echo x >"$D/layer/upper/a/b/f"
chown -R 100000:100000 "$D/layer/upper"
chmod 555 "$D/layer/upper/a"
ln -s "$T/outside" "$D/layer/upper/escape"
ln -s "$T/outside/file" "$D/escape-file"
echo "$id" >"$st/names/web"
echo "$id" >"$st/names/other"
start "$D" --remove-when-done --instance-name web -- /bin/sh -c 'exit 0'
until_ok gone "$SUP"
check "--remove-when-done: the directory is gone" no "$([ -e "$D" ] && echo yes || echo no)"
check "--remove-when-done: what the links pointed to is kept" keep "$(cat "$T/outside/file" 2>&1)"
check "--remove-when-done: its name file is gone, another stays" "other" "$(ls "$st/names" | paste -sd' ')"
D=$st/instances/ffff
mkdir -m 700 "$D"
echo "someone-else" >"$st/names/taken"
start "$D" --remove-when-done --instance-name taken -- /bin/true
until_ok gone "$SUP"
check "--remove-when-done: a name file of another id is kept" "someone-else" "$(cat "$st/names/taken")"

# 11. Without limits the app's cgroup is on the unified hierarchy (v2) when one is mounted: its
# directory is dirs.unified (cgroup.freeze pauses it), and it is removed at the end.
# The supervisor's working directory is /, not its caller's.
if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
  D=$(newdir)
  plain=(--unshare ipc,mount,net,pid,user,uts --uid-map 0:100000:65536 --gid-map 0:100000:65536
    --uid 65534 --gid 65534 --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
    --symlink usr/lib64 /lib64 --proc /proc --dev /dev --read-only-root --name inst-v2)
  (cd "$T" && "$L" --instance "$D" "${plain[@]}" -- /bin/sleep 100 2>"$D.err") &
  sups+=($!)
  until_ok status_is "$D" running
  SUP=$(field "$D/state.json" supervisorPid)
  sups+=("$SUP")
  u=$(cgdir "$D/state.json" unified)
  check "v2: dirs.unified with cgroup.freeze while it runs" yes "$([ -n "$u" ] && [ -f "$u/cgroup.freeze" ] && echo yes)"
  check "working directory: /" / "$(readlink /proc/$SUP/cwd)"
  kill -TERM "$SUP"
  until_ok gone "$SUP"
  check "v2: the cgroup is gone after" no "$([ -n "$u" ] && [ -d "$u" ] && echo yes || echo no)"
else
  echo "instance_test: SKIPPED the v2 checks: no cgroup2 hierarchy mounted"
fi

# What the supervisors said on their standard error: nothing (no complaint, no sanitizer report).
said=$(find "$T" -name '*.err' -newer "$L" -size +0 -exec cat {} + 2>/dev/null | grep -v 'already running\|symbolic link\|writable by its group\|owned by uid' | head -c 600)
check "supervisors: nothing on stderr (no sanitizer report)" "" "$said"

exit $fail

/** Whether an instance's supervisor still runs: the state says so AND the supervisor holds the
 * instance's lock AND its pid's start time and the boot id are the ones it recorded. A pid reused
 * after a reboot or by another program does not pass; a supervisor killed with SIGKILL released
 * its lock. */
import { lstatSync, readFileSync } from "node:fs";
import type { StateDoc } from "./types.js";

/** Field 22 of /proc/PID/stat: the start time in clock ticks since boot; undefined when gone. */
export function procStartTime(pid: number): number | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const v = Number(rest[22 - 3]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

let boot: string | undefined;
export function bootId(): string {
  boot ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return boot;
}

/** glibc's major()/minor() of a dev_t. */
function devParts(dev: bigint): [bigint, bigint] {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return [major, minor];
}

/** "maj:min:ino" keys of the flock locks held now (not waiters), from /proc/locks. Read once
 * per call: `ps` reads it once for every instance. A probing flock(LOCK_SH|LOCK_NB) would do as
 * well, but for its instant it would make a supervisor starting at that moment fail with
 * "already running"; /proc/locks changes nothing. */
export function heldFlocks(text = readFileSync("/proc/locks", "utf8")): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; a waiter is "1: -> FLOCK …".
    if (f[1] !== "FLOCK" || !f[5]) continue;
    const [maj, min, ino] = f[5].split(":");
    if (maj === undefined || min === undefined || ino === undefined) continue;
    out.add(`${BigInt(`0x${maj}`)}:${BigInt(`0x${min}`)}:${ino}`);
  }
  return out;
}

/** Whether someone holds a flock on `file` (undefined `held`: read /proc/locks now). */
export function lockHeld(file: string, held: Set<string> = heldFlocks()): boolean {
  let st;
  try {
    st = lstatSync(file, { bigint: true, throwIfNoEntry: false }); // a link is no lock
  } catch {
    return false;
  }
  if (!st || !st.isFile()) return false;
  const [maj, min] = devParts(st.dev);
  return held.has(`${maj}:${min}:${st.ino}`);
}

/** The pid `state` names is still its supervisor: the same boot, the same start time (a reused
 * pid fails). With its lock held (lockHeld), the instance's supervisor runs. */
export function sameSupervisor(state: StateDoc): boolean {
  return state.bootId === bootId() && procStartTime(state.supervisorPid) === state.supervisorStart;
}

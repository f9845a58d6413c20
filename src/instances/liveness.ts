/** Whether an instance's supervisor still runs: the state says so AND the supervisor holds the
 * instance's lock AND its pid's start time and the boot id are the ones it recorded. A pid reused
 * after a reboot or by another program does not pass; a supervisor killed with SIGKILL released
 * its lock. */
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { needExecAddon } from "../native/exec-addon.js";
import { bootId, procStartTime } from "../host/proc.js";
import type { StateDoc } from "./types.js";

// Where a process started and which boot this is: host facts, also used by src/network.
export { bootId, procStartTime };

/** Whether a supervisor holds `file` (an instance's `lock`): it takes an open-file-description
 * write lock on it for as long as it runs (native/launcher/instance.c), which the kernel drops
 * when the supervisor ends, however it ends. Asked with F_OFD_GETLK, which takes nothing: a
 * probing lock would, for its instant, make a supervisor starting then fail as "already
 * running". (Not /proc/locks: its first read in a process waits for an RCU grace period,
 * 8-40 ms here, on every `ps`.) A link, a missing file or anything but a regular file is no lock. */
export function lockHeld(file: string): boolean {
  const fd = openLock(file);
  if (fd === null) return false;
  try {
    return lockHeldOn(fd);
  } finally {
    closeSync(fd);
  }
}

/** `file` opened (not followed) to ask about its lock later, also once it is unlinked: a --rm
 * supervisor removes its directory, `lock` included, before it lets go of the lock. null when
 * there is no such regular file. */
export function openLock(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch {
    // not asked about: closed below
  }
  closeSync(fd);
  return null;
}

/** Whether another open file description holds a write lock on the file open at `fd` (lockHeld). */
export function lockHeldOn(fd: number): boolean {
  return needExecAddon("tells which instances run").ofdLocked(fd);
}

/** The pid `state` names is still its supervisor: the same boot, the same start time (a reused
 * pid fails). With its lock held (lockHeld), the instance's supervisor runs. */
export function sameSupervisor(state: StateDoc): boolean {
  return state.bootId === bootId() && procStartTime(state.supervisorPid) === state.supervisorStart;
}

/** One instance as the commands see it: its documents, read as hostile, and its status checked
 * against the living supervisor (running only while the lock is held by the same process on the
 * same boot) and the freezer (paused). */
import { join } from "node:path";
import { cgroupDirs, frozen, UnsafeCgroupError, type CheckedCgroup } from "./cgroup.js";
import { readJson, UnsafeFileError } from "./files.js";
import { lockHeld, sameSupervisor } from "./liveness.js";
import { instanceDir, readInstance, type Store } from "./store.js";
import type { InstanceDoc, StateDoc, Status } from "./types.js";

export interface InstanceView {
  id: string;
  dir: string;
  doc: InstanceDoc;
  /** null before the supervisor wrote one. */
  state: StateDoc | null;
  status: Status;
  /** The supervisor runs (its lock is held by it). */
  alive: boolean;
  /** Why the state file or its cgroup paths were refused, if they were. */
  problem?: string;
  /** The state's cgroup directories, checked, when the status needed them (a running
   * instance: paused or not); whoever reads its figures next need not check them again. */
  cgroup?: CheckedCgroup | null;
}

const ACTIVE = new Set(["starting", "running", "restarting"]);

/** The state, or null when there is none yet. Throws UnsafeFileError when it is not safe. */
export function readState(dir: string): StateDoc | null {
  try {
    return readJson<StateDoc>(dir, "state.json", "instance-state");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Throws (NoSuchInstance's kin) when instance.json cannot be read; a bad state.json is reported
 * in `problem` with status `dead` (nothing it says is believed). */
export function viewInstance(s: Store, id: string): InstanceView {
  const dir = instanceDir(s, id);
  const doc = readInstance(s, id);
  const locked = lockHeld(join(dir, "lock"));
  let state: StateDoc | null = null;
  let problem: string | undefined;
  try {
    state = readState(dir);
  } catch (e) {
    if (!(e instanceof UnsafeFileError)) throw e;
    problem = e.message;
  }
  if (problem) {
    return {
      id,
      dir,
      doc,
      state: null,
      status: "dead",
      alive: locked,
      problem,
    };
  }
  if (!state)
    return { id, dir, doc, state, status: locked ? "starting" : "created", alive: locked };
  if (!ACTIVE.has(state.status)) {
    // Ended; a supervisor that still holds the lock is cleaning up (or removing, with --rm).
    return { id, dir, doc, state, status: state.status, alive: locked };
  }
  const alive = locked && sameSupervisor(state);
  if (!alive) return { id, dir, doc, state, status: "dead", alive };
  let status: Status = state.status;
  let cgroup: CheckedCgroup | null | undefined;
  if (state.status === "running") {
    try {
      cgroup = cgroupDirs(state);
      if (frozen(cgroup)) status = "paused";
    } catch (e) {
      if (!(e instanceof UnsafeCgroupError)) throw e;
      problem = e.message;
    }
  }
  return {
    id,
    dir,
    doc,
    state,
    status,
    alive,
    ...(cgroup !== undefined ? { cgroup } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** "exited (1)", "exited (signal 9)", "running", … */
export function statusText(v: InstanceView): string {
  const st = v.state;
  if (v.status === "exited" && st) {
    if (st.signal !== null) return `exited (signal ${st.signal})`;
    return `exited (${st.exitCode ?? "?"})`;
  }
  if (v.status === "failed" && st?.exitCode != null) return `failed (${st.exitCode})`;
  if (v.status === "stopped" && st?.exitCode != null) return `stopped (${st.exitCode})`;
  return v.status;
}

/** The exit code `wait` reports: the app's, 128+N after signal N. */
export function exitCodeOf(st: StateDoc | null): number | undefined {
  if (!st) return undefined;
  if (st.signal !== null) return 128 + st.signal;
  return st.exitCode ?? undefined;
}

/** The CLI's per-instance lock, `cli.lock` in the instance directory: start, stop, rm and the
 * name files are changed under it (flock LOCK_EX through the exec addon), so two commands on one
 * instance never interleave. The supervisor's own lock (`lock`) is another file. */
import { closeSync, constants, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { SecureRunError } from "../errors.js";
import { needExecAddon } from "../native/exec-addon.js";
import { NoSuchInstance } from "./store.js";

const id = (dir: string): string => (dir.split("/").pop() ?? dir).slice(0, 12);

/** Another command held the lock for longer than we wait. */
export class InstanceBusy extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_INSTANCE_BUSY";
  constructor(id: string, seconds: number) {
    super(`instance ${id} is busy: another command held its lock for ${seconds} s`);
    this.name = "InstanceBusy";
  }
}

/** Runs `fn` holding the instance's cli.lock (waiting for it at most `waitMs`). */
export async function withInstanceLock<T>(
  dir: string,
  fn: () => Promise<T> | T,
  waitMs = 60_000,
): Promise<T> {
  const addon = needExecAddon("locks instances");
  let fd: number;
  try {
    fd = openSync(
      join(dir, "cli.lock"),
      constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (e) {
    // Removed meanwhile (rm ran first).
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new NoSuchInstance(id(dir), "removed");
    throw e;
  }
  try {
    const deadline = Date.now() + waitMs;
    let delay = 5;
    while (!addon.flock(fd, true, false)) {
      if (Date.now() > deadline) throw new InstanceBusy(id(dir), waitMs / 1000);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
    // rm removes the instance under this lock: what waited for it finds nothing left.
    if (!existsSync(join(dir, "instance.json"))) throw new NoSuchInstance(id(dir), "removed");
    return await fn();
  } finally {
    closeSync(fd); // releases the lock
  }
}

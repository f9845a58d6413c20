/** The running kernel's release, as `uname -r` says it. CommonJS: the warm path's host
 * fingerprint reads it too. */
import { readFileSync } from "node:fs";
import { release } from "node:os";

/** Read when asked, from /proc/sys/kernel/osrelease: Node's os.release() is read once, when its
 * module loads, and the command line's startup snapshot (cli/snapshot.ts) would keep the release
 * of the host that built it. os.release() only where /proc is not mounted. */
export function kernelRelease(): string {
  try {
    return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    return release();
  }
}

/** Removes what a killed supervisor left behind: cgroups named secure-run-<name>-<pid> whose
 * supervisor <pid> is gone. A live supervisor's cgroup is never touched. */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupHierarchies, killAndRemoveCgroup, type CgroupHierarchy } from "../host/cgroups.js";

export interface GcResult {
  removed: string[];
  /** Left alone: their supervisor still runs. */
  live: string[];
  failed: { path: string; error: string }[];
}

const NAME = /^secure-run-(?:[a-z0-9][a-z0-9-]*)-(\d+)$/;

function alive(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    // Only a launcher counts: a reused pid of another program does not keep a cgroup alive.
    return cmd.split("\0")[0]?.endsWith("secure-run-launch") ?? false;
  } catch {
    return false;
  }
}

/** Whether a cgroup is the caller's to clean: root's gc cleans every one below its own cgroup;
 * another user's only those it owns (its launches' cgroups in its delegated subtree), never
 * another user's. */
function owned(dir: string, uid: number): boolean {
  if (uid === 0) return true;
  try {
    return lstatSync(dir).uid === uid;
  } catch {
    return false;
  }
}

export async function collectGarbage(
  options: { dryRun?: boolean; hierarchies?: CgroupHierarchy[]; uid?: number } = {},
): Promise<GcResult> {
  const result: GcResult = { removed: [], live: [], failed: [] };
  const uid = options.uid ?? process.geteuid?.() ?? 0;
  for (const h of options.hierarchies ?? cgroupHierarchies()) {
    let entries: string[];
    try {
      entries = readdirSync(h.ownDir);
    } catch {
      continue;
    }
    for (const e of entries) {
      const m = NAME.exec(e);
      if (!m) continue;
      const dir = join(h.ownDir, e);
      if (!owned(dir, uid)) continue;
      if (alive(Number(m[1]))) {
        result.live.push(dir);
        continue;
      }
      if (options.dryRun) {
        result.removed.push(dir);
        continue;
      }
      try {
        await killAndRemoveCgroup(dir, 200);
        result.removed.push(dir);
      } catch (err) {
        result.failed.push({ path: dir, error: (err as Error).message });
      }
    }
  }
  return result;
}

/** `gc`'s part for instances: a dead supervisor (killed with SIGKILL, or a reboot) left state that
 * says the instance runs and, maybe, cgroups with processes in them. gc ends those processes,
 * removes the cgroups and marks the state failed. It never removes an instance: `rm` does. */
import { UnsafeFileError } from "./files.js";
import { clearDead } from "./lifecycle.js";
import { withInstanceLock } from "./lock.js";
import { instanceDir, listIds, type Store } from "./store.js";
import { viewInstance } from "./view.js";

export interface InstanceGc {
  /** Instances found dead (marked failed, unless a dry run). */
  dead: string[];
  /** Their cgroups removed. */
  cgroups: string[];
  failed: { id: string; error: string }[];
}

export async function collectDeadInstances(
  s: Store,
  o: { dryRun?: boolean } = {},
): Promise<InstanceGc> {
  const out: InstanceGc = { dead: [], cgroups: [], failed: [] };
  for (const id of listIds(s)) {
    try {
      const v = viewInstance(s, id);
      if (v.status !== "dead" || !v.state) continue;
      out.dead.push(id);
      if (o.dryRun) continue;
      await withInstanceLock(instanceDir(s, id), async () => {
        const again = viewInstance(s, id);
        if (again.status === "dead") out.cgroups.push(...(await clearDead(again)));
      });
    } catch (e) {
      if (e instanceof UnsafeFileError) continue; // not an instance we can trust: left alone
      out.failed.push({ id, error: (e as Error).message });
    }
  }
  return out;
}

/** `gc`'s part for instances: a dead supervisor (killed with SIGKILL, or a reboot) left state that
 * says the instance runs and, maybe, cgroups with processes in them. gc ends those processes,
 * removes the cgroups and marks the state failed. It never removes an instance: `rm` does. It
 * only finishes a --rm supervisor's removal that stopped half-way (`.rm-ID-PID`, PID gone). */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pidRuns } from "../host/proc.js";
import { removeOwnTree } from "../host/remove-tree.js";
import { pruneExits } from "./exits.js";
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
  /** What --rm supervisors that are gone left of the instances they were removing. */
  removals: string[];
  failed: { id: string; error: string }[];
}

export async function collectDeadInstances(
  s: Store,
  o: { dryRun?: boolean } = {},
): Promise<InstanceGc> {
  const out: InstanceGc = { dead: [], cgroups: [], removals: [], failed: [] };
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
  // The exits kept for `wait` of removed --rm instances, once old (exits.ts).
  if (!o.dryRun) out.removals.push(...pruneExits(s));
  for (const dir of abandonedRemovals(s)) {
    try {
      if (!o.dryRun) removeOwnTree(dir);
      out.removals.push(dir);
    } catch (e) {
      out.failed.push({ id: dir, error: (e as Error).message });
    }
  }
  return out;
}

/** A --rm supervisor renames its instance `.rm-ID-PID` before it removes it (native/launcher
 * instance.c): such directories whose PID no longer runs. */
function abandonedRemovals(s: Store): string[] {
  let entries: string[];
  try {
    entries = readdirSync(s.instances);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const m = /^\.rm-[0-9a-f]{64}-(\d+)$/.exec(e);
    if (m && !pidRuns(Number(m[1]))) out.push(join(s.instances, e));
  }
  return out;
}

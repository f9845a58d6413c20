/** The exits of --rm instances: as its supervisor removes such an instance it moves its last
 * state.json beside it, `instances/.exit-ID` (native/launcher/instance.c), so that `wait` still
 * tells its exit code, also when the instance ended before `wait` was called (as Podman keeps
 * exit codes). Kept EXIT_KEEP_MS, then removed by the next supervisor that keeps one, or `gc`. */
import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { readJson } from "./files.js";
import { ID, type Store } from "./store.js";
import type { StateDoc } from "./types.js";

/** As EXIT_KEEP_S in native/launcher/instance.c. */
export const EXIT_KEEP_MS = 5 * 60_000;
const EXIT = /^\.exit-([0-9a-f]{64})$/;

/** The ids whose exits are kept. */
export function exitIds(s: Store): string[] {
  try {
    return readdirSync(s.instances)
      .map((e) => EXIT.exec(e)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/** The last state of the removed instance `id`, read as hostile as state.json; null when none
 * is kept. */
export function readExit(s: Store, id: string): StateDoc | null {
  if (!ID.test(id)) return null;
  try {
    return readJson<StateDoc>(s.instances, `.exit-${id}`, "instance-state");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Removes the exits older than `keepMs`; returns their paths. */
export function pruneExits(s: Store, keepMs = EXIT_KEEP_MS, now = Date.now()): string[] {
  const removed: string[] = [];
  for (const id of exitIds(s)) {
    const path = join(s.instances, `.exit-${id}`);
    try {
      const st = lstatSync(path);
      if (!st.isFile() || now - st.mtimeMs < keepMs) continue;
      unlinkSync(path);
      removed.push(path);
    } catch {
      // gone meanwhile: nothing to remove
    }
  }
  return removed;
}

/** A foreground run's writable layer: the plan asks for a writable root, and `secure-run run`
 * keeps nothing after the run (a detached instance keeps its own in its instance directory).
 * The directory is made 0700 under the runtime directory, the caller's alone, and removed when
 * the run ends, also when it fails. */
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { removeOwnTree } from "../host/remove-tree.js";
import { runtimeDir } from "../paths.cjs";

export interface EphemeralLayer {
  /** The layer directory the launcher gets (--writable-layer); it makes upper/ and work/. */
  dir: string;
  /** Removes it and all it holds; returns why it could not, or undefined. */
  remove(): string | undefined;
}

export function ephemeralLayer(name: string, runtime: string = runtimeDir()): EphemeralLayer {
  const parent = join(runtime, "layers");
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  // mkdtemp makes it 0700 and unique: two runs of one app never share a layer.
  const dir = mkdtempSync(join(parent, `${name}-`));
  return {
    dir,
    remove() {
      try {
        // Our own walk (no link followed, no mount crossed); files the app gave to one of the
        // caller's subordinate ids are removed in a user namespace with the caller's ranges.
        removeOwnTree(dir);
        return undefined;
      } catch (e) {
        return `the writable layer ${dir} was not removed: ${(e as Error).message}`;
      }
    },
  };
}

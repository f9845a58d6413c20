/** The exec addon (native/exec): execve from Node, so that `secure-run run` can become the
 * launcher; and flock(2), for the CLI's per-instance lock. CommonJS: the warm path loads it. */
import { paths } from "../paths.cjs";

export interface ExecAddon {
  exec(path: string, argv: string[], env: string[]): never;
  /** flock(2) on `fd`: true when taken; false when held elsewhere and `wait` is false. Throws
   * (code ERR_EXEC_SYSTEM) on any other error. */
  flock(fd: number, exclusive: boolean, wait: boolean): boolean;
}

let addon: ExecAddon | null | undefined;

/** The exec addon, or null when it is not built (the caller then supervises from Node). */
export function execAddon(): ExecAddon | null {
  if (addon === undefined) {
    try {
      addon = require(paths.execAddon) as ExecAddon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

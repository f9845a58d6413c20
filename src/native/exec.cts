/** The exec addon (native/exec): execve from Node, so that `secure-run run` can become the
 * launcher. CommonJS: the warm path loads it. */
import { paths } from "../paths.cjs";

export interface ExecAddon {
  exec(path: string, argv: string[], env: string[]): never;
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

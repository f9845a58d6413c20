/** The exec addon, which the instances' code cannot do without (locks, liveness, detached
 * starts): its absence is an internal error naming what needed it. */
import { InternalError } from "../errors.js";
import { execAddon, type ExecAddon } from "../native/exec.cjs";

/** `purpose` completes "it …", e.g. "locks instances". */
export function needExecAddon(purpose: string): ExecAddon {
  const addon = execAddon();
  if (!addon)
    throw new InternalError(
      `the exec addon (build/Release/exec.node) is not built: it ${purpose}`,
      "npm run build:native",
    );
  return addon;
}

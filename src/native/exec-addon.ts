/** The exec addon where the caller cannot do without it (the instances' locks, liveness and
 * detached starts; the image store's removal locks): its absence is an internal error naming
 * what needed it. */
import { InternalError } from "../errors.js";
import { execAddon, type ExecAddon } from "./exec.cjs";

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

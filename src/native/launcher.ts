/** The launcher executable (native/launcher): where it is, and whether it is built. */
import { existsSync } from "node:fs";
import { InternalError } from "../errors.js";
import { paths } from "../paths.cjs";

export function launcherBuilt(path: string = paths.launcher): boolean {
  return existsSync(path);
}

/** The launcher's path (the package's own unless given), or an error saying how to build it. */
export function requireLauncher(path: string = paths.launcher): string {
  if (!launcherBuilt(path)) {
    throw new InternalError(
      `the launcher is not built (looked for ${path})`,
      "build it with: npm run build",
    );
  }
  return path;
}

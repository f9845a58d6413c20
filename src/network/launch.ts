/** A private network around a launch: its document made before, and removed after, when the
 * supervisor's own `del` could not run (the launcher was killed). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../paths.cjs";
import type { Plan } from "../plan/types.js";
import { networkDoc, writeNetworkDoc } from "./doc.js";
import { networkDel } from "./hook.js";
import { withHostDns } from "./resolv.js";

/** The command the supervisor runs as its network hook: this package's secure-run. */
export function netHook(config: string): { exe: string; config: string } {
  return { exe: join(packageRoot, "dist/cli/secure-run"), config };
}

/** The document of instance `index` of `plan` (undefined: not a private network). */
export function prepareNetwork(plan: Plan, index: number): string | undefined {
  if (plan.network.mode !== "private") return undefined;
  return writeNetworkDoc(withHostDns(networkDoc(plan, index, Boolean(plan.rootless))));
}

/** After the run: the document goes, with what the supervisor left (it was killed before its
 * del). */
export function finishNetwork(file: string | undefined): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    networkDel(file, 0, { remove: true });
    return undefined;
  } catch (e) {
    return `network ${file}: ${(e as Error).message} (secure-run gc retries it)`;
  }
}

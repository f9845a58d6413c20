/** The native seccomp addon (native/seccomp): its typed interface and a lazy loader that fails
 * closed. It also probes the host (hostFacts): the host layer reads it from here, below seccomp. */
import { existsSync } from "node:fs";
import { InternalError } from "../errors.js";
import { paths } from "../paths.cjs";
import { loadAddon } from "./addon.cjs";

export interface ArgCondition {
  index: number;
  op: "ne" | "lt" | "le" | "eq" | "ge" | "gt" | "masked_eq";
  value: bigint;
  mask?: bigint;
}

export interface NativeAction {
  action: "allow" | "errno" | "kill_process" | "kill_thread" | "trap" | "log" | "notify";
  errno?: number;
}

export interface NativeRule extends NativeAction {
  name: string;
  args?: ArgCondition[];
}

export interface NativeFilterSpec {
  arch: string;
  defaultAction: NativeAction;
  badArchAction: NativeAction["action"];
  rules: NativeRule[];
}

export interface SeccompNative {
  compile(spec: NativeFilterSpec): { bpf: Buffer; skipped: string[] };
  /** -1: unknown everywhere; -2: not on this architecture */
  syscallNumber(arch: string, name: string): number;
  /** null when the number is no syscall on arch */
  syscallName(arch: string, nr: number): string | null;
  hostFacts(): {
    libseccomp: string;
    landlockAbi: number;
    seccompActions: string[];
    userNotification: boolean;
  };
}

let cached: SeccompNative | undefined;

export function loadNative(options: { optional: true }): SeccompNative | undefined;
export function loadNative(options?: { optional?: false }): SeccompNative;
export function loadNative(options: { optional?: boolean } = {}): SeccompNative | undefined {
  if (cached) return cached;
  if (!existsSync(paths.addon)) {
    if (options.optional) return undefined;
    throw new InternalError(
      `the native layer is not built (looked for ${paths.addon})`,
      "build it with: npm run build (it needs gcc, make and libseccomp-dev)",
    );
  }
  cached = loadAddon(paths.addon) as SeccompNative;
  return cached;
}

/** A seccomp spec (a plan's section, a profile, an imported Docker profile) → one BPF program per
 * architecture, through the native addon. */
import { NEVER_ALLOWED } from "./never.js";
import { constants } from "node:os";
import { InternalError } from "../errors.js";
import {
  combineRules,
  isConditional,
  repeatedArgument,
  rulesBySyscall,
  unconditionalRule,
} from "./combine.js";
import type { Reason, SeccompSpec, SyscallRule } from "./types.js";
import {
  loadNative,
  type ArgCondition,
  type NativeAction,
  type NativeRule,
  type SeccompNative,
} from "../native/seccomp.js";

export interface CompiledFilter {
  arch: string;
  bpf: Buffer;
  /** Allowed names that do not exist on this architecture. */
  skipped: string[];
}

/** A syscall name that exists on no architecture; carries the reasons it was asked for. */
export class UnknownSyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly reasons: Reason[],
  ) {
    super(`unknown syscall "${syscall}"`);
    this.name = "UnknownSyscallError";
  }
}

export function errnoNumber(name: string): number {
  const n = (constants.errno as Record<string, number | undefined>)[name];
  if (n === undefined) throw new InternalError(`unknown errno name ${name}`);
  return n;
}

/** ENOSYS for 38; the number itself when it has no name. */
export function errnoName(n: number): string {
  const table = constants.errno as Record<string, number | undefined>;
  return Object.keys(table).find((k) => table[k] === n) ?? String(n);
}

type ActionLike = {
  action: SeccompSpec["defaultAction"]["action"];
  errno?: string;
};

function nativeAction(a: ActionLike): NativeAction {
  return a.action === "errno"
    ? { action: "errno", errno: errnoNumber(a.errno ?? "EPERM") }
    : { action: a.action };
}

/** libseccomp compares each argument once per rule; a rule with two conditions on one argument
 * is a mistake in the spec, refused with its name. */
function checkConditions(r: SyscallRule): void {
  const index = repeatedArgument(r);
  if (index !== undefined)
    throw new InternalError(
      `the rule for ${r.name} has two conditions on argument ${index}`,
      "a rule can test each argument once (conditions are ANDed); express alternatives (OR) as separate rules",
    );
}

export function nativeRule(r: SyscallRule): NativeRule {
  checkConditions(r);
  const rule: NativeRule = { name: r.name, ...nativeAction(r) };
  if (r.args && r.args.length > 0) {
    rule.args = r.args.map((a) => {
      const c: ArgCondition = { index: a.index, op: a.op, value: BigInt(a.value) };
      if (a.mask !== undefined) c.mask = BigInt(a.mask);
      return c;
    });
  }
  return rule;
}

/** libseccomp drops the conditional rules of a syscall that also has an unconditional rule with
 * another action (combine.ts): such a spec would not do what it says. */
function checkMixedRules(spec: SeccompSpec): void {
  for (const [name, rules] of rulesBySyscall(spec.syscalls)) {
    const plain = unconditionalRule(rules);
    if (!plain) continue;
    const other = combineRules(rules).shadowed.find(
      (r) => isConditional(r) && r.action !== plain.action,
    );
    if (other) {
      throw new InternalError(
        `${name} has an unconditional ${plain.action} rule and a conditional ${other.action} rule: libseccomp would ignore the latter`,
        "give the broad rule a condition on the same argument (e.g. ge 0), so both are compared",
      );
    }
  }
}

/** One BPF program per architecture (the spec's, or those given). */
export function compileFilters(
  seccomp: SeccompSpec,
  native: SeccompNative = loadNative(),
  architectures: string[] = seccomp.architectures,
): CompiledFilter[] {
  checkMixedRules(seccomp);
  const rules = seccomp.syscalls.map(nativeRule);
  return architectures.map((arch) => {
    try {
      const { bpf, skipped } = native.compile({
        arch,
        defaultAction: nativeAction(seccomp.defaultAction),
        badArchAction: seccomp.badArchAction,
        rules,
      });
      return { arch, bpf, skipped: [...new Set(skipped)] };
    } catch (e) {
      const err = e as Error & { code?: string; syscall?: string };
      if (err.code === "ERR_UNKNOWN_SYSCALL" && err.syscall) {
        const rule = seccomp.syscalls.find((r) => r.name === err.syscall);
        throw new UnknownSyscallError(err.syscall, rule?.reasons ?? []);
      }
      throw new InternalError(`compiling the seccomp filter for ${arch}: ${err.message}`);
    }
  });
}

/** The filter every launch loads: the plan's, with its refusals notifying the supervisor, which
 * counts them (and with --explain reports each at once) and answers with the plan's own filter's
 * verdict, so the app sees what the plan's filter would give it. Allowed calls take the same
 * path as in the plan's filter; only the refusals' return changes. Refusals that stay in the
 * kernel: conditional ones (libseccomp cannot give a rule the default action, and dropping them
 * would let the call through), a default that is not an errno (a kill cannot be answered the
 * same way from user space), and what no plan allows by design (clone3, see never.ts), answered
 * ENOSYS without a report since the C library's fallback follows. */
export function notifyingSpec(spec: SeccompSpec): SeccompSpec {
  const named = new Set(spec.syscalls.map((r) => r.name));
  const refusesWithErrno = spec.defaultAction.action === "errno";
  return {
    ...spec,
    defaultAction: refusesWithErrno ? { action: "notify" } : spec.defaultAction,
    syscalls: [
      ...spec.syscalls.map((r) =>
        r.action === "errno" && (!r.args || r.args.length === 0)
          ? { name: r.name, action: "notify" as const, reasons: r.reasons }
          : r,
      ),
      ...NEVER_ALLOWED.filter((n) => !named.has(n)).map((name) => ({
        name,
        action: "errno" as const,
        errno: "ENOSYS",
        reasons: [],
      })),
    ],
  };
}

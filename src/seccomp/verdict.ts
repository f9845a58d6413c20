/** What a seccomp spec means for one syscall: the reference against which compiled filters are
 * checked (tests, audit). How libseccomp combines the rules of one syscall is combine.ts's; tests
 * hold the compiled filters to this. */
import {
  hasDefaultAction,
  isConditional,
  rulesBySyscall,
  STRICTNESS,
  unconditionalRule,
} from "./combine.js";
import type { ArgCondition, SeccompSpec, SyscallRule } from "./types.js";

export interface Verdict {
  action: "allow" | "errno" | "kill_process" | "kill_thread" | "trap" | "log" | "notify";
  errno?: string;
}

const MASK64 = (1n << 64n) - 1n;

export function conditionHolds(c: ArgCondition, args: readonly bigint[]): boolean {
  const arg = (args[c.index] ?? 0n) & MASK64;
  const value = BigInt(c.value) & MASK64;
  switch (c.op) {
    case "eq":
      return arg === value;
    case "ne":
      return arg !== value;
    case "lt":
      return arg < value;
    case "le":
      return arg <= value;
    case "gt":
      return arg > value;
    case "ge":
      return arg >= value;
    case "masked_eq":
      return (arg & BigInt(c.mask ?? 0)) === value;
  }
}

function verdictOf(r: { action: Verdict["action"]; errno?: string }): Verdict {
  return r.action === "errno"
    ? { action: "errno", errno: r.errno ?? "EPERM" }
    : { action: r.action };
}

/** Rules by syscall name, built once per spec. */
const index = new WeakMap<SeccompSpec, Map<string, SyscallRule[]>>();

export function rulesFor(spec: SeccompSpec, name: string): SyscallRule[] {
  let map = index.get(spec);
  if (!map) {
    map = rulesBySyscall(spec.syscalls);
    index.set(spec, map);
  }
  return map.get(name) ?? [];
}

export function expectedVerdict(
  spec: SeccompSpec,
  name: string,
  args: readonly bigint[] = [],
): Verdict {
  // A rule with the default action adds nothing (the compiler leaves it out, as libseccomp must).
  const rules = rulesFor(spec, name).filter((r) => !hasDefaultAction(spec, r));
  const matching = rules.filter(
    (r) => isConditional(r) && (r.args ?? []).every((c) => conditionHolds(c, args)),
  );
  matching.sort((a, b) => STRICTNESS[a.action] - STRICTNESS[b.action]);
  if (matching[0]) return verdictOf(matching[0]);
  return verdictOf(unconditionalRule(rules) ?? spec.defaultAction);
}

/** The argument vectors that exercise a syscall's conditions: zeros, each condition's value,
 * one above and below it, and the value with the upper 32 bits set. */
export function interestingArgs(rules: readonly SyscallRule[]): bigint[][] {
  const vectors: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (const r of rules) {
    for (const c of r.args ?? []) {
      const v = BigInt(c.value);
      for (const x of [
        v,
        v + 1n,
        v > 0n ? v - 1n : v,
        v | (0xffffffffn << 32n),
        (BigInt(c.mask ?? 0) & ~v) | v,
      ]) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[c.index] = x & MASK64;
        // Satisfy the rule's other conditions so that each one is tested on its own.
        for (const o of r.args ?? []) if (o !== c && o.op === "eq") args[o.index] = BigInt(o.value);
        vectors.push(args);
      }
    }
  }
  return vectors;
}

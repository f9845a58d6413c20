/** What a seccomp spec means for one syscall: the reference against which compiled filters are
 * checked (tests, audit). Semantics as libseccomp builds them: rules of one syscall are
 * alternatives; a rule's conditions must all hold; of the conditional rules that match, the most
 * restrictive action wins (libseccomp compares the refusals first — tests hold the compiled
 * filters to this); then an unconditional rule; no rule, the default action. */
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
    map = new Map();
    for (const r of spec.syscalls) map.set(r.name, [...(map.get(r.name) ?? []), r]);
    index.set(spec, map);
  }
  return map.get(name) ?? [];
}

const strictness: Record<Verdict["action"], number> = {
  kill_process: 0,
  kill_thread: 1,
  trap: 2,
  errno: 3,
  notify: 4,
  log: 5,
  allow: 6,
};

function sameAsDefault(spec: SeccompSpec, r: SyscallRule): boolean {
  const d = spec.defaultAction;
  return (
    r.action === d.action && (r.action !== "errno" || (r.errno ?? "EPERM") === (d.errno ?? "EPERM"))
  );
}

export function expectedVerdict(
  spec: SeccompSpec,
  name: string,
  args: readonly bigint[] = [],
): Verdict {
  // A rule with the default action adds nothing (the compiler leaves it out, as libseccomp must).
  const rules = rulesFor(spec, name).filter((r) => !sameAsDefault(spec, r));
  const matching = rules.filter(
    (r) => r.args && r.args.length > 0 && r.args.every((c) => conditionHolds(c, args)),
  );
  matching.sort((a, b) => strictness[a.action] - strictness[b.action]);
  if (matching[0]) return verdictOf(matching[0]);
  const plain = rules.find((r) => !r.args || r.args.length === 0);
  return verdictOf(plain ?? spec.defaultAction);
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

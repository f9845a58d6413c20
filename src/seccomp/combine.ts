/** How libseccomp combines the rules of one syscall (2.5.4, measured), in one place: the
 * compiler refuses specs it would not enforce as written, the importer of Docker profiles keeps
 * only the rules that take effect, and the verdict reference predicts what a filter does.
 *
 * - A rule's conditions are ANDed; libseccomp tests each argument once per rule.
 * - A rule with the filter's default action adds nothing (libseccomp refuses it).
 * - The first unconditional rule decides for every argument: rules with another action have no
 *   effect, whatever their order.
 * - Of two conditional rules with different actions where one's conditions are a subset of the
 *   other's, the less specific one decides; the same conditions with two actions are refused.
 * - Of the conditional rules whose conditions hold, the most restrictive action wins (libseccomp
 *   compares the refusals first); then an unconditional rule; no rule, the default action. */
import type { ArgCondition, SeccompSpec, SyscallRule } from "./types.js";

type Action = SeccompSpec["defaultAction"]["action"];

/** An action with its errno: what libseccomp compares (errno(EPERM) ≠ errno(EACCES)). */
export function actionKey(r: { action: string; errno?: string }): string {
  return r.action === "errno" ? `errno(${r.errno ?? "EPERM"})` : r.action;
}

export function conditionKey(c: ArgCondition): string {
  return `${c.index}:${c.op}:${c.value}${c.mask !== undefined ? `/${c.mask}` : ""}`;
}

export function isConditional(r: SyscallRule): boolean {
  return r.args !== undefined && r.args.length > 0;
}

/** Of the matching conditional rules, the lowest wins. */
export const STRICTNESS: Readonly<Record<Action, number>> = Object.freeze({
  kill_process: 0,
  kill_thread: 1,
  trap: 2,
  errno: 3,
  notify: 4,
  log: 5,
  allow: 6,
});

/** A rule with the default action: it changes nothing and libseccomp refuses it. */
export function hasDefaultAction(
  spec: Pick<SeccompSpec, "defaultAction">,
  r: SyscallRule,
): boolean {
  return actionKey(r) === actionKey(spec.defaultAction);
}

/** Rules by syscall name, in the spec's order. */
export function rulesBySyscall(rules: readonly SyscallRule[]): Map<string, SyscallRule[]> {
  const byName = new Map<string, SyscallRule[]>();
  for (const r of rules) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return byName;
}

/** The argument a rule tests twice (libseccomp cannot), if any. */
export function repeatedArgument(r: { args?: readonly ArgCondition[] }): number | undefined {
  const seen = new Set<number>();
  for (const c of r.args ?? []) {
    if (seen.has(c.index)) return c.index;
    seen.add(c.index);
  }
  return undefined;
}

/** The rule that decides for every argument: the syscall's first unconditional rule. */
export function unconditionalRule(rules: readonly SyscallRule[]): SyscallRule | undefined {
  return rules.find((r) => !isConditional(r));
}

/** What libseccomp makes of one syscall's rules (none with the default action): the rules that
 * take effect and why the others do not. */
export interface Combined {
  /** Rules with another action than the unconditional rule's: no effect. */
  shadowed: SyscallRule[];
  /** Conditional rules whose conditions include a less specific rule's with another action. */
  subsumed: SyscallRule[];
  /** Pairs of rules with the same conditions and different actions (libseccomp refuses them). */
  clashes: [first: SyscallRule, second: SyscallRule][];
  /** Conditional rules with different actions remain: where their conditions overlap,
   * libseccomp's order of checks decides. */
  overlapping: boolean;
}

export function combineRules(rules: readonly SyscallRule[]): Combined {
  const out: Combined = { shadowed: [], subsumed: [], clashes: [], overlapping: false };
  const plain = unconditionalRule(rules);
  if (plain) {
    out.shadowed = rules.filter((r) => actionKey(r) !== actionKey(plain));
    return out;
  }
  const dropped = new Set<SyscallRule>();
  const keyed = rules.map((r) => ({ r, keys: new Set((r.args ?? []).map(conditionKey)) }));
  for (const a of keyed)
    for (const b of keyed) {
      if (a === b || actionKey(a.r) === actionKey(b.r) || dropped.has(b.r)) continue;
      if (![...a.keys].every((k) => b.keys.has(k))) continue;
      if (a.keys.size === b.keys.size) {
        if (keyed.indexOf(a) < keyed.indexOf(b)) out.clashes.push([a.r, b.r]);
      } else {
        dropped.add(b.r);
        out.subsumed.push(b.r);
      }
    }
  const remaining = rules.filter((r) => !dropped.has(r));
  out.overlapping = new Set(remaining.map(actionKey)).size > 1;
  return out;
}

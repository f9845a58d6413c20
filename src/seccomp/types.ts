/** The seccomp rule types: a filter as data (what the plan's seccomp section, a profile or an
 * imported Docker profile compile from). Owned here so that seccomp needs nothing above it;
 * src/plan/types.ts re-exports them for the Plan document (schemas/plan.schema.json). */

/** Why something is in a plan: a profile, an app field or a rule that asked for it. Every part
 * of a plan carries reasons; seccomp rules are the part that needs them lowest in the tree. */
export interface Reason {
  /** "image": a field the app leaves out, filled from its image's config (ref: the field). */
  kind: "profile" | "field" | "rule" | "image";
  ref: string;
  why?: string;
}

export interface ArgCondition {
  index: number;
  op: "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "masked_eq";
  value: number;
  mask?: number;
}

export interface SyscallRule {
  name: string;
  action: "allow" | "errno" | "kill_process" | "kill_thread" | "trap" | "log" | "notify";
  errno?: string;
  args?: ArgCondition[];
  reasons: Reason[];
}

/** A seccomp filter as data: what the plan's seccomp section, a profile or an imported Docker
 * profile compile from. */
export interface SeccompSpec {
  defaultAction: {
    action: "errno" | "kill_process" | "kill_thread" | "trap" | "log" | "allow" | "notify";
    errno?: string;
  };
  badArchAction: "kill_process" | "kill_thread" | "trap";
  architectures: string[];
  syscalls: SyscallRule[];
}

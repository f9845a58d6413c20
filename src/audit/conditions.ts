/** Argument conditions of seccomp rules, readably: "arg0 == AF_UNIX",
 * "(arg1 & 0xffffffff) != TIOCSTI", "(arg0 & (CLONE_NEWNS|…)) == 0". */
import type { ArgCondition, SeccompSpec, SyscallRule } from "../plan/types.js";

const AF: Record<number, string> = {
  1: "AF_UNIX",
  2: "AF_INET",
  10: "AF_INET6",
  15: "AF_KEY",
  16: "AF_NETLINK",
  17: "AF_PACKET",
  29: "AF_CAN",
  31: "AF_BLUETOOTH",
  38: "AF_ALG",
  40: "AF_VSOCK",
};
const NETLINK: Record<number, string> = { 0: "NETLINK_ROUTE", 9: "NETLINK_AUDIT" };
const IOCTL: Record<number, string> = {
  0x5401: "TCGETS",
  0x5412: "TIOCSTI",
  0x5413: "TIOCGWINSZ",
  0x541c: "TIOCLINUX",
  0x5421: "FIONBIO",
};
const PERSONALITY: Record<number, string> = {
  0: "PER_LINUX",
  8: "PER_LINUX32",
  0x20000: "UNAME26",
  0xffffffff: "0xffffffff (query)",
};
const CLONE_FLAGS: Record<number, string> = {
  0x00000080: "CLONE_NEWTIME",
  0x00000100: "CLONE_VM",
  0x00010000: "CLONE_THREAD",
  0x00020000: "CLONE_NEWNS",
  0x02000000: "CLONE_NEWCGROUP",
  0x04000000: "CLONE_NEWUTS",
  0x08000000: "CLONE_NEWIPC",
  0x10000000: "CLONE_NEWUSER",
  0x20000000: "CLONE_NEWPID",
  0x40000000: "CLONE_NEWNET",
};

/** Names of the values an argument takes, by syscall and argument (given the rule's other
 * conditions: socket's protocol is named by its family). */
function valueNames(
  syscall: string,
  index: number,
  rule: readonly ArgCondition[],
): Record<number, string> | undefined {
  if ((syscall === "socket" || syscall === "socketpair") && index === 0) return AF;
  if (syscall === "socket" && index === 2)
    return rule.some((c) => c.index === 0 && c.op === "eq" && c.value === 16) ? NETLINK : undefined;
  if (syscall === "ioctl" && index === 1) return IOCTL;
  if (syscall === "personality" && index === 0) return PERSONALITY;
  return undefined;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function number(n: number, names?: Record<number, string>): string {
  return names?.[n] ?? (n < 4096 ? String(n) : hex(n));
}

/** A mask as flag names when it is made of known flags only. */
function maskText(syscall: string, index: number, mask: number): string {
  if (!(syscall === "clone" && index === 0) || mask <= 0) return hex(mask);
  const names: string[] = [];
  let rest = mask;
  for (const [bit, name] of Object.entries(CLONE_FLAGS)) {
    const b = Number(bit);
    if ((mask & b) === b && b !== 0) {
      names.push(name);
      rest -= b;
    }
  }
  return rest === 0 && names.length > 0 ? `(${names.join("|")})` : hex(mask);
}

const OPS: Record<Exclude<ArgCondition["op"], "masked_eq">, string> = {
  eq: "==",
  ne: "!=",
  lt: "<",
  le: "<=",
  gt: ">",
  ge: ">=",
};
const NEGATED: Record<ArgCondition["op"], ArgCondition["op"]> = {
  eq: "ne",
  ne: "eq",
  lt: "ge",
  le: "gt",
  gt: "le",
  ge: "lt",
  masked_eq: "masked_eq",
};

/** True for every value: the condition adds nothing a reader needs. */
export function isTrivial(c: ArgCondition): boolean {
  return (c.op === "ge" && c.value === 0) || (c.op === "masked_eq" && (c.mask ?? 0) === 0);
}

/** One condition as text; `negate` writes its opposite. */
export function conditionText(
  syscall: string,
  c: ArgCondition,
  rule: readonly ArgCondition[] = [c],
  negate = false,
): string {
  const names = valueNames(syscall, c.index, rule);
  if (c.op === "masked_eq") {
    const mask = c.mask ?? 0;
    const value = mask === 0xffffffff ? number(c.value, names) : number(c.value);
    return `(arg${c.index} & ${maskText(syscall, c.index, mask)}) ${negate ? "!=" : "=="} ${value}`;
  }
  const op = negate ? NEGATED[c.op] : c.op;
  return `arg${c.index} ${OPS[op as keyof typeof OPS]} ${number(c.value, names)}`;
}

/** A rule's conditions, ANDed, without the trivial ones ("" when none remain). */
export function ruleText(syscall: string, conditions: readonly ArgCondition[] = []): string {
  return conditions
    .filter((c) => !isTrivial(c))
    .map((c) => conditionText(syscall, c, conditions))
    .join(" and ");
}

export function verdictText(r: { action: string; errno?: string }): string {
  return r.action === "errno" ? `errno ${r.errno ?? "EPERM"}` : r.action;
}

function sameAsDefault(spec: SeccompSpec, r: SyscallRule): boolean {
  const d = spec.defaultAction;
  return (
    r.action === d.action && (r.action !== "errno" || (r.errno ?? "EPERM") === (d.errno ?? "EPERM"))
  );
}

export interface SyscallConditions {
  allowedWhen: string[];
  refusedWhen: { condition: string; verdict: string }[];
  condition: string;
}

/** When a syscall's rules allow it: the alternatives of its allow rules, less the conditional
 * refusals that win over them (of the matching conditional rules, the strictest wins). */
export function allowConditions(
  spec: SeccompSpec,
  rules: readonly SyscallRule[],
): SyscallConditions {
  const effective = rules.filter((r) => !sameAsDefault(spec, r));
  const allow = effective.filter((r) => r.action === "allow");
  const alternatives = allow.map((r) => ruleText(r.name, r.args));
  const allowedWhen = alternatives.includes("") ? [] : [...new Set(alternatives)];
  const refusals = effective.filter((r) => r.action !== "allow" && r.args && r.args.length > 0);
  const refusedWhen = refusals.map((r) => ({
    condition: ruleText(r.name, r.args),
    verdict: verdictText(r),
  }));
  const negated = refusals.map((r) => {
    const conds = (r.args ?? []).filter((c) => !isTrivial(c));
    const [only] = conds;
    if (conds.length === 1 && only) return conditionText(r.name, only, r.args, true);
    return `not (${ruleText(r.name, r.args)})`;
  });
  const alt =
    allowedWhen.length > 1
      ? allowedWhen.map((a) => (a.includes(" and ") ? `(${a})` : a)).join(" or ")
      : (allowedWhen[0] ?? "");
  const parts = [
    allowedWhen.length > 1 && negated.length > 0 ? `(${alt})` : alt,
    ...negated,
  ].filter((p) => p !== "");
  return { allowedWhen, refusedWhen, condition: parts.join(" and ") };
}

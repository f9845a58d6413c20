/**
 * A plan's seccomp section → the JSON profile runc, crun, Docker, Podman, containerd and CRI-O
 * read (OCI `linux.seccomp`, which Docker's format extends), and the Security Profiles
 * Operator's spec.
 *
 * Written so that importDockerProfile (src/seccomp/docker.ts), which follows runc, reads back the
 * same filter: unconditional rules of one action are grouped into one entry; every conditional
 * rule is an entry of its own (its conditions ANDed); SCMP_CMP_MASKED_EQ carries the mask in
 * `value` and the compared value in `valueTwo`, as Docker does; every SCMP_ACT_ERRNO entry has
 * its `errnoRet` (runc would otherwise return EPERM).
 */
import { constants } from "node:os";
import { InternalError } from "../errors.js";
import type { ArgCondition, Plan, SeccompSpec, SyscallRule } from "../plan/types.js";
import { SCMP_ARCH } from "./common.js";

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo: number;
  op: string;
}

export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
  comment?: string;
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: OciSeccompSyscall[];
}

const ACTIONS: Record<SyscallRule["action"], string> = {
  allow: "SCMP_ACT_ALLOW",
  errno: "SCMP_ACT_ERRNO",
  kill_process: "SCMP_ACT_KILL_PROCESS",
  kill_thread: "SCMP_ACT_KILL_THREAD",
  trap: "SCMP_ACT_TRAP",
  log: "SCMP_ACT_LOG",
  notify: "SCMP_ACT_NOTIFY",
};

const OPS: Record<ArgCondition["op"], string> = {
  eq: "SCMP_CMP_EQ",
  ne: "SCMP_CMP_NE",
  lt: "SCMP_CMP_LT",
  le: "SCMP_CMP_LE",
  gt: "SCMP_CMP_GT",
  ge: "SCMP_CMP_GE",
  masked_eq: "SCMP_CMP_MASKED_EQ",
};

export function errnoValue(name: string | undefined): number {
  const n = (constants.errno as Record<string, number | undefined>)[name ?? "EPERM"];
  if (n === undefined) throw new InternalError(`unknown errno name ${name ?? ""}`);
  return n;
}

function ociArg(c: ArgCondition): OciSeccompArg {
  if (c.op === "masked_eq")
    return { index: c.index, value: c.mask ?? 0, valueTwo: c.value, op: OPS[c.op] };
  return { index: c.index, value: c.value, valueTwo: 0, op: OPS[c.op] };
}

function withAction(
  entry: Omit<OciSeccompSyscall, "action">,
  r: { action: SyscallRule["action"]; errno?: string },
): OciSeccompSyscall {
  const out: OciSeccompSyscall = { names: entry.names, action: ACTIONS[r.action] };
  if (r.action === "errno") out.errnoRet = errnoValue(r.errno);
  if (entry.args) out.args = entry.args;
  if (entry.comment !== undefined) out.comment = entry.comment;
  return out;
}

const actionKey = (r: { action: string; errno?: string }): string =>
  r.action === "errno" ? `errno:${r.errno ?? "EPERM"}` : r.action;

function why(rules: SyscallRule[]): string {
  const refs = new Set<string>();
  for (const r of rules) for (const x of r.reasons) refs.add(`${x.kind} ${x.ref}`);
  return [...refs].join("; ");
}

export interface ProfileOptions {
  /** Give each entry a `comment` with the plan's reasons (Docker's format has one). */
  comments?: boolean;
}

/** The profile for the given architectures (libseccomp names). */
export function ociSeccomp(
  spec: Pick<SeccompSpec, "defaultAction" | "syscalls">,
  architectures: string[],
  options: ProfileOptions = {},
): OciSeccomp {
  const d = spec.defaultAction;
  if (d.action === "notify" || d.action === "allow")
    throw new InternalError(`a default action "${d.action}" is not exported`);
  const profile: OciSeccomp = {
    defaultAction: ACTIONS[d.action],
    ...(d.action === "errno" ? { defaultErrnoRet: errnoValue(d.errno) } : {}),
    architectures: architectures.map((a) => SCMP_ARCH[a] ?? a),
    syscalls: [],
  };
  // Unconditional rules: one entry per action, in the order the actions first appear.
  const groups = new Map<string, SyscallRule[]>();
  for (const r of spec.syscalls) {
    if (r.args && r.args.length > 0) continue;
    const key = actionKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const rules of groups.values()) {
    const first = rules[0];
    if (!first) continue;
    const entry: Omit<OciSeccompSyscall, "action"> = {
      names: [...new Set(rules.map((r) => r.name))].sort(),
    };
    if (options.comments)
      entry.comment =
        first.action === "allow"
          ? "the plan's allowlist"
          : `refused with ${first.action === "errno" ? (first.errno ?? "EPERM") : first.action}`;
    profile.syscalls.push(withAction(entry, first));
  }
  for (const r of spec.syscalls) {
    if (!r.args || r.args.length === 0) continue;
    const entry: Omit<OciSeccompSyscall, "action"> = {
      names: [r.name],
      args: r.args.map(ociArg),
    };
    if (options.comments) entry.comment = why([r]);
    profile.syscalls.push(withAction(entry, r));
  }
  return profile;
}

export function planProfile(
  plan: Plan,
  architectures: string[],
  options: ProfileOptions = {},
): OciSeccomp {
  return ociSeccomp(plan.seccomp, architectures, options);
}

/** The Security Profiles Operator's SeccompProfile spec. Its CRD has no `defaultErrnoRet`, and
 * an SCMP_ACT_ERRNO default fails with EPERM — which would also make runc drop the plan's
 * conditional EPERM rules (TIOCSTI), since it skips rules with the default action. The plan's
 * ENOSYS default is written as SCMP_ACT_TRACE instead: with no tracer attached the kernel
 * answers ENOSYS (seccomp(2), SECCOMP_RET_TRACE), for unlisted syscalls and for argument
 * conditions that do not hold alike. */
export function spoSpec(
  plan: Plan,
  architectures: string[],
): { spec: Record<string, unknown>; notes: string[] } {
  const profile = planProfile(plan, architectures);
  const notes: string[] = [];
  const d = plan.seccomp.defaultAction;
  let defaultAction = profile.defaultAction;
  if (d.action === "errno" && d.errno === "ENOSYS") {
    defaultAction = "SCMP_ACT_TRACE";
    notes.push(
      "the SeccompProfile resource cannot set a default errno (its CRD has no defaultErrnoRet): its default action is " +
        "SCMP_ACT_TRACE, which fails with ENOSYS when no tracer is attached, as the plan does; a host tracer asking " +
        "for seccomp events (PTRACE_O_TRACESECCOMP) would be asked instead",
    );
  } else if (d.action === "errno" && errnoValue(d.errno) !== errnoValue("EPERM")) {
    notes.push(
      `the SeccompProfile resource cannot set a default errno: refused syscalls fail with EPERM there, ${d.errno ?? "EPERM"} in the plan`,
    );
  }
  const spec: Record<string, unknown> = {
    defaultAction,
    architectures: profile.architectures,
    syscalls: profile.syscalls,
  };
  return { spec, notes };
}

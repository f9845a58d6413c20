/** Two plans of one app → what the change adds and removes: syscalls (with their risk and why),
 * capabilities, writable and executable paths, ports, limits, user and namespaces, and the
 * exposure score before and after. Plans are compared, not app files: a profile, the policy or
 * the organisation's configuration changes a plan as much as the app file does. */
import { scorePlan } from "../audit/score.js";
import { auditSyscalls } from "../audit/syscalls.js";
import { formatSize } from "../documents/units.js";
import { isDangerousCapability } from "../policy/dangerous.js";
import type { Plan, Reason } from "../plan/types.js";
import type { Profiles, Risk } from "../profiles/load.js";
import { FAIL_ON, type FailOn } from "../config/fail-on.js";
import { byCodeUnits } from "../order.js";

/** One permission that the change adds or removes. */
export interface DiffItem {
  name: string;
  /** Syscalls: their risk (as the audit says); capabilities: high when dangerous. */
  risk?: Risk;
  why?: string;
  reasons: Reason[];
  /** The field of the app definition it comes from ("" when none: a rule's default). */
  path: string;
  /** Where that field is in the new app file (added items only). */
  line?: number;
  column?: number;
}

export interface Delta {
  added: DiffItem[];
  removed: DiffItem[];
}

export type LimitName = "memory" | "swap" | "cpu" | "pids";

export interface LimitChange {
  limit: LimitName;
  /** Infinity: unlimited. Bytes, cores or processes. */
  before: number;
  after: number;
  beforeText: string;
  afterText: string;
  change: "raised" | "lowered";
  reasons: Reason[];
  path: string;
  line?: number;
  column?: number;
}

export interface PlanDiff {
  syscalls: Delta;
  capabilities: Delta;
  /** Capabilities the app asks for that the plan does not keep (the review denies them). */
  refused: Delta;
  writable: Delta;
  executable: Delta;
  ports: { bind: Delta; connect: Delta; published: Delta };
  limits: LimitChange[];
  /** Namespaces: added means more isolation, removed means the app shares the host's. */
  namespaces: { added: string[]; removed: string[] };
  user: {
    before: { uid: number; gid: number };
    after: { uid: number; gid: number };
    line?: number;
    column?: number;
  } | null;
  network: {
    before: "none" | "host" | "private";
    after: "none" | "host" | "private";
    line?: number;
    column?: number;
  } | null;
  score: { before: number | null; after: number };
}

/** The app field a plan item comes from: its first field reason, else the profile entry of the
 * app that brought it (as the review's field_of does). */
export function fieldOf(reasons: readonly Reason[], appProfiles: readonly string[]): string {
  const field = reasons.find((r) => r.kind === "field" || r.kind === "image");
  if (field) return field.ref;
  for (const r of reasons) {
    if (r.kind !== "profile") continue;
    const i = appProfiles.indexOf(r.ref);
    if (i >= 0) return `syscalls.profiles[${i}]`;
  }
  return "";
}

interface Side {
  plan: Plan;
  profiles: Profiles;
  /** The app's syscalls.profiles as written. */
  appProfiles: string[];
}

function items(side: Side, list: { name: string; reasons: Reason[]; risk?: Risk; why?: string }[]) {
  return new Map(
    list.map((x) => [
      x.name,
      {
        name: x.name,
        ...(x.risk ? { risk: x.risk } : {}),
        ...(x.why ? { why: x.why } : {}),
        reasons: x.reasons,
        path: fieldOf(x.reasons, side.appProfiles),
      },
    ]),
  );
}

function delta(before: Map<string, DiffItem>, after: Map<string, DiffItem>): Delta {
  const order = (a: DiffItem, b: DiffItem): number =>
    riskRank(b.risk) - riskRank(a.risk) || byCodeUnits(a.name, b.name);
  return {
    added: [...after.values()].filter((x) => !before.has(x.name)).sort(order),
    removed: [...before.values()].filter((x) => !after.has(x.name)).sort(order),
  };
}

const riskRank = (r: Risk | undefined): number => (r ? ["low", "medium", "high"].indexOf(r) : -1);

function syscalls(side: Side) {
  return items(
    side,
    auditSyscalls(side.plan, side.profiles, new Map()).map((s) => ({
      name: s.name,
      risk: s.risk,
      why: s.why,
      reasons: s.reasons,
    })),
  );
}

function capabilities(side: Side) {
  return items(
    side,
    side.plan.capabilities.keep.map((k) => ({
      name: k.name,
      reasons: k.reasons,
      risk: isDangerousCapability(k.name) ? ("high" as const) : ("medium" as const),
      ...(isDangerousCapability(k.name) ? { why: "a dangerous capability" } : {}),
    })),
  );
}

function refused(side: Side) {
  return items(
    side,
    side.plan.capabilities.refused.map((k) => ({ name: k.name, reasons: k.reasons, why: k.why })),
  );
}

function landlock(side: Side, access: "write" | "execute") {
  return items(
    side,
    side.plan.landlock.fs
      .filter((r) => r.access.includes(access))
      .map((r) => ({ name: r.path, reasons: r.reasons })),
  );
}

const portName = (g: { port: number; protocol: string }): string => `${g.port}/${g.protocol}`;

function ports(side: Side, kind: "listen" | "connect" | "published") {
  const net = side.plan.network;
  const list = kind === "published" ? (net.mode === "host" ? net.listen : []) : net[kind];
  return items(
    side,
    list.map((g) => ({
      name: portName(g),
      reasons: g.reasons,
      ...(kind === "published" ? { why: "listening on the host's network" } : {}),
    })),
  );
}

function limit(plan: Plan, name: LimitName): { value: number; text: string; reasons: Reason[] } {
  const c = plan.cgroup;
  switch (name) {
    case "memory":
      return { value: c.memory.max, text: formatSize(c.memory.max), reasons: c.memory.reasons };
    case "swap":
      return {
        value: c.memory.swapMax,
        text: c.memory.swapMax === 0 ? "none" : formatSize(c.memory.swapMax),
        reasons: c.memory.swapReasons,
      };
    case "cpu": {
      const cores = c.cpu ? c.cpu.quota / c.cpu.period : Infinity;
      return {
        value: cores,
        text: c.cpu ? `${Math.round(cores * 1000) / 1000} cores` : "unlimited",
        reasons: c.cpu?.reasons ?? [],
      };
    }
    case "pids":
      return { value: c.pids.max, text: String(c.pids.max), reasons: c.pids.reasons };
  }
}

function limits(before: Side, after: Side): LimitChange[] {
  const out: LimitChange[] = [];
  for (const name of ["memory", "swap", "cpu", "pids"] as const) {
    const b = limit(before.plan, name);
    const a = limit(after.plan, name);
    if (a.value === b.value) continue;
    const reasons = a.reasons.length > 0 ? a.reasons : b.reasons;
    out.push({
      limit: name,
      before: b.value,
      after: a.value,
      beforeText: b.text,
      afterText: a.text,
      change: a.value > b.value ? "raised" : "lowered",
      reasons,
      path: fieldOf(reasons, after.appProfiles) || `resources.${name}`,
    });
  }
  return out;
}

export function planScore(plan: Plan, profiles: Profiles): number {
  return scorePlan(plan, auditSyscalls(plan, profiles, new Map())).value;
}

/** What changes from `before` (null: the app is new) to `after`. */
export function comparePlans(before: Side | null, after: Side): PlanDiff {
  const empty = new Map<string, DiffItem>();
  const b = <T>(f: (s: Side) => T, none: T): T => (before ? f(before) : none);
  const ns = (s: Side): string[] => [...s.plan.namespaces].sort();
  const user = (s: Side) => ({ uid: s.plan.process.user.uid, gid: s.plan.process.user.gid });
  const ub = b(user, null);
  const ua = user(after);
  return {
    syscalls: delta(b(syscalls, empty), syscalls(after)),
    capabilities: delta(b(capabilities, empty), capabilities(after)),
    refused: delta(b(refused, empty), refused(after)),
    writable: delta(
      b((s) => landlock(s, "write"), empty),
      landlock(after, "write"),
    ),
    executable: delta(
      b((s) => landlock(s, "execute"), empty),
      landlock(after, "execute"),
    ),
    ports: {
      bind: delta(
        b((s) => ports(s, "listen"), empty),
        ports(after, "listen"),
      ),
      connect: delta(
        b((s) => ports(s, "connect"), empty),
        ports(after, "connect"),
      ),
      published: delta(
        b((s) => ports(s, "published"), empty),
        ports(after, "published"),
      ),
    },
    limits: before ? limits(before, after) : [],
    namespaces: before
      ? {
          added: ns(after).filter((n) => !ns(before).includes(n)),
          removed: ns(before).filter((n) => !ns(after).includes(n)),
        }
      : { added: [], removed: [] },
    user: ub && (ub.uid !== ua.uid || ub.gid !== ua.gid) ? { before: ub, after: ua } : null,
    network:
      before && before.plan.network.mode !== after.plan.network.mode
        ? { before: before.plan.network.mode, after: after.plan.network.mode }
        : null,
    score: {
      before: before ? planScore(before.plan, before.profiles) : null,
      after: planScore(after.plan, after.profiles),
    },
  };
}

/** Every list of added and removed items of a diff. */
export const deltas = (d: PlanDiff): Delta[] => [
  d.syscalls,
  d.capabilities,
  d.refused,
  d.writable,
  d.executable,
  d.ports.bind,
  d.ports.connect,
  d.ports.published,
];

/** Whether the change alters what the app may do at all. */
export function isEmpty(d: PlanDiff): boolean {
  return (
    deltas(d).every((x) => x.added.length === 0 && x.removed.length === 0) &&
    d.limits.length === 0 &&
    d.namespaces.added.length === 0 &&
    d.namespaces.removed.length === 0 &&
    !d.user &&
    !d.network &&
    d.score.before === d.score.after
  );
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The verdict line: "adds 2 high-risk syscalls, raises memory 256Mi → 1Gi". */
export function verdict(d: PlanDiff): string {
  const parts: string[] = [];
  const high = d.syscalls.added.filter((s) => s.risk === "high");
  const other = d.syscalls.added.length - high.length;
  if (high.length > 0)
    parts.push(
      `adds ${plural(high.length, "high-risk syscall")} (${high.map((s) => s.name).join(", ")})`,
    );
  if (other > 0) parts.push(`adds ${plural(other, high.length > 0 ? "other syscall" : "syscall")}`);
  if (d.capabilities.added.length > 0)
    parts.push(
      `adds ${d.capabilities.added.length === 1 ? "capability" : "capabilities"} ${d.capabilities.added.map((c) => c.name).join(", ")}`,
    );
  if (d.refused.added.length > 0)
    parts.push(`asks for ${d.refused.added.map((c) => c.name).join(", ")} (not kept)`);
  if (d.network && d.network.after === "host") parts.push("moves to the host's network");
  if (d.ports.published.added.length > 0)
    parts.push(`publishes ${d.ports.published.added.map((p) => p.name).join(", ")}`);
  else if (d.ports.bind.added.length > 0)
    parts.push(`binds ${d.ports.bind.added.map((p) => p.name).join(", ")}`);
  if (d.ports.connect.added.length > 0)
    parts.push(`connects to ${d.ports.connect.added.map((p) => p.name).join(", ")}`);
  if (d.writable.added.length > 0)
    parts.push(`may write ${d.writable.added.map((p) => p.name).join(", ")}`);
  if (d.executable.added.length > 0)
    parts.push(`may execute ${d.executable.added.map((p) => p.name).join(", ")}`);
  for (const l of d.limits)
    parts.push(
      `${l.change === "raised" ? "raises" : "lowers"} ${l.limit} ${l.beforeText} → ${l.afterText}`,
    );
  if (d.user && d.user.after.uid === 0) parts.push(`runs as root (uid ${d.user.before.uid} → 0)`);
  else if (d.user) parts.push(`changes user uid ${d.user.before.uid} → ${d.user.after.uid}`);
  if (d.namespaces.removed.length > 0)
    parts.push(
      `gives up the ${d.namespaces.removed.join(", ")} namespace${d.namespaces.removed.length === 1 ? "" : "s"}`,
    );
  const removedSyscalls = d.syscalls.removed.length;
  const removedCaps = d.capabilities.removed.length;
  if (removedSyscalls > 0) parts.push(`removes ${plural(removedSyscalls, "syscall")}`);
  if (removedCaps > 0) parts.push(`drops ${d.capabilities.removed.map((c) => c.name).join(", ")}`);
  if (parts.length === 0)
    return isEmpty(d) ? "no change in what the app may do" : "only minor changes";
  return parts.join(", ");
}

/** Which --fail-on thresholds the change reaches. */
export function reached(d: PlanDiff, thresholds: readonly FailOn[]): FailOn[] {
  const added = {
    "added-high-risk":
      d.syscalls.added.some((s) => s.risk === "high") ||
      d.capabilities.added.some((c) => c.risk === "high"),
    "added-capability": d.capabilities.added.length > 0,
    "added-syscall": d.syscalls.added.length > 0,
    "added-path": d.writable.added.length > 0 || d.executable.added.length > 0,
    "added-port":
      d.ports.bind.added.length > 0 ||
      d.ports.connect.added.length > 0 ||
      d.ports.published.added.length > 0,
    "raised-limit": d.limits.some((l) => l.change === "raised"),
    "less-isolation":
      d.namespaces.removed.length > 0 ||
      (d.user !== null && d.user.after.uid === 0) ||
      d.network?.after === "host",
    "added-any": false,
    "score-up": d.score.before !== null && d.score.after > d.score.before,
  };
  // Any addition: every threshold but those that are a kind of it or are not additions.
  added["added-any"] = FAIL_ON.filter(
    (t) => t !== "added-any" && t !== "added-high-risk" && t !== "score-up",
  ).some((t) => added[t]);
  return thresholds.filter((t) => added[t]);
}

/** The Audit document (`apiVersion: secure-run/v1, kind: Audit`): what each app may do and why,
 * checked against its compiled filters, scored, and compared with a baseline and each other. */
import type { Persistence, Reason } from "../plan/types.js";
import type { Risk } from "../profiles/load.js";

export interface AuditSyscall {
  name: string;
  /** The profile it comes from (the first of `groups`), or "app" for syscalls.allow alone. */
  group: string;
  /** Every profile that names it (and "app" when the app allows it itself). */
  groups: string[];
  risk: Risk;
  /** One line: why a program needs it, or why it is risky. */
  why: string;
  /** Where the risk comes from: a profile's entry, the list of dangerous syscalls, or nothing
   * known (an app's own syscall no profile describes). */
  riskSource: "profile" | "dangerous" | "unknown";
  /** Why it is allowed: profiles, fields of the app definition, rules of the policy. */
  reasons: Reason[];
  /** Alternatives (OR): one readable conjunction per allow rule; empty: any arguments. */
  allowedWhen: string[];
  /** Conditional refusals that win over the allow rules, e.g. "(arg1 & 0xffffffff) == TIOCSTI". */
  refusedWhen: { condition: string; verdict: string }[];
  /** The whole argument condition in one line, or "" when any arguments pass. */
  condition: string;
  /** Of the audited architectures, those that have this syscall. */
  arches: string[];
}

export interface ArchCount {
  arch: string;
  /** Syscalls allowed (for some arguments) on this architecture. */
  allowed: number;
  /** Syscalls this architecture has (numbers 0..1023 with a name). */
  total: number;
  /** Allowed names the architecture does not have. */
  absent: string[];
  /** Allowed names the architecture has, but libseccomp left out of its filter (they get the
   * default action there). */
  leftOut: string[];
  /** The simulator's check of the compiled filter: cases compared, all equal. */
  checked: { cases: number; instructions: number };
}

export interface ScoreFactor {
  id: string;
  label: string;
  /** What this factor adds to the score (0 when nothing was found). */
  points: number;
  detail: string;
}

export interface Score {
  /** 0 (least exposed) to 10 (most exposed), one decimal. */
  value: number;
  max: 10;
  method: string[];
  factors: ScoreFactor[];
}

export interface BaselineArch {
  arch: string;
  baselineAllowed: number;
  planAllowed: number;
  both: number;
  /** Allowed by the baseline, not by this plan. */
  onlyBaseline: string[];
  /** Allowed by this plan, not by the baseline. */
  onlyPlan: string[];
}

export interface BaselineComparison {
  label: string;
  file: string;
  capabilities: { baseline: string[]; onlyBaseline: string[]; onlyPlan: string[] };
  arches: BaselineArch[];
  notes: string[];
}

export interface Enforcement {
  layer: string;
  planned: string;
  enforced: boolean;
  /** Accepted as best-effort by the app (it runs without it where the host cannot). */
  bestEffort: boolean;
  detail: string;
}

export interface AppAudit {
  file: string;
  name: string;
  score: Score;
  counts: {
    syscalls: { arch: string; allowed: number; total: number }[];
    capabilities: number;
    listen: number;
    connect: number;
    writablePaths: number;
    limits: number;
  };
  syscalls: AuditSyscall[];
  seccomp: {
    defaultAction: string;
    badArchAction: string;
    profiles: { name: string; kind: string; description: string; reasons: Reason[] }[];
    /** Refused with an errno other than the default (the dangerous ones: EPERM). */
    refused: { name: string; verdict: string; reasons: Reason[] }[];
    removed: { name: string; reasons: Reason[] }[];
    arches: ArchCount[];
  };
  baseline: BaselineComparison | null;
  capabilities: {
    keep: { name: string; dangerous: boolean; reasons: Reason[] }[];
    refused: { name: string; why: string; reasons: Reason[] }[];
    dropped: string[];
  };
  filesystem: {
    readOnlyRoot: boolean;
    root: { target: string; what: string; readOnly: boolean; reasons: Reason[] }[];
    writable: {
      path: string;
      kind: "host" | "private" | "layer";
      source?: string;
      reasons: Reason[];
    }[];
    /** The writable root's layer (null: the root is read-only). */
    writableLayer: { lower: string | null; reasons: Reason[] } | null;
    /** Where what the app writes goes, and how long it stays (the plan's persistence). */
    persistence: Persistence[];
    masked: string[];
    readOnly: string[];
  };
  network: {
    mode: "none" | "host" | "private";
    description: string;
    listen: { port: number; protocol: string; reasons: Reason[] }[];
    connect: { port: number; protocol: string; reasons: Reason[] }[];
    landlock: { bind: number[]; connect: number[] };
    sysctls: { name: string; value: string; reasons: Reason[] }[];
  };
  limits: {
    memory: { max: number; reasons: Reason[] };
    swap: { max: number; reasons: Reason[] };
    cpu: { cores: number; quota: number; period: number; reasons: Reason[] } | null;
    pids: { max: number; reasons: Reason[] };
    oomGroup: boolean;
  };
  process: {
    uid: number;
    gid: number;
    noNewPrivileges: boolean;
    namespaces: string[];
    userNamespace: {
      uidMap: { inside: number; outside: number; count: number }[];
      gidMap: { inside: number; outside: number; count: number }[];
      reasons: Reason[];
    } | null;
  };
  selinux: {
    processType: string;
    fileType: string;
    level: string;
    categories: number;
    enforced: boolean;
    statement: string;
  };
  landlock: {
    write: string[];
    execute: string[];
    tcpBind: number[];
    tcpConnect: number[];
  };
  lifecycle: { restart: string; maxRetries: number; instances: number };
  enforcement: Enforcement[];
  notices: string[];
}

export interface AppComparison {
  rows: {
    name: string;
    file: string;
    syscalls: { arch: string; allowed: number; total: number }[];
    capabilities: number;
    listen: number[];
    connect: number[];
    writablePaths: number;
    score: number;
  }[];
  /** Per architecture: syscalls allowed by some of the apps but not all, and by which. */
  differences: { arch: string; syscalls: { name: string; allowedBy: string[] }[] }[];
}

export interface AuditHost {
  arch: string;
  kernel: string;
  /** secure-run doctor's checks, when they were run on this host. */
  checks: { name: string; ok: boolean; detail: string }[] | null;
}

export interface AuditReport {
  apiVersion: "secure-run/v1";
  kind: "Audit";
  tool: { name: "secure-run"; version: string };
  architectures: string[];
  host: AuditHost;
  baseline: { label: string; file: string } | null;
  apps: AppAudit[];
  comparison: AppComparison | null;
}

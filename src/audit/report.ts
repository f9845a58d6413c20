/** The audit of one or more apps: plan each, describe what it may do and why, hold the syscall
 * section to the compiled filters, score it, compare it with a baseline and with the others.
 * Computing only: the renderers (render/) turn the document into text, Markdown, JSON or HTML. */
import { loadApp } from "../appspec/load.js";
import type { OrgConfig } from "../config/load.js";
import type { Check } from "../host/doctor.js";
import { hostFacts, type HostFacts } from "../host/facts.js";
import { makePlan } from "../plan/make.js";
import type { Plan } from "../plan/types.js";
import type { PolicyEngine } from "../policy/engine.js";
import type { Profiles } from "../profiles/load.js";
import { compileFilters } from "../seccomp/compile.js";
import { loadNative, type SeccompNative } from "../native/seccomp.js";
import { compareWithBaseline, loadBaseline, type Baseline } from "./baseline.js";
import { checkFilter } from "./check.js";
import { compareApps } from "./compare.js";
import { KNOWN_ARCHITECTURES } from "../seccomp/arches.js";
import { archSyscalls, type NumberedSyscall } from "../seccomp/syscall-table.js";
import { scorePlan } from "./score.js";
import {
  capabilitiesSection,
  enforcementSection,
  filesystemSection,
  landlockSection,
  lifecycleSection,
  limitsSection,
  networkSection,
  processSection,
  selinuxSection,
} from "./sections.js";
import { auditSyscalls, refusedSyscalls } from "./syscalls.js";
import type { AppAudit, ArchCount, AuditReport } from "./types.js";

export const AUDIT_ARCHITECTURES = KNOWN_ARCHITECTURES;

export interface AuditOptions {
  /** Defaults to this host's facts. */
  host?: HostFacts;
  /** secure-run doctor's checks of this host, shown in the report when given. */
  checks?: Check[];
  /** Default: the host's architecture. */
  architectures?: string[];
  /** A Docker/OCI seccomp profile (JSON) to compare with. */
  baseline?: string;
  config?: OrgConfig;
  accounts?: { passwd: string; group: string };
  profiles?: Profiles;
  engine?: PolicyEngine;
  native?: SeccompNative;
  /** secure-run's version, recorded in the document. */
  version?: string;
  /** PlanOptions.check (the audit checks the syscall section against the compiled BPF anyway). */
  check?: boolean;
}

interface Context {
  host: HostFacts;
  arches: string[];
  syscalls: Map<string, NumberedSyscall[]>;
  baseline: Baseline | undefined;
  native: SeccompNative;
}

/** The audit of one planned app. */
export function auditPlan(file: string, plan: Plan, profiles: Profiles, ctx: Context): AppAudit {
  const filters = compileFilters(plan.seccomp, ctx.native, ctx.arches);
  // Names an architecture has (by number) that libseccomp nevertheless left out of its filter
  // (on 32-bit x86, socket calls with argument rules): there they get the default action, and
  // the report says so instead of listing them as allowed.
  const named = new Map(
    ctx.arches.map((a) => [a, new Set((ctx.syscalls.get(a) ?? []).map((s) => s.name))]),
  );
  const leftOut = new Map(
    filters.map((f) => [f.arch, f.skipped.filter((n) => named.get(f.arch)?.has(n)).sort()]),
  );
  const nameSets = new Map(
    ctx.arches.map((a) => {
      const out = new Set(named.get(a));
      for (const n of leftOut.get(a) ?? []) out.delete(n);
      return [a, out];
    }),
  );
  const syscalls = auditSyscalls(plan, profiles, nameSets);
  const planAllowed = new Map(
    ctx.arches.map((a) => [
      a,
      new Set(syscalls.filter((s) => s.arches.includes(a)).map((s) => s.name)),
    ]),
  );
  const arches = filters.map((f): ArchCount => {
    const reported = planAllowed.get(f.arch) ?? new Set<string>();
    const skipped = new Set(f.skipped);
    const spec =
      skipped.size === 0
        ? plan.seccomp
        : { ...plan.seccomp, syscalls: plan.seccomp.syscalls.filter((r) => !skipped.has(r.name)) };
    const check = checkFilter(spec, f.arch, f.bpf, ctx.native, reported);
    const lost = new Set(leftOut.get(f.arch));
    return {
      arch: f.arch,
      allowed: reported.size,
      total: ctx.syscalls.get(f.arch)?.length ?? 0,
      absent: syscalls
        .filter((s) => !s.arches.includes(f.arch) && !lost.has(s.name))
        .map((s) => s.name)
        .sort(),
      leftOut: syscalls
        .filter((s) => lost.has(s.name))
        .map((s) => s.name)
        .sort(),
      checked: { cases: check.cases, instructions: check.instructions },
    };
  });
  const filesystem = filesystemSection(plan);
  const limits = limitsSection(plan);
  const spec = plan.seccomp;
  return {
    file,
    name: plan.name,
    score: scorePlan(plan, syscalls),
    counts: {
      syscalls: arches.map((a) => ({ arch: a.arch, allowed: a.allowed, total: a.total })),
      capabilities: plan.capabilities.keep.length,
      listen: plan.network.listen.length,
      connect: plan.network.connect.length,
      writablePaths: filesystem.writable.length,
      limits: 3 + (limits.cpu ? 1 : 0),
    },
    syscalls,
    seccomp: {
      defaultAction:
        spec.defaultAction.action === "errno"
          ? `errno ${spec.defaultAction.errno ?? "EPERM"}`
          : spec.defaultAction.action,
      badArchAction: spec.badArchAction,
      profiles: spec.profiles.map((p) => ({
        name: p.name,
        kind: profiles[p.name]?.kind ?? "building-block",
        description: profiles[p.name]?.description ?? "",
        reasons: p.reasons,
      })),
      refused: refusedSyscalls(spec),
      removed: spec.removed,
      arches,
    },
    baseline: ctx.baseline
      ? compareWithBaseline(
          ctx.baseline,
          planAllowed,
          ctx.syscalls,
          plan.capabilities.keep.map((k) => k.name),
        )
      : null,
    capabilities: capabilitiesSection(plan),
    filesystem,
    network: networkSection(plan),
    limits,
    process: processSection(plan),
    selinux: selinuxSection(plan),
    landlock: landlockSection(plan),
    lifecycle: lifecycleSection(plan),
    enforcement: enforcementSection(plan, ctx.host, arches[0]?.allowed ?? syscalls.length),
    notices: plan.notices,
  };
}

/** Plans and audits each app file; one document for all. */
export function auditApps(files: readonly string[], options: AuditOptions = {}): AuditReport {
  const host = options.host ?? hostFacts();
  const native = options.native ?? loadNative();
  const arches = [...new Set(options.architectures?.length ? options.architectures : [host.arch])];
  const ctx: Context = {
    host,
    arches,
    syscalls: new Map(arches.map((a) => [a, archSyscalls(native, a)])),
    baseline: options.baseline
      ? loadBaseline(options.baseline, arches, host.kernel, native)
      : undefined,
    native,
  };
  const apps = files.map((file) => {
    const { plan, profiles } = makePlan(loadApp(file), {
      host,
      config: options.config ?? {},
      ...(options.accounts ? { accounts: options.accounts } : {}),
      ...(options.profiles ? { profiles: options.profiles } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
      ...(options.check === false ? { check: false } : {}),
    });
    return auditPlan(file, plan, profiles, ctx);
  });
  return {
    apiVersion: "secure-run/v1",
    kind: "Audit",
    tool: { name: "secure-run", version: options.version ?? "unknown" },
    architectures: arches,
    host: {
      arch: host.arch,
      kernel: host.kernel,
      checks: options.checks ? options.checks.map((c) => ({ ...c })) : null,
    },
    baseline: ctx.baseline ? { label: ctx.baseline.label, file: ctx.baseline.file } : null,
    apps,
    comparison: apps.length > 1 ? compareApps(apps, arches) : null,
  };
}

/** Every syscall a plan allows: its group, risk and why, the reasons it is allowed, and the
 * argument conditions under which it is. */
import type { Plan, Reason, SeccompSpec, SyscallRule } from "../plan/types.js";
import type { Profiles, Risk } from "../profiles/load.js";
import { rulesFor } from "../seccomp/verdict.js";
import { allowConditions, verdictText } from "./conditions.js";
import { isDangerousSyscall } from "../policy/dangerous.js";
import type { AuditSyscall } from "./types.js";
import { byCodeUnits } from "../order.js";

const RISK_ORDER: Risk[] = ["low", "medium", "high"];

export function sameAsDefault(spec: SeccompSpec, r: SyscallRule): boolean {
  const d = spec.defaultAction;
  return (
    r.action === d.action && (r.action !== "errno" || (r.errno ?? "EPERM") === (d.errno ?? "EPERM"))
  );
}

/** Names with an allow rule, in the plan's order, once each. */
export function allowedNames(spec: SeccompSpec): string[] {
  return [
    ...new Set(
      spec.syscalls
        .filter((r) => r.action === "allow" && !sameAsDefault(spec, r))
        .map((r) => r.name),
    ),
  ];
}

function dedupe(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.kind}\0${r.ref}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const appAllowed = (r: Reason): boolean => r.kind === "field" && r.ref.startsWith("syscalls.allow");

/** The risk and why of one syscall: the profiles that name it say; an app's own syscall that no
 * profile knows is medium, or high when it is one of the dangerous ones. */
function riskOf(
  name: string,
  groups: string[],
  profiles: Profiles,
): Pick<AuditSyscall, "risk" | "why" | "riskSource"> {
  const named = groups.filter((g) => profiles[g]?.syscalls[name]);
  // An app's own syscall: whatever profile describes it, even one the app did not choose.
  const sources =
    named.length > 0
      ? named
      : Object.keys(profiles)
          .sort()
          .filter((p) => profiles[p]?.syscalls[name]);
  let best: { risk: Risk; why: string } | undefined;
  for (const p of sources) {
    const e = profiles[p]?.syscalls[name];
    if (e && (!best || RISK_ORDER.indexOf(e.risk) > RISK_ORDER.indexOf(best.risk)))
      best = { risk: e.risk, why: e.why };
  }
  if (isDangerousSyscall(name))
    return {
      risk: "high",
      why: `one of the dangerous syscalls (they reach past the sandbox)${best ? `; ${best.why}` : ""}`,
      riskSource: "dangerous",
    };
  if (best) return { ...best, riskSource: "profile" };
  return {
    risk: "medium",
    why: "allowed by the app itself; no profile describes it",
    riskSource: "unknown",
  };
}

/** The allowed syscalls, high risk first, then by name; `arches` maps each architecture to the
 * names it has. */
export function auditSyscalls(
  plan: Plan,
  profiles: Profiles,
  arches: ReadonlyMap<string, ReadonlySet<string>>,
): AuditSyscall[] {
  const spec = plan.seccomp;
  const out = allowedNames(spec).map((name): AuditSyscall => {
    const rules = rulesFor(spec, name);
    const effective = rules.filter((r) => !sameAsDefault(spec, r));
    const reasons = dedupe([
      ...effective.filter((r) => r.action === "allow").flatMap((r) => r.reasons),
      ...effective.filter((r) => r.action !== "allow").flatMap((r) => r.reasons),
    ]);
    const groups = [
      ...new Set(reasons.filter((r) => r.kind === "profile").map((r) => r.ref)),
      ...(reasons.some(appAllowed) ? ["app"] : []),
    ];
    return {
      name,
      group: groups[0] ?? "app",
      groups,
      ...riskOf(name, groups, profiles),
      reasons,
      ...allowConditions(spec, rules),
      arches: [...arches].filter(([, names]) => names.has(name)).map(([arch]) => arch),
    };
  });
  return out.sort(
    (a, b) =>
      RISK_ORDER.indexOf(b.risk) - RISK_ORDER.indexOf(a.risk) || byCodeUnits(a.name, b.name),
  );
}

/** Syscalls refused with something other than the default action (the dangerous ones: EPERM),
 * unconditionally, or for some arguments only when no allow rule covers them. */
export function refusedSyscalls(
  spec: SeccompSpec,
): { name: string; verdict: string; reasons: Reason[] }[] {
  const allowed = new Set(allowedNames(spec));
  const out = new Map<string, { name: string; verdict: string; reasons: Reason[] }>();
  for (const r of spec.syscalls) {
    if (r.action === "allow" || sameAsDefault(spec, r) || allowed.has(r.name)) continue;
    if (!out.has(r.name))
      out.set(r.name, { name: r.name, verdict: verdictText(r), reasons: r.reasons });
  }
  return [...out.values()].sort((a, b) => byCodeUnits(a.name, b.name));
}

/** What the renderers share: reasons, sizes, counts and the groups × risk table. */
import { formatSize } from "../../documents/units.js";
import type { Reason } from "../../plan/types.js";
import type { Risk } from "../../profiles/load.js";
import type { AppAudit, AuditReport } from "../types.js";
import { byCodeUnits } from "../../order.js";

export const RISKS: Risk[] = ["high", "medium", "low"];

export function reasonText(r: Reason): string {
  if (r.kind === "profile") return `profile ${r.ref}`;
  if (r.kind === "field") return r.ref;
  if (r.kind === "image") return `${r.ref} from the image`;
  return `rule ${r.ref}`;
}

export function reasonsText(rs: readonly Reason[]): string {
  return rs.map(reasonText).join(", ");
}

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n} ${n === 1 ? one : many}`;

export const size = formatSize;

/** "+0.5", "0" */
export const points = (p: number): string => (p > 0 ? `+${p}` : "0");

export function syscallCounts(app: AppAudit): string {
  return app.counts.syscalls.map((c) => `${c.arch} ${c.allowed}/${c.total}`).join(", ");
}

export function riskCounts(app: AppAudit): Record<Risk, number> {
  const out: Record<Risk, number> = { high: 0, medium: 0, low: 0 };
  for (const s of app.syscalls) out[s.risk]++;
  return out;
}

/** Allowed syscalls by group (the profile each comes from) and risk, groups by size. */
export function groupRisk(app: AppAudit): { group: string; counts: Record<Risk, number> }[] {
  const map = new Map<string, Record<Risk, number>>();
  for (const s of app.syscalls) {
    const c = map.get(s.group) ?? { high: 0, medium: 0, low: 0 };
    c[s.risk]++;
    map.set(s.group, c);
  }
  const total = (c: Record<Risk, number>): number => c.high + c.medium + c.low;
  return [...map]
    .map(([group, counts]) => ({ group, counts }))
    .sort((a, b) => total(b.counts) - total(a.counts) || byCodeUnits(a.group, b.group));
}

export function limitsText(app: AppAudit): string {
  const l = app.limits;
  return [
    `memory ${size(l.memory.max)}`,
    `swap ${l.swap.max === 0 ? "none" : size(l.swap.max)}`,
    l.cpu ? `cpu ${l.cpu.cores} cores` : "cpu unlimited",
    `pids ${l.pids.max}`,
  ].join(", ");
}

export function portsText(ports: readonly { port: number; protocol: string }[]): string {
  return ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none";
}

export function baselineLine(report: AuditReport): string {
  return report.baseline
    ? `compared with ${report.baseline.label} (read for Docker's default capabilities)`
    : "no baseline given: compared with nothing (--baseline FILE takes a Docker/OCI seccomp profile)";
}

export function userNamespaceText(app: AppAudit): string {
  const u = app.process.userNamespace;
  const m = u?.uidMap[0];
  return m
    ? `uid ${m.inside}-${m.inside + m.count - 1} inside are ${m.outside}-${m.outside + m.count - 1} outside`
    : "none: ids inside are the host's ids";
}

/** Where writes go and how long they stay, one clause per place. */
export function persistenceLine(ps: AppAudit["filesystem"]["persistence"]): string {
  return ps
    .map((p) =>
      p.kind === "layer"
        ? `${p.path} in the writable layer until the instance is removed`
        : p.kind === "volume"
          ? `${p.path} on the host (${p.source ?? ""}), kept also after the instance is removed`
          : `${p.path} in memory, lost at every stop`,
    )
    .join("; ");
}

/**
 * The exposure score: 0 (nothing left open) to 10 (most exposed). It is a sum of points for what
 * the sandbox leaves open, capped at 10 and rounded to one decimal. Every factor is listed in the
 * report with its points, also when it adds none. The rules (SCORE_RULES, also printed in every
 * report as the score's method):
 *
 *   host network                 +2    (a private network on a host bridge: +0.5; loopback only: 0)
 *   ports on the host network    +0.5 per listen port (at most 1), +0.25 per connect port (at most
 *                                0.5); in a private network namespace they reach loopback only: 0
 *   capabilities kept            +2 per dangerous one (policies/lib/lib.rego), +0.5 per other
 *   high-risk syscalls           +1 each, at most 3
 *   medium-risk syscalls         +0.05 each, at most 1.5
 *   writable host paths          +1.5 each (bind mounts with readOnly: false), at most 3
 *   writable root                +1 (a writable layer: the app may change its own /etc, /var… and
 *                                keep the changes; nothing written there can be executed)
 *   missing limits               +0.5 per limit the plan does not set (cpu)
 *   limits not enforced here     +0.5 per limit (memory, swap, cpu, pids) this host cannot enforce
 *   no user namespace            +1.5 (planned without one, or not enforced on this host)
 *   root inside                  +0.5 with a user namespace, +1.5 without one
 *   Landlock not enforced here   +1 for the filesystem rules, +0.5 for the TCP rules
 *   SELinux not enforced here    +0.5
 */
import type { Plan } from "../plan/types.js";
import { isDangerousCapability } from "../policy/dangerous.js";
import type { AuditSyscall, Score, ScoreFactor } from "./types.js";

export const SCORE_RULES: { id: string; label: string; rule: string }[] = [
  { id: "network.host", label: "host network", rule: "+2 on the host's network" },
  {
    id: "network.ports",
    label: "ports",
    rule: "on the host's network, +0.5 per listen port (at most 1) and +0.25 per connect port (at most 0.5)",
  },
  {
    id: "capabilities",
    label: "capabilities kept",
    rule: "+2 per dangerous capability kept, +0.5 per other",
  },
  { id: "syscalls.high", label: "high-risk syscalls", rule: "+1 each, at most 3" },
  { id: "syscalls.medium", label: "medium-risk syscalls", rule: "+0.05 each, at most 1.5" },
  {
    id: "filesystem.writable-host",
    label: "writable host paths",
    rule: "+1.5 per host path mounted writable, at most 3",
  },
  {
    id: "filesystem.writable-root",
    label: "writable root",
    rule: "+1 for a writable root (a layer the instance keeps until it is removed; never executable)",
  },
  { id: "limits.missing", label: "missing limits", rule: "+0.5 per limit not set (cpu)" },
  {
    id: "limits.not-enforced",
    label: "limits not enforced here",
    rule: "+0.5 per limit (memory, swap, cpu, pids) this host cannot enforce",
  },
  {
    id: "user-namespace",
    label: "no user namespace",
    rule: "+1.5 without a user namespace (planned so, or not enforced on this host)",
  },
  {
    id: "user.root",
    label: "root inside",
    rule: "+0.5 for uid 0 inside with a user namespace, +1.5 without",
  },
  {
    id: "landlock",
    label: "Landlock not enforced here",
    rule: "+1 when the filesystem rules are not enforced, +0.5 when the TCP rules are not",
  },
  { id: "selinux", label: "SELinux not enforced here", rule: "+0.5 when SELinux does not enforce" },
];

export const SCORE_METHOD: string[] = [
  "The exposure score adds points for what the sandbox leaves open: 0 is the least exposed, 10 the most (the sum is capped at 10 and rounded to one decimal).",
  ...SCORE_RULES.map((r) => `${r.label}: ${r.rule}.`),
];

const label = (id: string): string => SCORE_RULES.find((r) => r.id === id)?.label ?? id;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function enforced(plan: Plan, part: Plan["enforcement"][number]["part"]): boolean | undefined {
  return plan.enforcement.find((e) => e.part === part)?.enforced;
}

export function scorePlan(plan: Plan, syscalls: readonly AuditSyscall[]): Score {
  const factors: ScoreFactor[] = [];
  const add = (id: string, points: number, detail: string): void => {
    factors.push({ id, label: label(id), points: Math.round(points * 100) / 100, detail });
  };
  const host = plan.network.mode === "host";
  const bridged = plan.network.mode === "private";
  add(
    "network.host",
    host ? 2 : bridged ? 0.5 : 0,
    host
      ? "the app uses the host's network"
      : bridged
        ? "a private network on a host bridge: egress only to its connect list"
        : "a private network namespace, loopback only",
  );
  const listen = plan.network.listen.length;
  const connect = plan.network.connect.length;
  // A private network's ports reach the host's networks only where published on all addresses.
  const everywhere = (plan.network.publish ?? []).filter((p) => p.hostIp === "0.0.0.0").length;
  add(
    "network.ports",
    host
      ? Math.min(1, listen * 0.5) + Math.min(0.5, connect * 0.25)
      : bridged
        ? Math.min(0.5, everywhere * 0.25)
        : 0,
    host
      ? `${plural(listen, "listen port")}, ${plural(connect, "connect port")} on the host's network`
      : bridged
        ? `${plural(plan.network.publish?.length ?? 0, "published port")} (${everywhere} on every address of the host), ${plural(connect, "connect port")}`
        : listen + connect > 0
          ? `${plural(listen + connect, "port")}, on loopback only`
          : "no ports",
  );
  const keep = plan.capabilities.keep.map((k) => k.name);
  const dangerous = keep.filter(isDangerousCapability);
  add(
    "capabilities",
    dangerous.length * 2 + (keep.length - dangerous.length) * 0.5,
    keep.length === 0
      ? "none kept"
      : `${keep.join(", ")}${dangerous.length > 0 ? ` (dangerous: ${dangerous.join(", ")})` : ""}`,
  );
  const high = syscalls.filter((s) => s.risk === "high").map((s) => s.name);
  const medium = syscalls.filter((s) => s.risk === "medium").length;
  add("syscalls.high", Math.min(3, high.length), high.length ? high.join(", ") : "none");
  add("syscalls.medium", Math.min(1.5, medium * 0.05), plural(medium, "medium-risk syscall"));
  const writableHost = plan.filesystem.mounts.filter((m) => m.type === "bind" && !m.readOnly);
  add(
    "filesystem.writable-host",
    Math.min(3, writableHost.length * 1.5),
    writableHost.length
      ? writableHost.map((m) => `${m.source ?? "?"} → ${m.target}`).join(", ")
      : "no host path is writable",
  );
  const layer = plan.filesystem.writableLayer;
  add(
    "filesystem.writable-root",
    layer ? 1 : 0,
    layer
      ? `the root is writable: the app may change its ${layer.lower ? "rootfs" : "view"}'s files and keep the changes until the instance is removed (nothing written there runs)`
      : "the root is read-only",
  );
  add(
    "limits.missing",
    plan.cgroup.cpu ? 0 : 0.5,
    plan.cgroup.cpu ? "memory, swap, cpu and pids are limited" : "cpu is unlimited",
  );
  const unenforced = (["memory", "swap", "cpu", "pids"] as const).filter(
    (p) => enforced(plan, p) === false,
  );
  add(
    "limits.not-enforced",
    unenforced.length * 0.5,
    unenforced.length
      ? `not enforced here: ${unenforced.join(", ")}`
      : "every planned limit is enforced",
  );
  const userns = plan.userNamespace !== null && enforced(plan, "user-namespace") !== false;
  add(
    "user-namespace",
    userns ? 0 : 1.5,
    userns
      ? "root inside is an unprivileged user outside"
      : plan.userNamespace
        ? "planned, but not enforced on this host"
        : "the plan has no user namespace",
  );
  const root = plan.process.user.uid === 0;
  add(
    "user.root",
    root ? (userns ? 0.5 : 1.5) : 0,
    root
      ? `uid 0 inside${userns ? " (unprivileged outside)" : ", with no user namespace"}`
      : `uid ${plan.process.user.uid}`,
  );
  const llFs = enforced(plan, "landlock-fs") === false;
  const llNet = enforced(plan, "landlock-net") === false;
  add(
    "landlock",
    (llFs ? 1 : 0) + (llNet ? 0.5 : 0),
    llFs || llNet
      ? `not enforced here: ${[llFs ? "filesystem rules" : "", llNet ? "TCP rules" : ""].filter(Boolean).join(", ")}`
      : "enforced",
  );
  const se = plan.selinux.enforced && enforced(plan, "selinux") !== false;
  add("selinux", se ? 0 : 0.5, se ? "enforced" : "not enforced on this host");
  const hundredths = factors.reduce((sum, f) => sum + Math.round(f.points * 100), 0);
  return {
    value: Math.min(100, Math.round(hundredths / 10)) / 10,
    max: 10,
    method: SCORE_METHOD,
    factors,
  };
}

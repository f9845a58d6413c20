/** What every export format shares: the result's shape, names of architectures and capabilities,
 * and facts about the plan (which mounts are there, the SELinux placeholder, Landlock in words).
 * The library writes nothing and prints nothing: an export is a list of entries and notes. */
import { existsSync, statSync } from "node:fs";
import { posix } from "node:path";
import { InputError } from "../errors.js";
import { ARCHITECTURES } from "../seccomp/arches.js";
import { checkArchitectureNames } from "../seccomp/arch-names.js";
import type { Mount, Plan } from "../plan/types.js";

import type { ExportFormat } from "./formats.js";
export { EXPORT_FORMATS, type ExportFormat } from "./formats.js";

/** A file, directory or symbolic link of the export, its path relative to the output path. */
export type ExportEntry =
  | { kind: "file"; path: string; content: string; mode?: number }
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "symlink"; path: string; target: string };

export interface ExportResult {
  format: ExportFormat;
  /** "dir": entries are relative to an output directory; "file": one entry, path "". */
  layout: "dir" | "file";
  entries: ExportEntry[];
  /** What the target cannot express, or expresses differently from `secure-run run`. */
  notes: string[];
  /** Commands to run the export (docker-seccomp: docker run and podman run). */
  commands: string[];
}

export interface ExportOptions {
  /** Architectures of the exported seccomp profiles (libseccomp names: x86_64, aarch64, x86,
   * arm); default: the plan's. */
  architectures?: string[];
  /** k8s: a Deployment with this many replicas instead of a Pod. */
  replicas?: number;
  /** Where the export will be written, as the commands it suggests should name it. */
  outputPath?: string;
  /** Whether a host path exists and is a directory; default: this host's file system. */
  stat?: (path: string) => "dir" | "file" | undefined;
}

/** libseccomp's architecture names → the SCMP_ARCH_… names of OCI and Docker profiles. */
export const SCMP_ARCH: Record<string, string | undefined> = Object.fromEntries(
  ARCHITECTURES.map((a) => [a.name, a.scmp]),
);

export function checkArchitectures(archs: string[]): string[] {
  return checkArchitectureNames(
    archs,
    Object.keys(SCMP_ARCH).filter((a) => SCMP_ARCH[a] !== undefined),
  );
}

export function exportArchitectures(plan: Plan, options: ExportOptions): string[] {
  const given = options.architectures ?? [];
  return checkArchitectures(given.length > 0 ? given : plan.seccomp.architectures);
}

export const capName = (c: string): string => `CAP_${c.toUpperCase().replace(/^CAP_/, "")}`;

export function defaultStat(path: string): "dir" | "file" | undefined {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return existsSync(path) ? "file" : undefined;
  }
}

/** A bind whose source is not there: optional ones are left out (with a note), others are an
 * error, as `run` would fail on them. */
export interface ResolvedBind {
  mount: Mount & { source: string };
  kind: "dir" | "file";
}

export function resolveBinds(
  plan: Plan,
  options: ExportOptions,
  notes: string[],
): Map<Mount, ResolvedBind> {
  const stat = options.stat ?? defaultStat;
  const out = new Map<Mount, ResolvedBind>();
  const missing: string[] = [];
  const problems: string[] = [];
  for (const m of plan.filesystem.mounts) {
    if (m.type !== "bind" || m.source === undefined) continue;
    // A private network's resolv.conf is secure-run's own, written by each launch for its
    // network (src/network/resolv.ts): the engine gives the app its own.
    if (plan.network.mode === "private" && m.target === "/etc/resolv.conf") {
      notes.push(
        "/etc/resolv.conf: left to the engine (secure-run writes its own for each launch)",
      );
      continue;
    }
    const kind = stat(m.source);
    if (kind) out.set(m, { mount: { ...m, source: m.source }, kind });
    else if (m.optional) missing.push(m.source);
    else problems.push(m.source);
  }
  if (problems.length > 0)
    throw new InputError(
      problems.map((p) => ({
        file: p,
        path: "",
        message: "a bind source of the plan does not exist on this host",
        hint: "export on the host the app will run on, or create the path",
      })),
    );
  if (missing.length > 0)
    notes.push(`left out, not present on this host (optional in the plan): ${missing.join(", ")}`);
  return out;
}

/** A symbolic link of the plan (e.g. /bin → usr/bin) as an absolute path. */
export function linkTarget(m: Mount): string {
  const to = m.linkTo ?? "";
  return to.startsWith("/") ? posix.normalize(to) : posix.join(posix.dirname(m.target), to);
}

/** Two MCS categories derived from the name: a placeholder, since the plan allocates a pair per
 * instance at launch and an export cannot. */
export function placeholderCategories(name: string): string {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619) >>> 0;
  const a = h % 1024;
  let b = (h >>> 10) % 1024;
  if (b === a) b = (a + 1) % 1024;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return `c${lo},c${hi}`;
}

export function selinuxLevel(plan: Plan): string {
  return `${plan.selinux.level}:${placeholderCategories(plan.name)}`;
}

export function selinuxNote(plan: Plan, where: string): string {
  return (
    `SELinux: ${where} uses ${plan.selinux.processType} (files ${plan.selinux.fileType}) at level ` +
    `${selinuxLevel(plan)}; the categories are a placeholder derived from the name — the plan ` +
    `allocates ${plan.selinux.categories.count} categories per instance at launch, never shared on a host: ` +
    `give every running copy its own pair (or leave the level to the runtime, which allocates one)` +
    (plan.selinux.enforced ? "" : "; SELinux does not enforce on the host the plan was made on")
  );
}

/** The Landlock rules in one line each, for notes and annotations. */
export function landlockSummary(plan: Plan): { fs: string; tcpBind: string; tcpConnect: string } {
  const letters: Record<string, string> = { read: "r", write: "w", execute: "x" };
  return {
    fs: plan.landlock.fs
      .map((r) => `${r.path}=${r.access.map((a) => letters[a] ?? a).join("")}`)
      .join(" "),
    tcpBind: plan.landlock.tcpBind.map((b) => b.port).join(",") || "none",
    tcpConnect: plan.landlock.tcpConnect.map((b) => b.port).join(",") || "none",
  };
}

/** substitute: what stands in for Landlock's execute rule in the target, if anything. */
export function landlockNote(plan: Plan, target: string, substitute?: string): string {
  const l = landlockSummary(plan);
  return (
    `Landlock is not enforced by ${target}: the plan reads the view and writes/executes only where it says ` +
    `(${l.fs}); TCP bind ${l.tcpBind}, connect ${l.tcpConnect}. ` +
    (substitute ??
      `Writable mounts are made noexec instead, which keeps "a program copied to a writable place cannot be run" ` +
        `(noexec also refuses executable mappings of files there, which Landlock does not)`)
  );
}

export const isRootfsMount = (m: Mount): boolean => m.reasons.some((r) => r.ref === "root.rootfs");

export function isRootfsPlan(plan: Plan): boolean {
  return plan.filesystem.mounts.some(isRootfsMount);
}

/** The rootfs directory of a rootfs plan (the common parent of its rootfs binds). */
export function rootfsDir(plan: Plan): string | undefined {
  const sources = plan.filesystem.mounts
    .filter((m) => m.type === "bind" && isRootfsMount(m))
    .map((m) => posix.dirname(m.source ?? ""));
  return sources[0];
}

/** A JSON file's text: two-space indented, a final newline. */
export const jsonText = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** The limits as people write them. */
export function bytesText(n: number): string {
  for (const [unit, size] of [
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

export function cpuCores(plan: Plan): number | undefined {
  const c = plan.cgroup.cpu;
  return c ? c.quota / c.period : undefined;
}

/** The audit for a terminal; colour comes from the style the caller gives (none by default). */
import type { AppAudit, AuditReport, Enforcement } from "../types.js";
import {
  baselineLine,
  limitsText,
  persistenceLine,
  plural,
  points,
  portsText,
  reasonsText,
  riskCounts,
  size,
  syscallCounts,
  userNamespaceText,
} from "./common.js";

export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

const identity = (s: string): string => s;
export const plainStyle: TextStyle = {
  bold: identity,
  dim: identity,
  red: identity,
  yellow: identity,
  green: identity,
};

const INDENT = " ".repeat(16);

function wrap(items: readonly string[], indent = INDENT, width = 100): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line && line.length + item.length + 2 > width - indent.length) {
      lines.push(`${indent}${line},`);
      line = item;
    } else line = line ? `${line}, ${item}` : item;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function gauge(value: number): string {
  const filled = Math.round(value);
  return `${"■".repeat(filled)}${"□".repeat(10 - filled)}`;
}

function enforcedText(e: Enforcement, s: TextStyle): string {
  if (e.enforced) return s.green(`enforced (${e.detail})`);
  return s.red(
    `NOT enforced on this host (${e.detail})${e.bestEffort ? "; accepted as best-effort" : ""}`,
  );
}

function appText(app: AppAudit, report: AuditReport, s: TextStyle): string[] {
  const out: string[] = [];
  const row = (label: string, value: string): void => {
    out.push(`  ${s.bold(label.padEnd(14))}${value}`);
  };
  const more = (text: string): void => {
    out.push(`${INDENT}${text}`);
  };
  out.push(`${s.bold(`Audit of ${app.name}`)} ${s.dim(`(${app.file})`)}`);
  const colour = (t: string): string =>
    app.score.value >= 6 ? s.red(t) : app.score.value >= 3 ? s.yellow(t) : s.green(t);
  row(
    "exposure",
    `${colour(`${app.score.value} / 10`)}  ${colour(gauge(app.score.value))}  ${s.dim("(10 = most exposed)")}`,
  );
  for (const f of app.score.factors.filter((f) => f.points > 0))
    more(`${points(f.points).padEnd(6)} ${f.label}: ${f.detail}`);
  const clean = app.score.factors.filter((f) => f.points === 0).map((f) => f.label);
  if (clean.length > 0) more(s.dim(`nothing added for: ${clean.join(", ")}`));
  const r = riskCounts(app);
  row(
    "syscalls",
    `${syscallCounts(app)} allowed (${r.high} high-risk, ${r.medium} medium, ${r.low} low)`,
  );
  row("capabilities", `${app.counts.capabilities} kept`);
  row(
    "ports",
    `listen ${portsText(app.network.listen)}; connect ${portsText(app.network.connect)}`,
  );
  row(
    "writable",
    `${plural(app.counts.writablePaths, "path")}: ${app.filesystem.writable.map((w) => w.path).join(", ") || "none"}`,
  );
  row("limits", `${app.counts.limits} of 4: ${limitsText(app)}`);

  if (app.baseline) {
    const b = app.baseline;
    row("baseline", `${b.label} (Docker's default capabilities)`);
    for (const a of b.arches) {
      more(
        `${a.arch}: the baseline allows ${a.baselineAllowed}, this plan ${a.planAllowed}, both ${a.both}`,
      );
      out.push(
        ...wrap(
          [`only the baseline (${a.onlyBaseline.length}):`, ...a.onlyBaseline],
          `${INDENT}  `,
        ).map((l) => l.replace(":,", ":")),
      );
      out.push(
        ...wrap(
          [
            `only this plan (${a.onlyPlan.length}):`,
            ...(a.onlyPlan.length ? a.onlyPlan : ["none"]),
          ],
          `${INDENT}  `,
        ).map((l) => l.replace(":,", ":")),
      );
    }
    more(
      `capabilities: the baseline keeps ${b.capabilities.baseline.length}, this plan ${app.counts.capabilities}${b.capabilities.onlyPlan.length ? `; only this plan: ${b.capabilities.onlyPlan.join(", ")}` : ""}`,
    );
    for (const n of b.notes) more(s.dim(`note: ${n}`));
  } else row("baseline", baselineLine(report));

  out.push("", s.bold(`  Syscalls allowed (${syscallCounts(app)}), high risk first`));
  more(
    s.dim(
      `checked against the compiled filters: ${app.seccomp.arches.map((a) => `${a.arch} ${a.checked.cases} cases, ${a.checked.instructions} instructions`).join("; ")}`,
    ),
  );
  for (const sc of app.syscalls) {
    const risk =
      sc.risk === "high"
        ? s.red("high  ")
        : sc.risk === "medium"
          ? s.yellow("medium")
          : s.dim("low   ");
    const arches =
      sc.arches.length < report.architectures.length
        ? s.dim(` [${sc.arches.join(", ") || "no audited arch"}]`)
        : "";
    out.push(`    ${risk}  ${sc.name.padEnd(20)} ${sc.group.padEnd(12)} ${sc.why}${arches}`);
    if (sc.condition) out.push(`${" ".repeat(46)}only when ${sc.condition}`);
    const [only] = sc.reasons;
    const obvious = sc.reasons.length === 1 && only?.kind === "profile" && only.ref === sc.group;
    if (!obvious) out.push(`${" ".repeat(46)}${s.dim(`because: ${reasonsText(sc.reasons)}`)}`);
  }
  for (const a of app.seccomp.arches) {
    if (a.absent.length > 0) more(s.dim(`not on ${a.arch}: ${a.absent.join(", ")}`));
    if (a.leftOut.length > 0)
      more(
        s.yellow(
          `left out of the ${a.arch} filter by libseccomp, so refused there with the default action: ${a.leftOut.join(", ")}`,
        ),
      );
  }
  const sc = app.seccomp;
  more(`any other syscall: ${sc.defaultAction}; another ABI: ${sc.badArchAction}`);
  if (sc.refused.length > 0)
    out.push(
      ...wrap([
        `refused with ${sc.refused[0]?.verdict ?? ""} (${sc.refused.length}):`,
        ...sc.refused.map((x) => x.name),
      ]).map((l) => l.replace(":,", ":")),
    );
  if (sc.removed.length > 0)
    more(`removed: ${sc.removed.map((x) => `${x.name} (${reasonsText(x.reasons)})`).join(", ")}`);
  more(
    `profiles: ${sc.profiles.map((p) => `${p.name} ${s.dim(`(${reasonsText(p.reasons)})`)}`).join(", ")}`,
  );

  out.push("");
  const c = app.capabilities;
  row(
    "capabilities",
    c.keep.length === 0
      ? `none kept; all ${c.dropped.length} dropped from every set`
      : `keep ${c.keep.map((k) => `${k.dangerous ? s.red(k.name) : k.name} ${s.dim(`(${reasonsText(k.reasons)})`)}`).join(", ")}; the ${c.dropped.length} others dropped`,
  );
  for (const x of c.refused) more(s.red(`not kept: ${x.name} (${x.why})`));
  const fs = app.filesystem;
  row(
    "filesystem",
    fs.readOnlyRoot
      ? "a new, read-only root:"
      : fs.writableLayer
        ? `a new root, writable through a layer of its own (noexec) over ${fs.writableLayer.lower ?? "an empty directory"}:`
        : "a new root:",
  );
  for (const m of fs.root) more(`  ${m.target.padEnd(22)} ${m.what}`);
  more(
    `writable: ${fs.writable.map((w) => (w.kind === "host" ? s.yellow(`${w.path} (host ${w.source ?? ""})`) : w.kind === "layer" ? s.yellow(`${w.path} (writable layer)`) : `${w.path} (private)`)).join(", ") || "nothing"}`,
  );
  more(
    `persists: ${persistenceLine(fs.persistence) || "nothing (read-only root, no volume, no tmpfs)"}`,
  );
  out.push(...wrap(["masked:", ...fs.masked]).map((l) => l.replace("masked:,", "masked:")));
  out.push(
    ...wrap(["read-only:", ...fs.readOnly]).map((l) => l.replace("read-only:,", "read-only:")),
  );
  const n = app.network;
  row("network", `${n.mode}: ${n.description}`);
  more(`listen ${portsText(n.listen)}; connect ${portsText(n.connect)}`);
  more(
    `Landlock TCP: bind ${n.landlock.bind.join(", ") || "none"}; connect ${n.landlock.connect.join(", ") || "none"}`,
  );
  if (n.sysctls.length > 0)
    more(`sysctls: ${n.sysctls.map((x) => `${x.name}=${x.value}`).join(", ")}`);
  const l = app.limits;
  row(
    "limits",
    `memory ${size(l.memory.max)} ${s.dim(`(${reasonsText(l.memory.reasons)})`)}, swap ${l.swap.max === 0 ? "none" : size(l.swap.max)}, ${l.cpu ? `cpu ${l.cpu.cores} cores ${s.dim(`(${reasonsText(l.cpu.reasons)})`)}` : s.yellow("cpu unlimited")}, pids ${l.pids.max} ${s.dim(`(${reasonsText(l.pids.reasons)})`)}${l.oomGroup ? "; out of memory ends the whole app" : ""}`,
  );
  row(
    "user",
    `uid ${app.process.uid}, gid ${app.process.gid}; user namespace: ${userNamespaceText(app)}`,
  );
  row("namespaces", app.process.namespaces.join(", "));
  row("selinux", app.selinux.enforced ? app.selinux.statement : s.yellow(app.selinux.statement));
  row(
    "landlock",
    `write: ${app.landlock.write.join(", ") || "nowhere"}; execute: ${app.landlock.execute.join(", ") || "nothing"}`,
  );
  row(
    "lifecycle",
    `restart ${app.lifecycle.restart}${app.lifecycle.restart !== "no" ? ` (${app.lifecycle.maxRetries < 0 ? "no limit" : `at most ${app.lifecycle.maxRetries}`})` : ""}, ${plural(app.lifecycle.instances, "instance")}`,
  );
  out.push("", s.bold(`  This host (${report.host.arch}, kernel ${report.host.kernel}) enforces`));
  for (const e of app.enforcement)
    out.push(
      `    ${e.layer.padEnd(20)} ${e.planned}`,
      `    ${"".padEnd(20)} ${enforcedText(e, s)}`,
    );
  for (const x of app.notices) more(s.yellow(`notice: ${x}`));
  return out;
}

function comparisonText(report: AuditReport, s: TextStyle): string[] {
  const cmp = report.comparison;
  if (!cmp) return [];
  const out = ["", s.bold("Side by side")];
  const header = [
    "app",
    ...report.architectures.map((a) => `syscalls ${a}`),
    "caps",
    "listen",
    "connect",
    "writable",
    "score",
  ];
  const rows = cmp.rows.map((r) => [
    r.name,
    ...r.syscalls.map((c) => `${c.allowed}/${c.total}`),
    String(r.capabilities),
    r.listen.join(",") || "-",
    r.connect.join(",") || "-",
    String(r.writablePaths),
    String(r.score),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`;
  out.push(s.dim(line(header)), ...rows.map(line));
  for (const d of cmp.differences) {
    out.push("", `  syscalls not allowed by every app on ${d.arch} (${d.syscalls.length}):`);
    for (const x of d.syscalls) out.push(`    ${x.name.padEnd(22)} ${x.allowedBy.join(", ")}`);
  }
  return out;
}

export function renderAuditText(report: AuditReport, s: TextStyle = plainStyle): string {
  const out: string[] = [];
  report.apps.forEach((app, i) => {
    if (i > 0) out.push("");
    out.push(...appText(app, report, s));
  });
  out.push(...comparisonText(report, s));
  const checks = report.host.checks;
  if (checks) {
    out.push("", s.bold("  This host (secure-run doctor)"));
    for (const c of checks)
      out.push(`    ${c.ok ? s.green("ok ") : s.red("no ")} ${c.name.padEnd(28)} ${c.detail}`);
  }
  out.push("", s.bold("  How the exposure score is computed"));
  for (const m of report.apps[0]?.score.method ?? []) out.push(`    ${m}`);
  return `${out.join("\n")}\n`;
}

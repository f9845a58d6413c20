/** A diff as documents: JSON, SARIF 2.1.0 (a result per added permission, located in the new
 * app file) and Markdown (a pull-request comment, its verdict line first). Text for terminals is
 * the CLI's. */
import { relative } from "node:path";
import type { Reason } from "../plan/types.js";
import { cell, sarifLog, type RuleInfo, type SarifResult } from "../review/report.js";
import type { DiffItem, LimitChange, PlanDiff } from "./compare.js";
import type { AppDiff, DiffReport } from "./diff.js";
import type { FailOn } from "../config/fail-on.js";

export function reasonText(r: Reason): string {
  const what =
    r.kind === "profile" ? `profile ${r.ref}` : r.kind === "rule" ? `rule ${r.ref}` : r.ref;
  return r.why ? `${what} (${r.why})` : what;
}

export const reasonsText = (rs: readonly Reason[]): string => rs.map(reasonText).join("; ");

export function diffJson(report: DiffReport, version: string): object {
  return {
    apiVersion: "secure-run/v1",
    kind: "Diff",
    tool: { name: "secure-run", version },
    base: report.base,
    failOn: report.failOn,
    results: report.apps,
  };
}

/** The kinds of added permission, each a SARIF rule, and the --fail-on thresholds it meets. */
export const DIFF_RULES: (RuleInfo & { failOn: FailOn[] })[] = [
  {
    id: "diff.added-syscall",
    level: "warn",
    title: "Syscall added",
    description: "The change lets the app make a syscall its plan refused before",
    failOn: ["added-syscall", "added-any"],
  },
  {
    id: "diff.added-capability",
    level: "warn",
    title: "Capability added",
    description: "The change lets the app keep a capability it did not keep before",
    failOn: ["added-capability", "added-any"],
  },
  {
    id: "diff.added-path",
    level: "warn",
    title: "Writable or executable path added",
    description: "The change lets the app write or execute below a path it could not before",
    failOn: ["added-path", "added-any"],
  },
  {
    id: "diff.added-port",
    level: "warn",
    title: "Port added",
    description: "The change lets the app bind, publish or connect to a port it could not before",
    failOn: ["added-port", "added-any"],
  },
  {
    id: "diff.raised-limit",
    level: "warn",
    title: "Limit raised",
    description: "The change raises a memory, swap, cpu or pids limit",
    failOn: ["raised-limit", "added-any"],
  },
  {
    id: "diff.less-isolation",
    level: "warn",
    title: "Less isolation",
    description: "The change gives up a namespace, moves to the host's network or runs as root",
    failOn: ["less-isolation", "added-any"],
  },
];

interface Added {
  rule: string;
  high: boolean;
  message: string;
  path: string;
  line?: number;
  column?: number;
}

/** Every added permission of one app, as one finding each. */
export function addedFindings(d: PlanDiff): Added[] {
  const out: Added[] = [];
  const from = (x: DiffItem | LimitChange): string =>
    x.reasons.length > 0 ? ` (${reasonsText(x.reasons)})` : "";
  const push = (rule: string, x: DiffItem, message: string): void => {
    out.push({
      rule,
      high: x.risk === "high",
      message,
      path: x.path,
      ...(x.line !== undefined ? { line: x.line, column: x.column } : {}),
    });
  };
  for (const s of d.syscalls.added)
    push(
      "diff.added-syscall",
      s,
      `adds syscall ${s.name}, ${s.risk ?? "?"} risk: ${s.why ?? ""}${from(s)}`,
    );
  for (const c of d.capabilities.added)
    push(
      "diff.added-capability",
      c,
      `adds capability ${c.name}${c.why ? `, ${c.why}` : ""}${from(c)}`,
    );
  for (const p of d.writable.added) push("diff.added-path", p, `may write ${p.name}${from(p)}`);
  for (const p of d.executable.added) push("diff.added-path", p, `may execute ${p.name}${from(p)}`);
  for (const p of d.ports.bind.added) push("diff.added-port", p, `binds ${p.name}${from(p)}`);
  for (const p of d.ports.published.added)
    push("diff.added-port", p, `publishes ${p.name} on the host's network${from(p)}`);
  for (const p of d.ports.connect.added)
    push("diff.added-port", p, `connects to ${p.name}${from(p)}`);
  for (const l of d.limits.filter((x) => x.change === "raised"))
    out.push({
      rule: "diff.raised-limit",
      high: false,
      message: `raises ${l.limit} ${l.beforeText} → ${l.afterText}${from(l)}`,
      path: l.path,
      ...(l.line !== undefined ? { line: l.line, column: l.column } : {}),
    });
  for (const n of d.namespaces.removed)
    out.push({
      rule: "diff.less-isolation",
      high: true,
      message: `gives up the ${n} namespace`,
      path: "",
    });
  const where = (x: { line?: number; column?: number }) =>
    x.line !== undefined ? { line: x.line, column: x.column } : {};
  if (d.network?.after === "host")
    out.push({
      rule: "diff.less-isolation",
      high: true,
      message: "moves to the host's network",
      path: "network.mode",
      ...where(d.network),
    });
  if (d.user?.after.uid === 0)
    out.push({
      rule: "diff.less-isolation",
      high: true,
      message: `runs as root (uid ${d.user.before.uid} → 0)`,
      path: "user",
      ...where(d.user),
    });
  return out;
}

export function diffSarif(report: DiffReport, version: string, baseDir: string): object {
  const results = report.apps.flatMap((app) =>
    app.diff
      ? addedFindings(app.diff).map((f): SarifResult => {
          const rule = DIFF_RULES.find((r) => r.id === f.rule);
          const failing =
            rule?.failOn.some((t) => app.reached.includes(t)) ||
            (f.high && app.reached.includes("added-high-risk"));
          return {
            ruleId: f.rule,
            level: failing ? "error" : f.high ? "warning" : "note",
            message: f.message,
            file: app.file,
            ...(f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {}),
          };
        })
      : [],
  );
  return sarifLog(
    version,
    baseDir,
    DIFF_RULES,
    results,
    report.apps.flatMap((a) => a.issues),
  );
}

const icon = (app: AppDiff): string =>
  app.issues.length > 0
    ? "❌"
    : app.reached.length > 0
      ? "❌"
      : app.diff && addedFindings(app.diff).some((f) => f.high)
        ? "⚠️"
        : app.diff && addedFindings(app.diff).length > 0
          ? "🔶"
          : "✅";

const code = (t: string): string => `\`${cell(t).replace(/`/g, "'")}\``;

function deltaTable(
  title: string,
  d: { added: DiffItem[]; removed: DiffItem[] },
  risk: boolean,
): string[] {
  if (d.added.length + d.removed.length === 0) return [];
  const out = [`**${title}**`, ""];
  out.push(
    risk ? "| | Name | Risk | Why | From |" : "| | Name | From |",
    risk ? "| --- | --- | --- | --- | --- |" : "| --- | --- | --- |",
  );
  for (const [sign, list] of [
    ["➕ added", d.added],
    ["➖ removed", d.removed],
  ] as const)
    for (const x of list)
      out.push(
        risk
          ? `| ${sign} | ${code(x.name)} | ${x.risk ?? ""} | ${cell(x.why ?? "")} | ${cell(reasonsText(x.reasons))} |`
          : `| ${sign} | ${code(x.name)} | ${cell(reasonsText(x.reasons))} |`,
      );
  out.push("");
  return out;
}

/** The details of one app's change, as Markdown tables. */
function appTables(d: PlanDiff): string[] {
  const out: string[] = [];
  out.push(...deltaTable("Syscalls", d.syscalls, true));
  out.push(...deltaTable("Capabilities", d.capabilities, true));
  out.push(...deltaTable("Capabilities asked for and not kept", d.refused, true));
  out.push(...deltaTable("Writable paths", d.writable, false));
  out.push(...deltaTable("Executable paths", d.executable, false));
  out.push(...deltaTable("Ports bound", d.ports.bind, false));
  out.push(...deltaTable("Ports published (host network)", d.ports.published, false));
  out.push(...deltaTable("Ports connected", d.ports.connect, false));
  const rows: string[] = [];
  for (const l of d.limits)
    rows.push(`| ${l.limit} | ${l.beforeText} | ${l.afterText} | ${l.change} |`);
  if (d.user)
    rows.push(
      `| user | uid ${d.user.before.uid}, gid ${d.user.before.gid} | uid ${d.user.after.uid}, gid ${d.user.after.gid} | ${d.user.after.uid === 0 ? "root" : "changed"} |`,
    );
  if (d.network)
    rows.push(
      `| network | ${d.network.before} | ${d.network.after} | ${d.network.after === "host" ? "less isolation" : "more isolation"} |`,
    );
  for (const n of d.namespaces.removed)
    rows.push(`| ${n} namespace | own | the host's | less isolation |`);
  for (const n of d.namespaces.added)
    rows.push(`| ${n} namespace | the host's | own | more isolation |`);
  if (d.score.before !== d.score.after)
    rows.push(
      `| exposure score | ${d.score.before ?? "–"} | ${d.score.after} | ${(d.score.before ?? 0) < d.score.after ? "higher" : "lower"} |`,
    );
  if (rows.length > 0)
    out.push(
      "**Limits, user, isolation**",
      "",
      "| | Before | After | |",
      "| --- | --- | --- | --- |",
      ...rows,
      "",
    );
  return out;
}

/** The pull-request comment: the verdict line first, a table of apps, each app's change in a
 * `<details>` block (open when it reaches a --fail-on threshold). */
export function diffMarkdown(report: DiffReport, baseDir: string): string {
  const changed = report.apps.filter(
    (a) => a.issues.length > 0 || a.verdict !== "no change in what the app may do",
  );
  const rel = (f: string): string => relative(baseDir, f) || f;
  const first =
    report.apps.length === 1 && report.apps[0]
      ? `${icon(report.apps[0])} ${rel(report.apps[0].file)} ${report.apps[0].verdict}`
      : changed.length === 0
        ? `✅ no app changes what it may do (${report.apps.length} compared)`
        : `${changed.some((a) => a.reached.length > 0 || a.issues.length > 0) ? "❌" : "⚠️"} ${changed.length} of ${report.apps.length} apps change what they may do`;
  const out = [`## secure-run diff: ${first}`, ""];
  const against = report.base
    ? `against \`${report.base.ref}\` (${report.base.commit.slice(0, 12)})`
    : "";
  out.push(
    `Permissions each app's plan gains and loses${against ? ` ${against}` : ""}${report.failOn.length > 0 ? `; failing on: ${report.failOn.join(", ")}` : ""}.`,
    "",
  );
  out.push("| | App | Change | Exposure |", "| --- | --- | --- | --- |");
  for (const a of report.apps) {
    const score = a.diff ? `${a.diff.score.before ?? "–"} → ${a.diff.score.after}` : "";
    const name =
      a.renamed && a.before ? `${code(rel(a.file))} (was ${code(a.before)})` : code(rel(a.file));
    out.push(`| ${icon(a)} | ${name} | ${cell(a.verdict)} | ${score} |`);
  }
  for (const a of changed) {
    const open = a.reached.length > 0 || a.issues.length > 0 ? " open" : "";
    out.push(
      "",
      `<details${open}><summary><b>${cell(rel(a.file))}</b>: ${cell(a.verdict)}</summary>`,
      "",
    );
    if (a.issues.length > 0) {
      out.push("| Where | Problem |", "| --- | --- |");
      for (const i of a.issues)
        out.push(
          `| ${cell(`${i.file}:${i.line ?? 1}`)} | ${cell(`${i.path ? `${i.path}: ` : ""}${i.message}`)} |`,
        );
      out.push("");
    } else if (a.diff) {
      if (a.reached.length > 0)
        out.push(`Reaches --fail-on: ${a.reached.map((t) => code(t)).join(", ")}.`, "");
      out.push(...appTables(a.diff));
    }
    out.push("</details>");
  }
  return `${out.join("\n")}\n`;
}

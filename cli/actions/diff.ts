/** `diff`: what a change adds to and removes from each app's plan. */
import { writeFileSync } from "node:fs";
import type { DiffItem, PlanDiff } from "../../src/diff/compare.js";
import { diffBase, diffExitCode, diffFiles, type DiffReport } from "../../src/diff/diff.js";
import type { FailOn } from "../../src/config/fail-on.js";
import { diffJson, diffMarkdown, diffSarif, reasonsText } from "../../src/diff/report.js";
import { InputError } from "../../src/errors.js";
import { packageVersion } from "../../src/paths.cjs";
import type { CliIO } from "../io.js";
import { plainStyle, type Style } from "../render/style.js";

export interface DiffFlags {
  config?: string;
  base?: string;
  failOn?: FailOn[];
  format: "text" | "json" | "sarif" | "markdown";
  output?: string;
}

function deltaLines(
  label: string,
  d: { added: DiffItem[]; removed: DiffItem[] },
  s: Style,
): string[] {
  const out: string[] = [];
  for (const [sign, list] of [
    ["+", d.added],
    ["-", d.removed],
  ] as const)
    for (const x of list) {
      const risk = (x.risk ?? "").padEnd(6);
      const why = [x.why, x.reasons.length > 0 ? `(${reasonsText(x.reasons)})` : ""]
        .filter(Boolean)
        .join(" ");
      const mark = sign === "+" ? s.yellow("+") : s.green("-");
      out.push(
        `  ${(out.length === 0 ? label : "").padEnd(13)}${mark} ${x.name.padEnd(18)} ${x.risk === "high" ? s.red(risk) : risk} ${s.dim(why)}`.trimEnd(),
      );
    }
  return out;
}

export function diffText(d: PlanDiff, s: Style): string[] {
  const out = [
    ...deltaLines("syscalls", d.syscalls, s),
    ...deltaLines("capabilities", d.capabilities, s),
    ...deltaLines("not kept", d.refused, s),
    ...deltaLines("writable", d.writable, s),
    ...deltaLines("executable", d.executable, s),
    ...deltaLines("binds", d.ports.bind, s),
    ...deltaLines("publishes", d.ports.published, s),
    ...deltaLines("connects", d.ports.connect, s),
  ];
  for (const l of d.limits)
    out.push(`  ${"limits".padEnd(13)}${l.limit} ${l.beforeText} → ${l.afterText} (${l.change})`);
  if (d.user)
    out.push(
      `  ${"user".padEnd(13)}uid ${d.user.before.uid} → ${d.user.after.uid}, gid ${d.user.before.gid} → ${d.user.after.gid}`,
    );
  if (d.network) out.push(`  ${"network".padEnd(13)}${d.network.before} → ${d.network.after}`);
  for (const n of d.namespaces.removed)
    out.push(`  ${"namespaces".padEnd(13)}- ${n} (the host's from now on)`);
  for (const n of d.namespaces.added) out.push(`  ${"namespaces".padEnd(13)}+ ${n}`);
  out.push(`  ${"exposure".padEnd(13)}${d.score.before ?? "–"} → ${d.score.after}`);
  return out;
}

function renderText(report: DiffReport, s: Style): string {
  const out: string[] = [];
  if (report.base)
    out.push(s.dim(`against ${report.base.ref} (${report.base.commit.slice(0, 12)})`));
  for (const a of report.apps) {
    out.push(s.bold(a.before && a.renamed ? `${a.file} (was ${a.before})` : a.file));
    for (const i of a.issues) {
      out.push(
        `  ${s.red("invalid")}  ${i.file}:${String(i.line ?? 1)}:${String(i.column ?? 1)}: ${i.path ? `${i.path}: ` : ""}${i.message}`,
      );
      if (i.hint) out.push(`    ${s.dim("hint:")} ${i.hint}`);
    }
    if (!a.diff) continue;
    out.push(`  ${a.reached.length > 0 ? s.red(a.verdict) : a.verdict}`);
    out.push(...diffText(a.diff, s));
    if (a.reached.length > 0) out.push(`  ${s.red(`✖ reaches --fail-on ${a.reached.join(", ")}`)}`);
  }
  return out.join("\n");
}

export function diff(io: CliIO, files: string[], opts: DiffFlags): void {
  const options = {
    ...(opts.config ? { configFile: opts.config } : {}),
    ...(opts.failOn ? { failOn: opts.failOn } : {}),
  };
  let report: DiffReport;
  if (opts.base !== undefined) report = diffBase(opts.base, files, options);
  else {
    const [oldFile, newFile] = files;
    if (files.length !== 2 || oldFile === undefined || newFile === undefined)
      throw new InputError([
        {
          file: "diff",
          path: "",
          message: `expected two app files (OLD NEW); got ${files.length}`,
          hint: "or compare with a git revision: secure-run diff --base REF [APP...]",
        },
      ]);
    report = diffFiles(oldFile, newFile, options);
  }
  io.stdout.write(renderDiff(report, opts, io.out));
  io.exitCode = diffExitCode(report);
}

/** The report in the format asked for; written to -o or returned for standard output. */
export function renderDiff(
  report: DiffReport,
  opts: Pick<DiffFlags, "format" | "output">,
  style: Style,
): string {
  const cwd = process.cwd();
  let text: string;
  switch (opts.format) {
    case "json":
      text = `${JSON.stringify(diffJson(report, packageVersion()), null, 2)}\n`;
      break;
    case "sarif":
      text = `${JSON.stringify(diffSarif(report, packageVersion(), cwd), null, 2)}\n`;
      break;
    case "markdown":
      text = diffMarkdown(report, cwd);
      break;
    default:
      text = `${renderText(report, opts.output ? plainStyle : style)}\n`;
  }
  if (opts.output) {
    writeFileSync(opts.output, text);
    return "";
  }
  return text;
}

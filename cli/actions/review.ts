/** `review`: app definitions judged against the policy. */
import { ensureImages } from "../../src/images/app.js";
import { writeFileSync } from "node:fs";
import { reviewApp, reviewExitCode, summarize, type AppReview } from "../../src/review/review.js";
import { reviewJson, reviewMarkdown, reviewSarif } from "../../src/review/report.js";
import { loadUserPolicy } from "../../src/review/user-policy.js";
import { packageVersion } from "../../src/paths.cjs";
import { diffBase, diffExitCode, type DiffReport } from "../../src/diff/diff.js";
import type { FailOn } from "../../src/config/fail-on.js";
import { diffJson, diffMarkdown, diffSarif } from "../../src/diff/report.js";
import type { CliIO } from "../io.js";
import { renderDiff } from "./diff.js";
import { plainStyle, type Style } from "../render/style.js";
import { readConfig } from "./config.js";

export interface ReviewFlags {
  config?: string;
  policy: string[];
  format: string;
  output?: string;
  base?: string;
  failOn?: FailOn[];
}

function renderText(reviews: AppReview[], s: Style): string {
  const out: string[] = [];
  for (const r of reviews) {
    out.push(s.bold(r.file));
    for (const i of r.issues) {
      // Whole file:line:col (the issue may be in a profile file the app names): an editor
      // jumps to it, as to any input error.
      out.push(
        `  ${s.red("invalid")}  ${i.file}:${String(i.line ?? 1)}:${String(i.column ?? 1)}: ${i.path ? `${i.path}: ` : ""}${i.message}`,
      );
      if (i.hint) out.push(`    ${s.dim("hint:")} ${i.hint}`);
    }
    for (const d of r.decisions) {
      const level =
        d.level === "deny" ? s.red("deny") : d.level === "warn" ? s.yellow("warn") : s.dim("info");
      const where = `${String(d.line ?? 1)}:${String(d.column ?? 1)}`.padEnd(6);
      out.push(`  ${where} ${level.padEnd(4)}  ${s.dim(d.rule)}  ${d.message}`);
    }
    if (r.issues.length === 0 && r.decisions.length === 0) out.push(`  ${s.green("no findings")}`);
  }
  const sum = summarize(reviews);
  const line = `${sum.deny} denied, ${sum.warn} warning${sum.warn === 1 ? "" : "s"}${sum.invalid ? `, ${sum.invalid} invalid` : ""} in ${reviews.length} app${reviews.length === 1 ? "" : "s"}`;
  out.push("", sum.deny || sum.invalid ? s.red(`✖ ${line}`) : s.green(`✔ ${line}`));
  return out.join("\n");
}

export async function review(io: CliIO, files: string[], opts: ReviewFlags): Promise<void> {
  await ensureImages(files);
  const config = readConfig(opts.config);
  const userPolicies = opts.policy.map(loadUserPolicy);
  const reviews = files.map((f) => reviewApp(f, { config, userPolicies, check: false }));
  // --base: what each app's plan gains and loses against the revision, after the review.
  const changes: DiffReport | undefined =
    opts.base === undefined
      ? undefined
      : diffBase(opts.base, files, {
          ...(opts.config ? { configFile: opts.config } : {}),
          ...(opts.failOn ? { failOn: opts.failOn } : {}),
        });
  const cwd = process.cwd();
  const version = packageVersion();
  let text: string;
  switch (opts.format) {
    case "json":
      text = `${JSON.stringify({ ...reviewJson(reviews, version), ...(changes ? { diff: diffJson(changes, version) } : {}) }, null, 2)}\n`;
      break;
    case "sarif": {
      const log = reviewSarif(reviews, version, cwd) as { runs: unknown[] };
      if (changes) log.runs.push(...(diffSarif(changes, version, cwd) as { runs: unknown[] }).runs);
      text = `${JSON.stringify(log, null, 2)}\n`;
      break;
    }
    case "markdown":
      text = reviewMarkdown(reviews, cwd) + (changes ? `\n${diffMarkdown(changes, cwd)}` : "");
      break;
    default: {
      const style = opts.output ? plainStyle : io.out;
      text = `${renderText(reviews, style)}\n`;
      if (changes) text += `\n${renderDiff(changes, { format: "text" }, style)}`;
    }
  }
  if (opts.output) writeFileSync(opts.output, text);
  else io.stdout.write(text);
  io.exitCode = Math.max(reviewExitCode(summarize(reviews)), changes ? diffExitCode(changes) : 0);
}

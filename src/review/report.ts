/** Review results as documents: JSON, SARIF 2.1.0 (code scanning) and Markdown (a pull-request
 * comment). Text for terminals is the CLI's. */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { Issue } from "../errors.js";
import { paths } from "../paths.cjs";
import { summarize, type AppReview, type Decision } from "./review.js";

export interface RuleInfo {
  id: string;
  level: "deny" | "warn" | "info";
  title: string;
  description: string;
}

let catalogue: RuleInfo[] | undefined;

/** The built-in review rules, from their METADATA (policies/build/rules.json). */
export function builtinRules(): RuleInfo[] {
  catalogue ??= JSON.parse(
    readFileSync(join(paths.policyWasm, "../rules.json"), "utf8"),
  ) as RuleInfo[];
  return catalogue;
}

export function reviewJson(reviews: AppReview[], version: string): object {
  return {
    apiVersion: "secure-run/v1",
    kind: "Review",
    tool: { name: "secure-run", version },
    summary: summarize(reviews),
    results: reviews.map((r) => ({ file: r.file, decisions: r.decisions, issues: r.issues })),
  };
}

export const sarifLevel = { deny: "error", warn: "warning", info: "note" } as const;

export interface SarifResult {
  ruleId: string;
  level: "error" | "warning" | "note";
  message: string;
  file: string;
  line?: number;
  column?: number;
}

/** A SARIF 2.1.0 log of secure-run: its rules, results and notifications (input problems).
 * Paths are relative to baseDir (the repository root in CI). */
export function sarifLog(
  version: string,
  baseDir: string,
  rules: RuleInfo[],
  results: SarifResult[],
  issues: Issue[],
): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string): string => relative(baseDir, file).split("\\").join("/");
  const location = (d: { file: string; line?: number; column?: number }): object => ({
    physicalLocation: {
      artifactLocation: { uri: uri(d.file), uriBaseId: "SRCROOT" },
      region: { startLine: d.line ?? 1, startColumn: d.column ?? 1 },
    },
  });
  const notifications = issues.map((i) => ({
    level: "error",
    message: {
      text: `${i.path ? `${i.path}: ` : ""}${i.message}${i.hint ? ` (${i.hint})` : ""}`,
    },
    locations: [location(i)],
  }));
  const sentence = (t: string): string => (t.endsWith(".") ? t : `${t}.`);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "secure-run",
            version,
            semanticVersion: version,
            informationUri: "https://secure-run.dev",
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id
                .split(/[.-]/)
                .map((w, i) => (i === 0 ? w : (w[0] ?? "").toUpperCase() + w.slice(1)))
                .join(""),
              shortDescription: { text: sentence(r.title) },
              fullDescription: { text: sentence(r.description) },
              defaultConfiguration: { level: sarifLevel[r.level] },
              help: { text: r.description },
            })),
          },
        },
        originalUriBaseIds: {
          SRCROOT: { uri: pathToFileURL(baseDir.endsWith("/") ? baseDir : `${baseDir}/`).href },
        },
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            toolExecutionNotifications: notifications,
          },
        ],
        results: results.map((r) => ({
          ruleId: r.ruleId,
          ruleIndex: index.get(r.ruleId),
          level: r.level,
          message: { text: r.message },
          locations: [location(r)],
        })),
      },
    ],
  };
}

/** SARIF 2.1.0. Paths are relative to baseDir (the repository root in CI). */
export function reviewSarif(reviews: AppReview[], version: string, baseDir: string): object {
  const rules = new Map<string, RuleInfo>(builtinRules().map((r) => [r.id, r]));
  for (const d of reviews.flatMap((r) => r.decisions)) {
    if (!rules.has(d.rule))
      rules.set(d.rule, { id: d.rule, level: d.level, title: d.title, description: d.title });
  }
  const results = reviews.flatMap((r) =>
    r.decisions.map((d: Decision): SarifResult => ({
      ruleId: d.rule,
      level: sarifLevel[d.level],
      message: d.path ? `${d.path}: ${d.message}` : d.message,
      file: d.file,
      ...(d.line !== undefined ? { line: d.line } : {}),
      ...(d.column !== undefined ? { column: d.column } : {}),
    })),
  );
  return sarifLog(
    version,
    baseDir,
    [...rules.values()],
    results,
    reviews.flatMap((r) => r.issues),
  );
}

const icon = { deny: "❌", warn: "⚠️", info: "ℹ️" } as const;

export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function counts(s: { deny: number; warn: number; info: number }): string {
  const parts = [`${s.deny} denied`, `${s.warn} warning${s.warn === 1 ? "" : "s"}`];
  if (s.info) parts.push(`${s.info} notes`);
  return parts.join(", ");
}

/** Markdown for a pull-request comment: a verdict, a table per app, details folded. */
export function reviewMarkdown(reviews: AppReview[], baseDir: string): string {
  const s = summarize(reviews);
  const verdict =
    s.invalid > 0
      ? "❌ invalid app definitions"
      : s.deny > 0
        ? "❌ denied"
        : s.warn > 0
          ? "⚠️ passed with warnings"
          : "✅ passed";
  const out = [
    `## secure-run review: ${verdict}`,
    "",
    `${reviews.length} app${reviews.length === 1 ? "" : "s"}: ${counts(s)}.`,
    "",
  ];
  out.push("| App | Denied | Warnings | Notes |", "| --- | ---: | ---: | ---: |");
  for (const r of reviews) {
    const c = { deny: 0, warn: 0, info: 0 };
    for (const d of r.decisions) c[d.level]++;
    const name = `\`${cell(relative(baseDir, r.file))}\``;
    out.push(
      r.issues.length > 0
        ? `| ${name} | invalid | | |`
        : `| ${name} | ${c.deny} | ${c.warn} | ${c.info} |`,
    );
  }
  for (const r of reviews) {
    const file = relative(baseDir, r.file);
    if (r.issues.length === 0 && r.decisions.length === 0) continue;
    const open = r.issues.length > 0 || r.decisions.some((d) => d.level === "deny") ? " open" : "";
    out.push("", `<details${open}><summary><b>${cell(file)}</b></summary>`, "");
    if (r.issues.length > 0) {
      out.push("| Where | Problem |", "| --- | --- |");
      for (const i of r.issues)
        out.push(
          `| line ${i.line ?? 1} | ${cell(`${i.path ? `\`${i.path}\`: ` : ""}${i.message}`)} |`,
        );
    } else {
      out.push("| | Rule | Where | Message |", "| --- | --- | --- | --- |");
      for (const d of r.decisions) {
        const where = `line ${d.line ?? 1}${d.path ? ` \`${cell(d.path)}\`` : ""}`;
        out.push(`| ${icon[d.level]} ${d.level} | \`${d.rule}\` | ${where} | ${cell(d.message)} |`);
      }
    }
    out.push("", "</details>");
  }
  return `${out.join("\n")}\n`;
}

import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { reviewApp, reviewExitCode, summarize, type AppReview } from "../../src/review/review.js";
import { reviewJson, reviewMarkdown, reviewSarif } from "../../src/review/report.js";
import { loadUserPolicy } from "../../src/review/user-policy.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { packageVersion } from "../../src/paths.cjs";
import { addOptions, readConfig } from "../options.js";
import type { Style } from "../render/style.js";

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

export function registerReview(program: Command, io: CliIO): void {
  const cmd = program
    .command("review")
    .summary("judge app definitions against the policy: exit 1 on any deny")
    .description(
      "Plans each APP and judges it with the built-in review rules, the organisation's " +
        "configuration (--config) and your own Rego (--policy). Every decision names its rule, " +
        "level (deny, warn, info), message and the line of the app file it concerns.",
    )
    .argument("<app...>", "app definitions (YAML)");
  addOptions(cmd, "review")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run review examples/hello.yaml examples/nginx.yaml\n" +
          "  secure-run review --config org.yaml --policy examples/policies app.yaml\n" +
          "  secure-run review --format sarif -o review.sarif apps/*.yaml  # code scanning\n" +
          "  secure-run review --format markdown apps/*.yaml > comment.md  # a pull request\n" +
          "\nWriting a rule: any package with `deny contains msg if …` or `warn contains msg if …`; " +
          "msg is a string or {msg, path, rule}; input is {app, plan}, data.config the configuration.\n" +
          "\nExit status: 1 when any decision is a deny; 2 when an app definition or policy is " +
          "invalid; 0 otherwise.",
      ),
    )
    .action(
      (
        files: string[],
        opts: { config?: string; policy: string[]; format: string; output?: string },
      ) => {
        const config = readConfig(opts.config);
        const userPolicies = opts.policy.map(loadUserPolicy);
        const reviews = files.map((f) => reviewApp(f, { config, userPolicies }));
        const cwd = process.cwd();
        let text: string;
        switch (opts.format) {
          case "json":
            text = `${JSON.stringify(reviewJson(reviews, packageVersion()), null, 2)}\n`;
            break;
          case "sarif":
            text = `${JSON.stringify(reviewSarif(reviews, packageVersion(), cwd), null, 2)}\n`;
            break;
          case "markdown":
            text = reviewMarkdown(reviews, cwd);
            break;
          default:
            text = `${renderText(reviews, opts.output ? { ...io.out, ...plainStyle } : io.out)}\n`;
        }
        if (opts.output) writeFileSync(opts.output, text);
        else io.stdout.write(text);
        io.exitCode = reviewExitCode(summarize(reviews));
      },
    );
}

const identity = (t: string): string => t;
const plainStyle: Style = {
  bold: identity,
  dim: identity,
  red: identity,
  yellow: identity,
  green: identity,
};

import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import {
  AUDIT_ARCHITECTURES,
  AUDIT_FORMATS,
  auditApps,
  plainStyle,
  renderAudit,
  type AuditFormat,
} from "../../src/audit/index.js";
import { InputError } from "../../src/errors.js";
import { architectureHint } from "../../src/seccomp/names.js";
import { doctor } from "../../src/host/doctor.js";
import type { CliIO } from "../io.js";
import { configOption, readConfig } from "../options.js";
import { version } from "../program.js";

function collectArch(value: string, previous: string[]): string[] {
  const arches = value.split(",").filter((a) => a !== "");
  for (const a of arches) {
    if (!AUDIT_ARCHITECTURES.includes(a))
      throw new InputError([
        {
          file: "--arch",
          path: "",
          message: `unknown architecture "${a}"`,
          hint: architectureHint(a, AUDIT_ARCHITECTURES),
        },
      ]);
  }
  return [...previous, ...arches];
}

export function registerAudit(program: Command, io: CliIO): void {
  program
    .command("audit")
    .summary("report what each app may do and why, scored and checked against its filters")
    .description(
      "Plans each APP for this host and reports what it may do and why: an exposure score\n" +
        "(0-10, 10 = most exposed) with every factor, each allowed syscall with its group, risk,\n" +
        "reasons and argument conditions, capabilities, filesystem, network, limits, isolation,\n" +
        "and what this host enforces. The syscall section is checked against the compiled BPF\n" +
        "on every architecture asked for; a disagreement fails the audit (exit 125). Several\n" +
        "apps are compared side by side.",
    )
    .argument("<app...>", "app definitions (YAML)")
    .addOption(configOption())
    .addOption(
      new Option("--format <format>", "output format").choices([...AUDIT_FORMATS]).default("text"),
    )
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option("--baseline <file>", "a Docker/OCI seccomp profile (JSON) to compare with")
    .option(
      "--arch <arch>",
      `${AUDIT_ARCHITECTURES.join(", ")} (repeat or comma list; default: the host's)`,
      collectArch,
      [],
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  secure-run audit examples/hello.yaml\n" +
        "  secure-run audit --format html -o audit.html examples/nginx.yaml examples/redis.yaml\n" +
        "  secure-run audit --format md --baseline /etc/docker/seccomp.json app.yaml > comment.md\n" +
        "  secure-run audit --arch x86_64,aarch64 --format json app.yaml | jq .apps[0].score\n" +
        "\nExit status: 0; 2 when an app definition or the baseline is invalid; 125 when the\n" +
        "report disagrees with the compiled filter (a bug) or the native layer is not built.",
    )
    .action(
      (
        files: string[],
        opts: {
          config?: string;
          format: AuditFormat;
          output?: string;
          baseline?: string;
          arch: string[];
        },
      ) => {
        const checks = doctor();
        const report = auditApps(files, {
          host: checks.facts,
          checks: checks.checks,
          architectures: opts.arch,
          ...(opts.baseline ? { baseline: opts.baseline } : {}),
          config: readConfig(opts.config),
          version: version(),
        });
        const text = renderAudit(report, opts.format, opts.output ? plainStyle : io.out);
        if (opts.output) writeFileSync(opts.output, text);
        else io.stdout.write(text);
      },
    );
}

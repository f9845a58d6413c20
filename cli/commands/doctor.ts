import type { Command } from "commander";
import { loadApp } from "../../src/appspec/load.js";
import { doctor } from "../../src/host/doctor.js";
import { makePlan } from "../../src/plan/make.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, readConfig } from "../options.js";

export function registerDoctor(program: Command, io: CliIO): void {
  const cmd = program
    .command("doctor")
    .summary("what this host can enforce (and, for an app, whether it will)")
    .description(
      "Kernel, seccomp and its user notification, user namespaces, cgroup version and usable " +
        "controllers, Landlock ABI, SELinux, libseccomp; with APP, every part of its plan and " +
        "whether this host enforces it (run refuses a part it cannot, unless it is best-effort).",
    )
    .argument("[app]", "an app definition to check against this host");
  addOptions(cmd, "doctor")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n  secure-run doctor\n  secure-run doctor examples/hello.yaml\n  secure-run doctor --json",
      ),
    )
    .action((file: string | undefined, opts: { json?: boolean; config?: string }) => {
      const report = doctor();
      const plan = file
        ? makePlan(loadApp(file), { config: readConfig(opts.config), host: report.facts }).plan
        : undefined;
      const refused = plan?.enforcement.filter((e) => !e.enforced && !e.bestEffort) ?? [];
      if (opts.json) {
        io.stdout.write(
          `${JSON.stringify({ ...report, ...(plan ? { app: file, enforcement: plan.enforcement } : {}) }, null, 2)}\n`,
        );
      } else {
        const out = [io.out.bold("This host")];
        for (const c of report.checks)
          out.push(
            `  ${c.ok ? io.out.green("✔") : io.out.yellow("✖")} ${c.name.padEnd(30)} ${c.detail}`,
          );
        if (plan && file) {
          out.push("", io.out.bold(`${file}: what this host enforces`));
          for (const e of plan.enforcement) {
            const mark = e.enforced
              ? io.out.green("enforced")
              : e.bestEffort
                ? io.out.yellow("not enforced (best-effort)")
                : io.out.red("NOT ENFORCED: run refuses");
            out.push(`  ${e.part.padEnd(16)} ${mark.padEnd(12)}  ${e.detail}`);
          }
          out.push(
            "",
            refused.length === 0
              ? `secure-run run ${file} can run here.`
              : `secure-run run ${file} refuses here: ${refused.map((r) => r.part).join(", ")}.`,
          );
        }
        io.stdout.write(`${out.join("\n")}\n`);
      }
      io.exitCode = refused.length > 0 ? 1 : 0;
    });
}

import type { Command } from "commander";
import { formatSize } from "../../src/appspec/units.js";
import { prepareRun } from "../../src/launch/prepare.js";
import { runPlan } from "../../src/launch/run.js";
import type { CliIO } from "../io.js";

const FORWARDED: NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

export function registerRun(program: Command, io: CliIO): void {
  program
    .command("run")
    .summary("run an app in its sandbox")
    .description(
      "Plans APP for this host, compiles its seccomp filter and launches it in new namespaces\n" +
        "under its cgroup limits, with every capability not asked for dropped. Standard input,\n" +
        "output and error are the app's. Signals (Ctrl-C, SIGTERM) are passed to the app; a\n" +
        "third Ctrl-C or SIGTERM kills it.",
    )
    .argument("<app>", "app definition (YAML)")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  secure-run run examples/hello.yaml\n" +
        '  secure-run run web.yaml; echo "exit $?"\n' +
        "\nExit status (as docker run): the app's own; 128+N when it was killed by signal N;\n" +
        "125 when secure-run failed; 126 when the command cannot be invoked; 127 when it is not\n" +
        "found; 2 when the app definition is invalid.",
    )
    .action(async (file: string) => {
      const prepared = prepareRun(file);
      const { plan } = prepared;
      for (const n of plan.notices)
        io.stderr.write(`${io.err.yellow("secure-run: notice:")} ${n}\n`);
      const handlers = new Map<NodeJS.Signals, () => void>();
      try {
        const { exitCode, report } = await runPlan(plan, prepared.filter.bpf, {
          onStart: (forward) => {
            for (const sig of FORWARDED) {
              const h = (): void => {
                forward(sig);
              };
              handlers.set(sig, h);
              process.on(sig, h);
            }
          },
        });
        if (report.status === "failed" && report.error) {
          const e = report.error;
          const what =
            report.exitCode === 127
              ? "command not found"
              : report.exitCode === 126
                ? "command cannot be invoked"
                : `launch failed at step "${e.step}"`;
          io.stderr.write(
            `${io.err.red("secure-run:")} ${what}: ${e.message}${e.detail ? `: ${e.detail}` : ""}\n`,
          );
        }
        if (report.oomKilled) {
          io.stderr.write(
            `${io.err.red("secure-run:")} ${plan.name} was killed by its memory limit (${formatSize(plan.cgroup.memory.max)})\n`,
          );
        }
        if (report.cleanupError)
          io.stderr.write(`${io.err.red("secure-run:")} cleanup: ${report.cleanupError}\n`);
        io.exitCode = exitCode;
      } finally {
        for (const [sig, h] of handlers) process.off(sig, h);
      }
    });
}

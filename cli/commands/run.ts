import type { Command } from "commander";
import type { DetachFlags } from "../actions/detach.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export const runHelpAfter =
  "\nExit status (as docker run): the app's own; 128+N when it was killed by signal N; " +
  "125 when secure-run failed; 126 when the command cannot be invoked; 127 when it is not " +
  "found; 2 when the app definition is invalid.";

export function registerRun(program: Command, io: CliIO): void {
  const cmd = program
    .command("run")
    .summary("run an app in its sandbox")
    .description(
      "Plans APP for this host, compiles its seccomp filter and launches it in new namespaces " +
        "under its cgroup limits, with every capability not asked for dropped. Standard input, " +
        "output and error are the app's. Signals (Ctrl-C, SIGTERM) are passed to the app; a " +
        "third Ctrl-C or SIGTERM kills it. A part of the plan this host cannot enforce stops the " +
        "launch (exit 125) unless the app accepts it in bestEffort.",
    )
    .argument("<app>", "app definition (YAML)");
  addOptions(cmd, "run")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run run examples/hello.yaml\n" +
          '  secure-run run --report web.yaml; echo "exit $?"\n' +
          "  secure-run run --json job.yaml 2> report.jsonl\n" +
          "  secure-run run --explain app.yaml  # denied: openat2(…) by pid 12: ENOSYS\n" +
          runHelpAfter,
      ),
    )
    .action(async (file: string, opts: DetachFlags) => {
      if (opts.detach) {
        // An unchanged app starts from the bundle cache, without loading the planner.
        const cached = await import("../actions/detach-cached.js");
        cached.checkDetachFlags(opts);
        if (await cached.detachCached(io, file, opts)) return;
      }
      await (await import("../actions/run.js")).run(io, file, opts);
    });
}

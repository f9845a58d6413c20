/** The command line: wiring only. Each command lives in commands/. */
import { Command } from "commander";
import { packageVersion } from "../src/paths.cjs";
import { registerAudit } from "./commands/audit.js";
import { registerCompile } from "./commands/compile.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerExec } from "./commands/exec.js";
import { registerExport } from "./commands/export.js";
import { registerGc } from "./commands/gc.js";
import { registerInstances } from "./commands/instances.js";
import { registerPlan } from "./commands/plan.js";
import { registerProfiles } from "./commands/profiles.js";
import { registerReview } from "./commands/review.js";
import { registerRun } from "./commands/run.js";
import { registerSeccomp } from "./commands/seccomp.js";
import { registerTrace } from "./commands/trace.js";
import { afterText, configureOutput, helpConfiguration } from "./help.js";
import type { CliIO } from "./io.js";
import { addOptions } from "./options.js";

export function createProgram(io: CliIO): Command {
  const program = new Command("secure-run");
  program
    .description(
      "Derives the tightest Linux sandbox an app needs from a one-page YAML definition, " +
        "explains every permission, and launches the app in it.",
    )
    .version(packageVersion(), "-V, --version", "print the version");
  addOptions(program, "")
    .helpOption("-h, --help", "show help")
    .configureHelp(helpConfiguration)
    .showHelpAfterError("(run with --help for usage)")
    .hook("preAction", (cmd) => {
      io.debug = Boolean(cmd.opts<{ debug?: boolean }>().debug);
    })
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run plan examples/hello.yaml   show what the app may do and why\n" +
          "  secure-run run examples/hello.yaml    run it in its sandbox\n" +
          "  secure-run review apps/*.yaml         judge app definitions (exit 1 on a deny)\n" +
          "\nEnvironment: NO_COLOR disables colour.",
      ),
    );
  registerPlan(program, io);
  registerRun(program, io);
  registerExec(program, io);
  registerReview(program, io);
  registerAudit(program, io);
  registerSeccomp(program, io);
  registerCompile(program, io);
  registerExport(program, io);
  registerInstances(program, io);
  registerGc(program, io);
  registerDoctor(program, io);
  registerProfiles(program, io);
  registerTrace(program, io);
  configureOutput(program, io);
  return program;
}

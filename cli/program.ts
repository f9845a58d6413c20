/** The command line: wiring only. Each command lives in commands/. */
import { Command } from "commander";
import { packageVersion } from "../src/paths.cjs";
import { registerAudit } from "./commands/audit.js";
import { registerCompile } from "./commands/compile.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerExec } from "./commands/exec.js";
import { registerExport } from "./commands/export.js";
import { registerGc } from "./commands/gc.js";
import { registerPlan } from "./commands/plan.js";
import { registerProfiles } from "./commands/profiles.js";
import { registerReview } from "./commands/review.js";
import { registerRun } from "./commands/run.js";
import { registerSeccomp } from "./commands/seccomp.js";
import { registerTrace } from "./commands/trace.js";
import type { CliIO } from "./io.js";

export function version(): string {
  return packageVersion();
}

export function createProgram(io: CliIO): Command {
  const program = new Command("secure-run");
  program
    .description(
      "Derives the tightest Linux sandbox an app needs from a one-page YAML definition,\n" +
        "explains every permission, and launches the app in it.",
    )
    .version(version(), "-V, --version", "print the version")
    .option("--debug", "show stack traces of internal errors")
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .hook("preAction", (cmd) => {
      io.debug = Boolean(cmd.opts<{ debug?: boolean }>().debug);
    })
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  secure-run plan examples/hello.yaml     show what the app may do and why\n" +
        "  secure-run run examples/hello.yaml      run it in its sandbox\n" +
        "  secure-run review apps/*.yaml           judge app definitions (exit 1 on a deny)\n" +
        "\nEnvironment: NO_COLOR disables colour.",
    );
  registerPlan(program, io);
  registerRun(program, io);
  registerExec(program, io);
  registerReview(program, io);
  registerAudit(program, io);
  registerSeccomp(program, io);
  registerCompile(program, io);
  registerExport(program, io);
  registerGc(program, io);
  registerDoctor(program, io);
  registerProfiles(program, io);
  registerTrace(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  }
  return program;
}

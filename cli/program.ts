/** The command line: wiring only. Each command lives in commands/. */
import { Command } from "commander";
import { packageVersion } from "../src/paths.cjs";
import { registerAudit } from "./commands/audit.js";
import { registerCompile } from "./commands/compile.js";
import { registerDiff } from "./commands/diff.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerExec } from "./commands/exec.js";
import { registerExport } from "./commands/export.js";
import { registerGc } from "./commands/gc.js";
import { registerImages } from "./commands/images.js";
import { registerInstances } from "./commands/instances.js";
import { registerNetHook } from "./commands/net-hook.js";
import { registerPlan } from "./commands/plan.js";
import { registerProfiles } from "./commands/profiles.js";
import { registerReview } from "./commands/review.js";
import { registerRun } from "./commands/run.js";
import { registerSeccomp } from "./commands/seccomp.js";
import { registerTrace } from "./commands/trace.js";
import { afterText, configureOutput, helpConfiguration } from "./help.js";
import type { CliIO } from "./io.js";
import { addOptions } from "./options.js";

/** Every command, by the word that names it, in the order help lists them. */
const COMMANDS: readonly (readonly [string, (program: Command, io: CliIO) => void])[] = [
  ["plan", registerPlan],
  ["run", registerRun],
  ["exec", registerExec],
  ["review", registerReview],
  ["diff", registerDiff],
  ["audit", registerAudit],
  ["seccomp", registerSeccomp],
  ["compile", registerCompile],
  ["export", registerExport],
  ...[
    "ps",
    "logs",
    "stop",
    "kill",
    "restart",
    "start",
    "rm",
    "wait",
    "inspect",
    "stats",
    "pause",
    "unpause",
  ].map((name) => [name, registerInstances] as const),
  ["gc", registerGc],
  ...["load", "images", "rmi", "image"].map((name) => [name, registerImages] as const),
  ["doctor", registerDoctor],
  ["profiles", registerProfiles],
  ["trace", registerTrace],
  ["net-hook", registerNetHook],
];

/** The program with every command; with `command` (the word after `secure-run`), when it names
 * one, with that one only: a short command does not pay for declaring all the others. Help and
 * a mistyped command get them all. */
export function createProgram(io: CliIO, command?: string): Command {
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
  const only = COMMANDS.find(([name]) => name === command);
  const registers = new Set(only ? [only[1]] : COMMANDS.map(([, register]) => register));
  for (const register of registers) register(program, io);
  configureOutput(program, io);
  return program;
}

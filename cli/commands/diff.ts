import type { Command } from "commander";
import type { DiffFlags } from "../actions/diff.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerDiff(program: Command, io: CliIO): void {
  const cmd = program
    .command("diff")
    .summary("what a change adds to and removes from an app's permissions")
    .description(
      "Plans an app before and after a change and shows what its plan gains and loses: syscalls " +
        "with their risk and why, capabilities, writable and executable paths, ports bound, " +
        "published and connected, limits raised or lowered, user and namespaces, and the exposure " +
        "score before and after. Give two app files (OLD NEW), or --base REF to compare each app " +
        "with its version in a git revision. Plans are compared, so a change to a profile or to " +
        "the organisation's configuration shows up as well.",
    )
    .argument("[app...]", "OLD NEW, or with --base the app definitions (YAML)");
  addOptions(cmd, "diff")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run diff web.old.yaml web.yaml\n" +
          "  secure-run diff --base origin/main apps/web.yaml\n" +
          "  secure-run diff --base origin/main --format markdown -o comment.md\n" +
          "  secure-run diff --base main --fail-on added-high-risk,raised-limit\n" +
          "\nWith --base and no APP, every app definition in the repository (a YAML file with kind: " +
          "App) is compared. The old version is read with git (nothing is written to the working " +
          "tree); its host paths are this host's.\n" +
          "\nExit status: 1 when a change reaches a --fail-on threshold (or the configuration's " +
          "diff.failOn); 2 when an app definition, the revision or an option is invalid, or the " +
          "directory is not in a git repository; 0 otherwise.",
      ),
    )
    .action(async (files: string[], opts: DiffFlags) => {
      (await import("../actions/diff.js")).diff(io, files, opts);
    });
}

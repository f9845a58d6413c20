import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerPlan(program: Command, io: CliIO): void {
  const cmd = program
    .command("plan")
    .summary("show the hardening plan derived from an app definition")
    .description(
      "Loads and validates APP, evaluates the policy for this host and shows the plan: what the " +
        "app may do, and why each permission is there. Nothing is launched.",
    )
    .argument("<app>", "app definition (YAML)");
  addOptions(cmd, "plan")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run plan examples/hello.yaml\n" +
          "  secure-run plan --json examples/hello.yaml | jq '.seccomp.syscalls | length'\n" +
          "\nExit status: 0; 2 when the app definition is invalid.",
      ),
    )
    .action(async (file: string, opts: { json?: boolean; config?: string }) => {
      await (await import("../actions/plan.js")).plan(io, file, opts);
    });
}

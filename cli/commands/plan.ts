import type { Command } from "commander";
import { loadApp } from "../../src/appspec/load.js";
import { makePlan } from "../../src/plan/make.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, readConfig } from "../options.js";
import { renderPlan } from "../render/plan.js";

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
    .action((file: string, opts: { json?: boolean; config?: string }) => {
      const { plan } = makePlan(loadApp(file), { config: readConfig(opts.config) });
      io.stdout.write(
        opts.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan, file, io.out)}\n`,
      );
    });
}

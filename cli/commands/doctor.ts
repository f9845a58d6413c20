import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

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
    .action(async (file: string | undefined, opts: { json?: boolean; config?: string }) => {
      await (await import("../actions/doctor.js")).doctor(io, file, opts);
    });
}

import type { Command } from "commander";
import type { CompileFlags } from "../actions/compile.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerCompile(program: Command, io: CliIO): void {
  const cmd = program
    .command("compile")
    .summary("compile an app into a bundle the launcher runs without Node")
    .description(
      "Plans APP for this host and writes a bundle: the launcher's arguments, a seccomp BPF " +
        "program per architecture and the hashes of what it was made from. Launch it with " +
        "`secure-run-launch --bundle FILE`: no Node and no policy evaluation on the launch path. " +
        "The launcher refuses a bundle made for another host (architecture, kernel, Landlock, " +
        "cgroup layout, SELinux mode). Compile again when the app, the policy or the host changes.",
    )
    .argument("<app>", "app definition (YAML)");
  addOptions(cmd, "compile")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run compile examples/nginx.yaml -o nginx.bundle\n" +
          "  build/Release/secure-run-launch --bundle nginx.bundle\n" +
          "  secure-run compile web.yaml --arch x86_64,aarch64 -o web.bundle\n" +
          "\nExit status: 0; 2 when the app definition or a flag is invalid; 125 when this host " +
          "cannot enforce the plan (as run).",
      ),
    )
    .action(async (file: string, opts: CompileFlags) => {
      await (await import("../actions/compile.js")).compile(io, file, opts);
    });
}

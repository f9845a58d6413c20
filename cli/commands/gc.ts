import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerGc(program: Command, io: CliIO): void {
  const cmd = program
    .command("gc")
    .summary("remove what a killed supervisor left behind")
    .description(
      "A supervisor removes its cgroups when the app ends, also after SIGTERM or SIGINT. Killed " +
        "with SIGKILL it cannot: gc finds cgroups named secure-run-<app>-<pid> below this " +
        "process's own cgroup whose launcher <pid> is gone, ends what still runs in them and " +
        "removes them. Cgroups of running launches are left alone. Detached instances whose " +
        "supervisor died (killed, or a reboot) are marked failed and their cgroups cleared the " +
        "same way; gc never removes an instance (rm does), only finishes the removal of an --rm " +
        "instance whose supervisor died while removing it.",
    );
  addOptions(cmd, "gc")
    .addHelpText("after", afterText(io, "\nExamples:\n  secure-run gc\n  secure-run gc --dry-run"))
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      await (await import("../actions/gc.js")).gc(io, opts);
    });
}

import type { Command } from "commander";
import type { CliIO } from "../io.js";

/** Hidden: the supervisor's network hook (native/launcher/nethook.h), not for people. */
export function registerNetHook(program: Command, io: CliIO): void {
  program
    .command("net-hook", { hidden: true })
    .description("add or remove a private network (run by the supervisor)")
    .argument("<action>", "add or del")
    .argument("<config>", "the network's document")
    .argument("<pid>", "the app's init")
    .action(async (action: string, config: string, pid: string) => {
      await (await import("../actions/net-hook.js")).netHook(io, action, config, pid);
    });
}

import type { Command } from "commander";
import { collectDeadInstances, openStore } from "../../src/instances/index.js";
import { collectGarbage } from "../../src/launch/gc.js";
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
        "same way; gc never removes an instance (rm does).",
    );
  addOptions(cmd, "gc")
    .addHelpText("after", afterText(io, "\nExamples:\n  secure-run gc\n  secure-run gc --dry-run"))
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const dryRun = Boolean(opts.dryRun);
      const inst = await collectDeadInstances(openStore(), { dryRun });
      const r = await collectGarbage({ dryRun });
      r.removed.unshift(...inst.cgroups);
      r.failed.unshift(...inst.failed.map((f) => ({ path: f.id, error: f.error })));
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ ...r, deadInstances: inst.dead }, null, 2)}\n`);
      } else {
        for (const id of inst.dead)
          io.stdout.write(
            `${dryRun ? "would mark" : "marked"} instance ${id.slice(0, 12)} failed (its supervisor is gone)\n`,
          );
        for (const p of r.removed)
          io.stdout.write(`${opts.dryRun ? "would remove" : "removed"} ${p}\n`);
        for (const f of r.failed)
          io.stderr.write(`${io.err.red("secure-run:")} cannot remove ${f.path}: ${f.error}\n`);
        io.stdout.write(
          `${r.removed.length} removed, ${r.live.length} in use${r.failed.length ? `, ${r.failed.length} failed` : ""}\n`,
        );
      }
      io.exitCode = r.failed.length > 0 ? 125 : 0;
    });
}

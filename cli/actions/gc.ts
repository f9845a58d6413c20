/** `gc`: what killed supervisors left behind. */
import { collectDeadInstances, openStore } from "../../src/instances/index.js";
import { collectGarbage } from "../../src/launch/gc.js";
import { collectNetworks } from "../../src/network/hook.js";
import type { CliIO } from "../io.js";

export async function gc(io: CliIO, opts: { dryRun?: boolean; json?: boolean }): Promise<void> {
  const dryRun = Boolean(opts.dryRun);
  const inst = await collectDeadInstances(openStore(), { dryRun });
  const r = await collectGarbage({ dryRun });
  // Last: the networks of launches whose supervisor is gone (nothing runs in them any more).
  const nets = collectNetworks({ dryRun });
  r.removed.push(...nets.removed);
  r.live.push(...nets.live);
  r.failed.push(...nets.failed);
  r.removed.unshift(...inst.cgroups, ...inst.removals);
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
}

/** `run -d` and `exec -d`: the plan is compiled into a bundle, an instance is made of it, and its
 * supervisor (the launcher in instance mode) is started detached; this process prints the id and
 * ends (no Node process stays). */
import { realpathSync } from "node:fs";
import { compileBundle } from "../../src/bundle/compile.js";
import { InputError } from "../../src/errors.js";
import { createInstance, openStore } from "../../src/instances/index.js";
import { defaultRegistry } from "../../src/launch/mcs.js";
import type { Prepared } from "../../src/launch/prepare.js";
import type { CliIO } from "../io.js";
import type { RunFlags } from "./run.js";

export interface DetachFlags extends RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  config?: string;
}

export async function runDetached(
  prepared: Prepared,
  io: CliIO,
  flags: DetachFlags,
  source: { app: string | null; where: string },
): Promise<void> {
  const { plan } = prepared;
  if (flags.explain || flags.report)
    throw new InputError([
      {
        file: "--detach",
        path: "",
        message: "--explain and --report need the supervising CLI; a detached instance has none",
        hint: "read the instance's log (secure-run logs) and state (secure-run inspect) instead",
      },
    ]);
  if (plan.lifecycle.instances > 1)
    throw new InputError([
      {
        file: source.where,
        path: "lifecycle.instances",
        message: `run -d starts one instance; the app asks for ${plan.lifecycle.instances}`,
        hint: "start several with run -d, one per instance (each gets its own id and name)",
      },
    ]);
  for (const n of plan.notices) io.stderr.write(`${io.err.yellow("secure-run: notice:")} ${n}\n`);
  const compiled = compileBundle(prepared, {
    ...(flags.config ? { configFile: flags.config } : {}),
    ...(plan.selinux.enforced ? { mcsRegistry: defaultRegistry() } : {}),
  });
  const unlimited = plan.rootless && !plan.rootless.limits;
  const store = openStore({ create: true });
  const { doc, ready } = await createInstance(
    store,
    {
      appName: plan.name,
      app: source.app ? realpathSync(source.app) : null,
      command: plan.process.args,
      ...(flags.name ? { name: flags.name } : {}),
      bundle: compiled.data,
      restart: plan.lifecycle.restart,
      remove: Boolean(flags.rm),
      writable: Boolean(plan.filesystem.writableLayer),
      stopSignal: plan.lifecycle.stop.signal,
      stopTimeout: plan.lifecycle.stop.timeout,
      ports: plan.network.listen.map((p) => ({ port: p.port, protocol: p.protocol })),
      limits: {
        memory: unlimited ? -1 : plan.cgroup.memory.max,
        pids: unlimited ? -1 : plan.cgroup.pids.max,
        cpu:
          unlimited || !plan.cgroup.cpu
            ? -1
            : Math.round((plan.cgroup.cpu.quota / plan.cgroup.cpu.period) * 1000),
      },
    },
    flags.cgroupParent ? { cgroupParent: flags.cgroupParent } : {},
  );
  if (flags.json)
    io.stdout.write(
      `${JSON.stringify({ id: doc.id, name: doc.name, supervisorPid: ready.supervisorPid })}\n`,
    );
  else io.stdout.write(`${doc.id}\n`);
}

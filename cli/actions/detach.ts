/** `run -d` and `exec -d`: the plan is compiled into a bundle, an instance is made of it, and its
 * supervisor (the launcher in instance mode) is started detached; this process prints the id and
 * ends (no Node process stays). The bundle of an app file is kept in the bundle cache, for the
 * next `run -d` of it (detach-cached.ts). */
import { realpathSync } from "node:fs";
import { compileBundle } from "../../src/bundle/compile.js";
import { cacheBundle } from "../../src/bundle/run-cache.js";
import { cacheDebug } from "../../src/bundle/warm.cjs";
import { InputError } from "../../src/errors.js";
import { instanceSpec } from "../../src/instances/index.js";
import { defaultRegistry } from "../../src/launch/mcs.js";
import type { Prepared } from "../../src/launch/prepare.js";
import type { CliIO } from "../io.js";
import type { RunFlags } from "./run.js";
import { checkDetachFlags, startInstance } from "./detach-cached.js";

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
  checkDetachFlags(flags);
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
  const spec = instanceSpec(plan);
  // An app file's bundle is kept for the next run -d (not with SELinux: each launch takes
  // categories of its own, given at compile time).
  if (source.app && !plan.selinux.enforced && !process.env.SECURE_RUN_NO_CACHE) {
    try {
      cacheDebug(
        `stored ${cacheBundle(prepared, flags.config, { compiled, instance: spec }).file}`,
      );
    } catch (e) {
      cacheDebug(`not stored: ${(e as Error).message}`);
    }
  }
  await startInstance(io, flags, source.app ? realpathSync(source.app) : null, compiled.data, spec);
}

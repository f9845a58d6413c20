/** `run -d APP` when the bundle cache holds the app's bundle, still valid, with what an instance
 * needs besides it: the instance starts from the cache without planning (nothing here loads the
 * policy). Also the start of an instance that `run -d` and `exec -d` share. */
import { realpathSync } from "node:fs";
import { bundleCacheDir, lookup } from "../../src/bundle/cache-lookup.cjs";
import { cacheDebug } from "../../src/bundle/warm.cjs";
import { InputError } from "../../src/errors.js";
import { createInstance, openStore, type InstanceSpec } from "../../src/instances/index.js";
import { packageVersion } from "../../src/paths.cjs";
import type { CliIO } from "../io.js";
import type { DetachFlags } from "./detach.js";

/** --explain and --report need the supervising CLI: refused with -d. */
export function checkDetachFlags(flags: DetachFlags): void {
  if (flags.explain || flags.report)
    throw new InputError([
      {
        file: "--detach",
        path: "",
        message: "--explain and --report need the supervising CLI; a detached instance has none",
        hint: "read the instance's log (secure-run logs) and state (secure-run inspect) instead",
      },
    ]);
}

/** `run -d APP` from the bundle cache: true when it started the instance, false when the cache
 * has no valid entry for the app (or one without what an instance needs): then plan. */
export async function detachCached(io: CliIO, file: string, flags: DetachFlags): Promise<boolean> {
  if (process.env.SECURE_RUN_NO_CACHE) return false;
  let app: string;
  let config: string | null = null;
  try {
    app = realpathSync(file);
    if (flags.config) config = realpathSync(flags.config);
  } catch {
    return false; // planning says what is missing
  }
  const found = lookup(bundleCacheDir(), packageVersion(), app, config);
  cacheDebug(found.hit ? `hit ${found.bundle}` : `miss: ${found.why}`);
  if (!found.hit) return false;
  if (found.entry.instance === undefined) {
    cacheDebug("the entry has no instance spec: planning");
    return false;
  }
  // The cold run -d (or run) that stored the entry said them (src/bundle/said.ts).
  if (flags.verbose)
    for (const n of found.entry.notices)
      io.stderr.write(`${io.err.yellow("secure-run: notice:")} ${n}\n`);
  // The spec is checked with the instance document createInstance writes (instance schema).
  await startInstance(io, flags, app, found.data, found.entry.instance as InstanceSpec);
  return true;
}

/** Creates the instance and starts its supervisor; prints its id (or, with --json, id, name and
 * supervisor pid). */
export async function startInstance(
  io: CliIO,
  flags: DetachFlags,
  app: string | null,
  bundle: Buffer,
  spec: InstanceSpec,
): Promise<void> {
  const { doc, ready } = await createInstance(
    openStore({ create: true }),
    {
      ...spec,
      app,
      ...(flags.name ? { name: flags.name } : {}),
      bundle,
      remove: Boolean(flags.rm),
    },
    flags.cgroupParent ? { cgroupParent: flags.cgroupParent } : {},
  );
  if (flags.json)
    io.stdout.write(
      `${JSON.stringify({ id: doc.id, name: doc.name, supervisorPid: ready.supervisorPid })}\n`,
    );
  else io.stdout.write(`${doc.id}\n`);
}

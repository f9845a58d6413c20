/** `secure-run run` with the bundle cache: a plan that a bundle can carry whole is compiled once,
 * stored, and launched from the bundle; the next run of the unchanged app skips planning. */
import { realpathSync } from "node:fs";
import { sha256 } from "../digest.cjs";
import { packageVersion } from "../paths.cjs";
import { store } from "./cache.js";
import { bundleCacheDir, entryKey } from "./cache-lookup.cjs";
import { compileBundle, type CompiledBundle, type Planned } from "./compile.js";

/** Why the plan needs `run`'s supervision from Node (undefined: a bundle carries it whole). */
export function needsSupervision(
  prepared: Planned,
  flags: { explain?: boolean; report?: boolean; json?: boolean },
): string | undefined {
  const { plan } = prepared;
  if (flags.explain || flags.report || flags.json) return "--explain, --report and --json";
  if (plan.lifecycle.instances > 1) return "several instances";
  if (plan.lifecycle.restart.policy !== "no") return "a restart policy";
  if (plan.selinux.enforced) return "SELinux categories of its own for each launch";
  // The CLI makes the run's layer and removes it after the run: it must outlive the launcher.
  if (plan.filesystem.writableLayer) return "a writable root (its layer is removed after the run)";
  // The CLI writes the network's document for the launch and removes it after.
  if (plan.network.mode === "private") return "a private network";
  return undefined;
}

/** Compiles the prepared plan into the cache (or stores `compiled`, made from it already);
 * returns the bundle's path and sha256 (for the launcher's --bundle-sha256: what it launches is
 * what was written). `instance`: what `run -d` needs besides the bundle. */
export function cacheBundle(
  prepared: Planned,
  configFile?: string,
  o: { compiled?: CompiledBundle; instance?: unknown } = {},
): { file: string; sha256: string } {
  const version = packageVersion();
  const app = realpathSync(prepared.loaded.file);
  const config = configFile ? realpathSync(configFile) : null;
  const compiled = o.compiled ?? compileBundle(prepared, configFile ? { configFile } : {});
  const digest = sha256(compiled.data);
  const file = store(
    bundleCacheDir(),
    entryKey(version, app, config),
    {
      format: 2,
      version,
      app,
      config,
      host: compiled.host,
      inputs: compiled.inputs,
      notices: prepared.plan.notices,
      name: prepared.plan.name,
      created: compiled.bundle.created,
      bundleSha256: digest,
      foreground: needsSupervision(prepared, {}) === undefined,
      ...(o.instance !== undefined ? { instance: o.instance } : {}),
    },
    compiled.data,
  );
  return { file, sha256: digest };
}

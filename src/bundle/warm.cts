/** The warm path of `secure-run run APP`: when the app's cached bundle still holds, this process
 * becomes the launcher (execve) — no policy, no YAML, no command-line library is loaded, and
 * no Node process stays behind. Every module loaded here is paid on every warm run: the modules
 * below are CommonJS (.cts), like the entry point cli/main.cts (Node starts a CommonJS entry
 * several milliseconds faster than an ES module one), and import Node's own modules only. */
import { realpathSync, writeSync } from "node:fs";
import { type ExecAddon, execAddon } from "../native/exec.cjs";
import { packageVersion, paths } from "../paths.cjs";
import { launcherArgs } from "./argv.cjs";
import { bundleCacheDir, lookup } from "./cache-lookup.cjs";
import { parseWarmRun } from "./warm-args.cjs";

/** Says the notices as `run` does, then becomes the launcher. Throws if execve fails.
 * `refusalsSummary`: when the launcher summarises refused syscalls (default: the app failed). */
export function execBundle(
  exec: ExecAddon,
  bundle: { file: string; sha256: string },
  notices: readonly string[],
  cgroupParent?: string,
  refusalsSummary?: "auto" | "always" | "off",
): never {
  if (notices.length > 0) {
    const { isatty } = require("node:tty") as typeof import("node:tty");
    const color = isatty(2) && !process.env.NO_COLOR;
    const label = color ? "\x1b[33msecure-run: notice:\x1b[39m" : "secure-run: notice:";
    say(notices.map((n) => `${label} ${n}\n`).join(""));
  }
  const args = launcherArgs(
    { bundle: bundle.file, sha256: bundle.sha256 },
    { cgroupParent, ...(refusalsSummary ? { refusalsSummary } : {}) },
  );
  return exec.exec(paths.launcher, [paths.launcher, ...args], []);
}

/** Returns when the warm path does not apply; never returns when it does. */
export function tryWarmRun(argv: readonly string[]): void {
  const run = parseWarmRun(argv);
  if (!run) return;
  const exec = execAddon();
  if (!exec) return;
  let app: string;
  let config: string | null = null;
  try {
    app = realpathSync(run.app);
    if (run.config) config = realpathSync(run.config);
  } catch {
    return; // the full CLI says what is missing
  }
  const version = packageVersion();
  const found = lookup(bundleCacheDir(), version, app, config);
  cacheDebug(found.hit ? `hit ${found.bundle}` : `miss: ${found.why}`);
  if (!found.hit) return;
  if (found.entry.foreground === false) {
    cacheDebug("the entry is for run -d: its plan needs the supervising CLI in the foreground");
    return;
  }
  // The cold launch that stored the entry said its notices (src/bundle/said.ts).
  execBundle(
    exec,
    { file: found.bundle, sha256: found.sha256 },
    run.verbose ? found.entry.notices : [],
    run.cgroupParent,
    run.quiet ? "off" : undefined,
  );
}

/** SECURE_RUN_CACHE_DEBUG=1: what the bundle cache decided, on standard error. */
export function cacheDebug(message: string): void {
  if (process.env.SECURE_RUN_CACHE_DEBUG) say(`secure-run: cache: ${message}\n`);
}

/** A line on standard error, written at once: process.stderr costs milliseconds to set up, and
 * this process is about to become the launcher. */
function say(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // no standard error: nothing to say it on
  }
}

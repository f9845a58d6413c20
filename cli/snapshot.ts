/** The command line as a V8 startup snapshot (scripts/build-snapshot.mjs). Node starts from a
 * heap in which every module of the CLI is already loaded, compiled and run, instead of
 * finding, reading and compiling them: what a short command spends most of its time on. The
 * executable (dist/cli/secure-run) starts Node from it when it was built for this checkout and
 * this Node; this module's main then checks that the CLI was not rebuilt since (tsc alone
 * rewrites the modules and leaves the snapshot stale), and otherwise loads the CLI from its
 * modules as cli/main.cts does.
 *
 * What runs while the snapshot is built is in the snapshot: the modules' top level must read
 * nothing of the process it runs in (environment, user, terminal); they read them when called. */
import { statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startupSnapshot } from "node:v8";
import { parseWarmRun } from "../src/bundle/warm-args.cjs";
import { tryWarmRun } from "../src/bundle/warm.cjs";
import { packageRoot } from "../src/paths.cjs";
import { main } from "./cli.js";
import { processIO } from "./io.js";

/** The file whose change means the modules were rebuilt since the snapshot. */
const CLI_MODULE = join(packageRoot, "dist/cli/cli.js");

/** SECURE_RUN_STARTUP_DEBUG=1: how the command line started, on standard error. */
function debug(message: string): void {
  if (!process.env.SECURE_RUN_STARTUP_DEBUG) return;
  try {
    writeSync(2, `secure-run: startup: ${message}\n`);
  } catch {
    // no standard error
  }
}

/** Why the snapshot is older than the modules, or undefined when it is not. */
function stale(builtAt: number): string | undefined {
  try {
    const mtime = statSync(CLI_MODULE).mtimeMs;
    return mtime > builtAt ? `${CLI_MODULE} changed after the snapshot was built` : undefined;
  } catch {
    return `${CLI_MODULE} is gone`;
  }
}

function start(builtAt: number): void {
  // Started from the snapshot, Node's arguments have no script: [node, ...the command's].
  const argv = process.argv.slice(1);
  const why = stale(builtAt);
  if (why) {
    debug(`modules (${why})`);
    const entry = join(packageRoot, "dist/cli/main.cjs");
    process.argv.splice(1, 0, entry);
    createRequire(entry)(entry);
    return;
  }
  debug("snapshot");
  if (parseWarmRun(argv)) tryWarmRun(argv);
  void (async (): Promise<void> => {
    process.exitCode = await main(argv, processIO());
  })();
}

if (startupSnapshot.isBuildingSnapshot()) {
  const builtAt = Date.now();
  startupSnapshot.setDeserializeMainFunction(() => {
    start(builtAt);
  });
}

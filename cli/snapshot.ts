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
import { processIO, type CliIO } from "./io.js";
import { createProgram } from "./program.js";
import { makeStyle } from "./render/style.js";

/** The files whose change means the snapshot is stale: the modules were rebuilt since (tsc
 * rewrites them all), or the package's version changed. */
const SOURCES = [join(packageRoot, "dist/cli/cli.js"), join(packageRoot, "package.json")];

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
  for (const file of SOURCES)
    try {
      if (statSync(file).mtimeMs > builtAt) return `${file} changed after the snapshot was built`;
    } catch {
      return `${file} is gone`;
    }
  return undefined;
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

/** Declares every command once, into nothing, while the snapshot is built: the code that does it
 * is then compiled in the snapshot, not on every start. (It reads package.json's version, which
 * the snapshot then keeps: stale() also compares package.json.) */
function warmUp(): void {
  const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const style = makeStyle(sink, {});
  const io: CliIO = {
    stdout: sink,
    stderr: sink,
    out: style,
    err: style,
    exitCode: 0,
    debug: false,
  };
  createProgram(io);
}

if (startupSnapshot.isBuildingSnapshot()) {
  warmUp();
  const builtAt = Date.now();
  startupSnapshot.setDeserializeMainFunction(() => {
    start(builtAt);
  });
}

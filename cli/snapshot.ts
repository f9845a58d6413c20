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
import { exerciseCarried } from "../src/documents/validate.js";
import { parseYaml } from "../src/documents/yaml-source.js";
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

/** An app definition that the snapshot's builder reads as every command reads one. */
const SAMPLE_APP = `apiVersion: secure-run/v1
kind: App
name: sample
command: [/bin/sh, -c, "echo hi"]
user: nobody
env: { GREETING: "hello" }
resources: { memory: 64Mi, pids: 32 }
network: { mode: none, listen: [8080] }
syscalls: { profiles: [process] }
mounts:
  - { source: /srv/data, target: /data, readOnly: true }
`;

/** Runs, into nothing, the code that every command runs first — declaring the commands, reading
 * an app definition's YAML, checking it against the app schema — while the snapshot is built:
 * that code is then compiled in the snapshot, not on every start. None of it keeps state, but
 * package.json's version, which createProgram reads and keeps (stale() also compares it). */
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
  const parsed = parseYaml(SAMPLE_APP, "sample.yaml");
  if (parsed.ok) exerciseCarried("app", parsed.source.value);
  exerciseCarried("app", { kind: "App", name: 1 }); // and the paths that describe errors
  // What ps, stats and the other instance commands check every instance's files with.
  for (const name of ["instance", "instance-state", "config"]) exerciseCarried(name, {});
}

/** Called by the snapshot's entry (scripts/build-snapshot.mjs) once the prebuilt validators
 * are registered: warms the code up, and makes start() the snapshot's main. */
export function prepareSnapshot(): void {
  if (!startupSnapshot.isBuildingSnapshot()) return;
  warmUp();
  const builtAt = Date.now();
  startupSnapshot.setDeserializeMainFunction(() => {
    start(builtAt);
  });
}

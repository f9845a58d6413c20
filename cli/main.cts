#!/usr/bin/env node
/** The `secure-run` executable. `run APP` with a cached, still valid bundle becomes the launcher
 * here, before the CLI (and its libraries) is even loaded. CommonJS, with the warm path: Node
 * starts a CommonJS entry point several milliseconds faster than an ES module one; the CLI
 * itself is ES modules, loaded only when the warm path does not apply. */
import { tryWarmRun } from "../src/bundle/warm.cjs";

tryWarmRun(process.argv.slice(2));
void (async (): Promise<void> => {
  const { main } = await import("./cli.js");
  const { processIO } = await import("./io.js");
  process.exitCode = await main(process.argv.slice(2), processIO());
})();

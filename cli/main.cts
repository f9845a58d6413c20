#!/usr/bin/env node
/** The `secure-run` executable. `run APP` with a cached, still valid bundle becomes the launcher
 * here, before the CLI (and its libraries) is even loaded. CommonJS, with the warm path: Node
 * starts a CommonJS entry point several milliseconds faster than an ES module one; the CLI
 * itself is ES modules, loaded only when the warm path does not apply. */
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseWarmRun } from "../src/bundle/warm-args.cjs";

/** The bundle (scripts/bundle-cli.mjs, made by `npm run build:ts`): the same modules joined
 * into a few files, which Node loads in a fraction of the time. Used when it is at least as new
 * as the modules it was made from (tsc alone rewrites them and leaves it stale). */
const BUNDLE = "./bundle";
function bundled(): boolean {
  try {
    return (
      statSync(join(__dirname, BUNDLE, "cli.mjs")).mtimeMs >=
      statSync(join(__dirname, "cli.js")).mtimeMs
    );
  } catch {
    return false;
  }
}

// The warm path's own modules are loaded only for a command line it may take.
if (parseWarmRun(process.argv.slice(2)))
  (require("../src/bundle/warm.cjs") as typeof import("../src/bundle/warm.cjs")).tryWarmRun(
    process.argv.slice(2),
  );
void (async (): Promise<void> => {
  const [{ main }, { processIO }] = bundled()
    ? await Promise.all([
        import(`${BUNDLE}/cli.mjs`) as Promise<typeof import("./cli.js")>,
        import(`${BUNDLE}/io.mjs`) as Promise<typeof import("./io.js")>,
      ])
    : await Promise.all([import("./cli.js"), import("./io.js")]);
  process.exitCode = await main(process.argv.slice(2), processIO());
})();

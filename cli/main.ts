#!/usr/bin/env node
/** The `secure-run` executable. `run APP` with a cached, still valid bundle becomes the launcher
 * here, before the CLI (and its libraries) is even loaded. */
import { tryWarmRun } from "../src/bundle/warm.js";

tryWarmRun(process.argv.slice(2));
const { main } = await import("./cli.js");
const { processIO } = await import("./io.js");
process.exitCode = await main(process.argv.slice(2), processIO());

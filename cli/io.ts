/** Where the CLI writes, and the exit code a command chose; tests pass their own. */
import { makeStyle, type Style } from "./render/style.js";

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  out: Style;
  err: Style;
  exitCode: number;
  debug: boolean;
}

export function processIO(): CliIO {
  // A reader that went away (`secure-run … | head`) ends the output, not the process with a trace.
  for (const s of [process.stdout, process.stderr])
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
      process.exit(process.exitCode ?? 0);
    });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    out: makeStyle(process.stdout),
    err: makeStyle(process.stderr),
    exitCode: 0,
    debug: false,
  };
}

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
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    out: makeStyle(process.stdout),
    err: makeStyle(process.stderr),
    exitCode: 0,
    debug: false,
  };
}

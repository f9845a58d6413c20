/** The only place that catches errors and exits. */
import { CommanderError } from "commander";
import type { CliIO } from "./io.js";
import { createProgram } from "./program.js";
import { renderError } from "./render/error.js";

export async function main(argv: string[], io: CliIO): Promise<number> {
  // The command's word: the first argument that is no option (the program's own options take
  // no value).
  const program = createProgram(
    io,
    argv.find((a) => !a.startsWith("-")),
  );
  try {
    await program.parseAsync(argv, { from: "user" });
    return io.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end with 0; a usage mistake is bad input: 2.
      return e.exitCode === 0 ? 0 : 2;
    }
    const { text, exitCode } = renderError(e, io.err, io.debug || argv.includes("--debug"));
    io.stderr.write(`${text}\n`);
    return exitCode;
  }
}

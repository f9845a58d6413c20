/** How help is laid out: wrapped once, to the terminal's width (80 when not on a terminal). */
import { Help, type Command, type HelpConfiguration, type Option } from "commander";
import type { CliIO } from "./io.js";

export function helpWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY && stream.columns > 0 ? stream.columns : 80;
}

/** The program's help settings (its commands inherit them). */
export const helpConfiguration: HelpConfiguration = {
  // Narrow columns beside long command names are still wrapped (commander's own limit: 40).
  minWidthToWrap: 20,
  // A list that starts empty says nothing with "(default: [])".
  optionDescription(option: Option): string {
    return Help.prototype.optionDescription.call(this, option).replace(" (default: [])", "");
  },
};

/** Text shown after a command's options. A line that starts with a space (an example, a row of a
 * table) is kept as written; any other line is a paragraph, wrapped here to the help width. */
export function wrapHelp(text: string, width: number): string {
  const help = new Help();
  return text
    .split("\n")
    .map((line) => (line === "" || /^\s/.test(line) ? line : help.boxWrap(line, width)))
    .join("\n");
}

/** `text` for `addHelpText("after", …)`, wrapped to the width of the stream help goes to. */
export function afterText(io: CliIO, text: string): (context: { error: boolean }) => string {
  return (context) => wrapHelp(text, helpWidth(context.error ? io.stderr : io.stdout));
}

/** Where `cmd` writes its help and errors, and how wide: set on every command, sub-commands too. */
export function configureOutput(cmd: Command, io: CliIO): void {
  cmd.exitOverride().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    getOutHelpWidth: () => helpWidth(io.stdout),
    getErrHelpWidth: () => helpWidth(io.stderr),
  });
  for (const sub of cmd.commands) configureOutput(sub, io);
}

/** docs/cli.md: every command's help and every option of the table, as Markdown. Written by
 * scripts/gen-cli-docs.mjs (`npm run docs`); a test fails while the file differs from this. */
import type { Command } from "commander";
import type { CliIO } from "./io.js";
import { OPTIONS, type OptionSpec } from "./options.js";
import { createProgram } from "./program.js";
import { makeStyle } from "./render/style.js";

/** Every command that runs something, by its words after `secure-run`. */
function leaves(cmd: Command, words: string[] = []): [string[], Command][] {
  // Hidden commands (net-hook: the supervisor's) are not for people.
  const subs = cmd.commands.filter(
    (c) => c.name() !== "help" && !(c as unknown as { _hidden?: boolean })._hidden,
  );
  if (subs.length === 0) return [[words, cmd]];
  return subs.flatMap((sub) => leaves(sub, [...words, sub.name()]));
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const anchor = (words: string[]): string => `secure-run-${words.join("-")}`;

function usedBy(spec: OptionSpec): string {
  return Object.keys(spec.commands)
    .map((c: string) => (c === "" ? "`secure-run`" : `[${c}](#${anchor(c.split(" "))})`))
    .join(", ");
}

function optionRow(spec: OptionSpec): string {
  const flags = `\`${spec.value ? `${spec.flags} <${spec.value}>` : spec.flags}\``;
  const notes = [
    spec.repeatable ? "repeatable" : "",
    spec.choices ? `one of ${spec.choices.map((c) => `\`${c}\``).join(", ")}` : "",
    typeof spec.default === "string" ? `default \`${spec.default}\`` : "",
    spec.env ? `env \`${spec.env}\`` : "",
  ].filter(Boolean);
  return `| ${flags} | ${cell(spec.description)} | ${notes.join("; ")} | ${usedBy(spec)} |`;
}

export function cliReference(): string {
  let captured = "";
  const sink = {
    isTTY: false,
    write: (s: string): boolean => ((captured += s), true),
  } as unknown as NodeJS.WriteStream;
  const io: CliIO = {
    stdout: sink,
    stderr: sink,
    out: makeStyle(sink, {}),
    err: makeStyle(sink, {}),
    exitCode: 0,
    debug: false,
  };
  const program = createProgram(io);
  const help = (cmd: Command): string => {
    captured = "";
    cmd.outputHelp();
    return captured.trimEnd();
  };
  const commands = leaves(program);
  const out = [
    "# CLI reference",
    "",
    "<!-- Generated from cli/options.ts (the option table) and the commands' help by",
    "     scripts/gen-cli-docs.mjs: do not edit; run `npm run docs`. -->",
    "",
    "Every command's `--help`, then every option with the commands that take it. How apps run —",
    "streams, signals, exit status, `--explain`, seccomp sources — is in [running.md](running.md).",
    "",
    "| command | what it does |",
    "| --- | --- |",
    ...commands.map(
      ([words, cmd]) => `| [${words.join(" ")}](#${anchor(words)}) | ${cell(cmd.summary())} |`,
    ),
    "",
    "```text",
    help(program),
    "```",
  ];
  for (const [words, cmd] of commands)
    out.push("", `## secure-run ${words.join(" ")}`, "", "```text", help(cmd), "```");
  out.push(
    "",
    "## Options",
    "",
    "Each option once, as the table in `cli/options.ts` declares it; a command may describe it",
    "more narrowly in its own help.",
    "",
    "| option | description | notes | commands |",
    "| --- | --- | --- | --- |",
    ...Object.values(OPTIONS).map((spec: OptionSpec) => optionRow(spec)),
  );
  return `${out.join("\n")}\n`;
}

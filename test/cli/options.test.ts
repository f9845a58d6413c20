/** The option table (cli/options.ts) is where every command's options come from, and help is
 * wrapped once, to the width. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Help, type Command } from "commander";
import type { CliIO } from "../../cli/io.js";
import { OPTIONS, optionsOf, type CommandName } from "../../cli/options.js";
import { createProgram } from "../../cli/program.js";
import { makeStyle } from "../../cli/render/style.js";
import { cliInProcess, root } from "../helpers.js";

const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
const io: CliIO = {
  stdout: sink,
  stderr: sink,
  out: makeStyle(sink, {}),
  err: makeStyle(sink, {}),
  exitCode: 0,
  debug: false,
};

/** Every command with its words after `secure-run` ("" for the program). */
function commands(cmd: Command, words: string[] = []): [string[], Command][] {
  return [[words, cmd], ...cmd.commands.flatMap((sub) => commands(sub, [...words, sub.name()]))];
}
const all = commands(createProgram(io));
/** Columns a line takes on a terminal (as commander counts them when it wraps). */
const width = (line: string): number => new Help().displayWidth(line);

test("every command's options are the table's, in its order; every table entry is used", () => {
  const used = new Set<string>();
  for (const [words, cmd] of all) {
    if (cmd.commands.length > 0 && words.length > 0) continue; // a group: only --help
    const name = words.join(" ") as CommandName;
    const expected = optionsOf(name).map(([key, spec]) => {
      used.add(key);
      return spec.flags;
    });
    const actual = cmd.options
      .map((o) => o.flags.replace(/ <.*>$/, ""))
      .filter((f) => f !== "-V, --version");
    assert.deepEqual(actual, expected, `secure-run ${name}`);
  }
  assert.deepEqual(
    Object.keys(OPTIONS).filter((k) => !used.has(k)),
    [],
    "table entries no command takes",
  );
});

test("an option spelled the same in several commands is one table entry, unless it means another thing", () => {
  const bySpelling = new Map<string, string[]>();
  for (const [key, spec] of Object.entries(OPTIONS))
    bySpelling.set(spec.flags, [...(bySpelling.get(spec.flags) ?? []), key]);
  // --format: three commands, three different lists of formats.
  for (const [flags, keys] of bySpelling)
    if (flags !== "--format") assert.equal(keys.length, 1, `${flags}: ${keys.join(", ")}`);
});

test("--help of every command: no line wider than 80 columns, the description unbroken", async () => {
  for (const [words, cmd] of all) {
    if (words.at(-1) === "help") continue;
    // A hard newline only between paragraphs or before an indented (preformatted) line.
    assert.doesNotMatch(
      cmd.description(),
      /[^\n]\n(?![\n ])/,
      `secure-run ${words.join(" ")}: a line break inside a paragraph`,
    );
    const r = await cliInProcess([...words, "--help"]);
    assert.equal(r.status, 0, r.stderr);
    for (const line of r.stdout.split("\n"))
      assert.ok(
        width(line) <= 80,
        `secure-run ${words.join(" ")} --help: ${width(line)} columns: ${line}`,
      );
  }
});

test("on a wider terminal a paragraph is wrapped to that width, not to 80", async () => {
  const r = await cliInProcess(["run", "--help"], { tty: true, columns: 200 });
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split("\n")[2] ?? "";
  assert.ok(width(first) > 150 && width(first) <= 200, first);
});

test("the tests run the CLI only through test/helpers.ts", () => {
  const files = (readdirSync(join(root, "test"), { recursive: true }) as string[]).filter((f) =>
    /\.(ts|mjs)$/.test(f),
  );
  const runsTheCli = /main\.cjs|from "[./]*\/cli\/(cli|program|commands\/\w+)\.js"/;
  assert.deepEqual(
    files.filter((f) => runsTheCli.test(readFileSync(join(root, "test", f), "utf8"))).sort(),
    // options.test.ts reads the commands' options from the program, and bench/results.test.ts
    // holds recorded command lines as data (the paths it refuses in committed results): neither
    // runs the CLI; snapshot.test.ts compares the executable with the modules it stands for.
    ["bench/results.test.ts", "cli/options.test.ts", "cli/snapshot.test.ts", "helpers.ts"],
  );
});

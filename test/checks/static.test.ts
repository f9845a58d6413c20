/** Lint, formatting and types are part of the suite: a failure here fails `npm test`. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

function run(bin: string, args: string[]): void {
  const r = spawnSync(process.execPath, [join(root, "node_modules", bin), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `${bin} ${args.join(" ")}\n${r.stdout}${r.stderr}`);
}

test("eslint: no problems", () => {
  run("eslint/bin/eslint.js", ["."]);
});
test("prettier: everything formatted", () => {
  run("prettier/bin/prettier.cjs", ["--check", "."]);
});
test("tsc: strict type check passes", () => {
  run("typescript/bin/tsc", ["-p", "tsconfig.json", "--noEmit"]);
});

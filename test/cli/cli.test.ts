/** The CLI as a user meets it: help, version, exit codes, error messages. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { join } from "node:path";
import { cli, root, tempDir } from "../helpers.js";
import { packageVersion as version } from "../../src/paths.cjs";

const tmp = tempDir("cli");
after(() => {
  tmp.remove();
});

test("--version prints the package version", () => {
  const r = cli(["--version"]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), version());
});

test("npm run build links node_modules/.bin/secure-run, and npx secure-run finds it", () => {
  for (const [cmd, args] of [
    [join(root, "node_modules/.bin/secure-run"), ["--version"]],
    ["npx", ["--no-install", "secure-run", "--version"]],
  ] as const) {
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), version());
  }
});

for (const args of [["--help"], ["plan", "--help"], ["run", "--help"], ["help", "run"]]) {
  test(`${args.join(" ")} shows usage with examples`, () => {
    const r = cli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: secure-run/);
    assert.match(r.stdout, /Examples:/);
  });
}

test("an unknown command or option is bad input: exit 2", () => {
  const r = cli(["frobnicate"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(cli(["plan", "--bogus", "x.yaml"]).status, 2);
  assert.equal(cli(["run"]).status, 2);
});

test("a malformed app file: exact position, exit 2, no stack trace", () => {
  const file = tmp.write("bad.yaml", "apiVersion: secure-run/v1\nkind: App\nname: [oops\n");
  const r = cli(["plan", file]);
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    `${file}:4:1: invalid YAML: unexpected end of the stream within a flow collection\n`,
  );
});

test("a schema-invalid app file: every problem with its position, exit 2", () => {
  const file = tmp.write(
    "invalid.yaml",
    "apiVersion: secure-run/v1\nkind: App\nname: web\ncommand: [/bin/true]\nnetwork:\n  mode: bridge\nresource: {}\n",
  );
  const r = cli(["run", file]);
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    `${file}:6:9: network.mode: must be one of "none", "host", "private"; got "bridge"\n` +
      `${file}:7:1: resource: unknown field "resource"\n  hint: did you mean "resources"?\n` +
      "2 problems\n",
  );
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});

test("a missing file: exit 2 naming it", () => {
  const r = cli(["plan", "/nonexistent/app.yaml"]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "/nonexistent/app.yaml: cannot read the app definition: no such file\n");
});

test("plan prints a readable plan, and --json the Plan document", () => {
  const r = cli(["plan", join(root, "examples/hello.yaml")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Plan for hello/);
  assert.match(r.stdout, /capabilities {2}none kept/);
  const j = cli(["plan", "--json", join(root, "examples/hello.yaml")]);
  const plan = JSON.parse(j.stdout) as { kind: string; seccomp: { syscalls: unknown[] } };
  assert.equal(plan.kind, "Plan");
  assert.ok(plan.seccomp.syscalls.length > 50);
});

/** Issue 20, "a refusal names its fix": every syscall the plan refuses reaches the supervisor
 * (seccomp user notification), which counts it and, when the app fails, names it with the change
 * that allows it. Real launches, real filters: foreground (Node's supervision and the bundle's
 * warm path) and detached instances. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LaunchReport } from "../../src/launch/run.js";
import {
  canLaunch,
  cli,
  root,
  rootlessBestEffort,
  rootlessBestEffortFlags,
  tempDir,
  type CliResult,
} from "../helpers.js";

const tmp = tempDir("refusals");
after(() => tmp.remove());
const skip = canLaunch ? false : "needs root, or the rootless pass";

/** test/fixtures/refusals-flood.c, built into the test's directory, mounted at /t inside. */
let volume: string[] = [];
before(() => {
  if (!canLaunch) return;
  const out = join(tmp.dir, "bin");
  execFileSync("mkdir", ["-p", out]);
  execFileSync("cc", [
    "-O2",
    "-Wall",
    "-o",
    join(out, "flood"),
    join(root, "test/fixtures/refusals-flood.c"),
  ]);
  chmodSync(out, 0o755);
  volume = ["-v", `${out}:/t:ro`];
});

const exec = (flags: string[], command: string[], env: NodeJS.ProcessEnv = {}): CliResult =>
  cli(["exec", ...rootlessBestEffortFlags, ...flags, "--", ...command], {
    env: { SECURE_RUN_NO_CACHE: "1", ...env },
  });

/** The summary's lines (each starts with "secure-run: " and one says "the sandbox refused"). */
const summaryOf = (stderr: string): string =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("secure-run: ") && !l.startsWith("secure-run: notice:"))
    .join("\n");

describe("the summary of refusals", { skip }, () => {
  // A shell is recognised (its plan gets the process profile: test/integration/interpreters):
  // timeout forks too, and is no runtime.
  test("exec -- timeout 5 echo hi names clone and --profile process, which makes it work", () => {
    const refused = exec([], ["timeout", "5", "echo", "hi"]);
    assert.notEqual(refused.status, 0, "timeout without fork fails");
    const summary = summaryOf(refused.stderr);
    assert.match(summary, /the sandbox refused \d+ calls? of timeout/);
    assert.match(
      summary,
      /^secure-run: {3}(clone|fork|vfork) +ENOSYS +\d+× by timeout +→ --profile process$/m,
    );
    assert.match(summary, /secure-run trace -- timeout 5 echo hi/);

    const fixed = exec(["--profile", "process"], ["timeout", "5", "echo", "hi"]);
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.equal(fixed.stdout.trim(), "hi");
    assert.doesNotMatch(fixed.stderr, /refused/);
  });

  test("an app file is told the field (syscalls.profiles), also on the bundle's warm path", () => {
    const file = tmp.write(
      "pipe.yaml",
      "apiVersion: secure-run/v1\nkind: App\nname: pipe\n" +
        'command: [/bin/sh, -c, "echo hi | wc -c"]\n' +
        "syscalls: { hints: [] }\n" + // no recognised shell: no process profile
        rootlessBestEffort,
    );
    const env = { SECURE_RUN_BUNDLE_CACHE: join(tmp.dir, "cache"), SECURE_RUN_CACHE_DEBUG: "1" };
    for (const pass of ["miss", "hit"]) {
      const r = cli(["run", file], { env });
      assert.notEqual(r.status, 0, `${pass}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`secure-run: cache: ${pass}`), r.stderr);
      assert.match(
        summaryOf(r.stderr),
        /^secure-run: {3}clone +ENOSYS +\d+× by sh +→ syscalls\.profiles: \[process\]$/m,
        pass,
      );
      assert.match(summaryOf(r.stderr), /secure-run trace .*pipe\.yaml/, pass);
    }
  });

  test("a program that ignores a refused call and exits 0 gets no summary; --report asks for it", () => {
    const quiet = exec(volume, ["/t/flood", "1", "0"]);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stdout, "refused 1\n");
    assert.doesNotMatch(quiet.stderr, /refused/);
    const asked = exec([...volume, "--report"], ["/t/flood", "1", "0"]);
    assert.equal(asked.status, 0, asked.stderr);
    assert.match(asked.stderr, /the sandbox refused 1 call of flood/);
    assert.match(asked.stderr, /kcmp +EPERM +1× by flood/);
  });

  test("--quiet turns the summary off; --json puts the counts in the exit report", () => {
    const quiet = exec([...volume, "--quiet"], ["/t/flood", "2", "1"]);
    assert.equal(quiet.status, 1, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /refused|kcmp/);
    const json = exec([...volume, "--json"], ["/t/flood", "2", "1"]);
    assert.equal(json.status, 1, json.stderr);
    assert.doesNotMatch(json.stderr, /the sandbox refused/);
    const line = json.stderr.split("\n").find((l) => l.startsWith('{"event":"exit"'));
    assert.ok(line, json.stderr);
    const report = JSON.parse(line) as LaunchReport;
    assert.deepEqual(
      report.refused?.calls.map((c) => [c.syscall, c.errno, c.count, c.programs]),
      [["kcmp", "EPERM", 2, { flood: 2 }]],
    );
    assert.equal(report.refused?.total, 2);
  });

  // What counting costs against --explain is measured in benchmarks/refusals.mjs, not here.
  test("a flood of refusals: counted whole, with --explain and without; the summary stays short", () => {
    const n = "100000";
    const explained = exec([...volume, "--explain"], ["/t/flood", n, "1"]);
    const counted = exec(volume, ["/t/flood", n, "1"]);
    for (const r of [explained, counted]) {
      assert.equal(r.status, 1, r.stderr.slice(-2000));
      assert.equal(r.stdout, `refused ${n}\n`);
      assert.match(r.stderr, new RegExp(`the sandbox refused ${n} calls of flood`));
    }
    // --explain prints at most 20 lines a second; the summary is all the counting path says.
    assert.ok(summaryOf(counted.stderr).split("\n").length <= 4, counted.stderr);
  });

  test("a detached instance: the summary is in its log and its refusals in inspect", () => {
    const state = join(tmp.dir, "state");
    const env = { SECURE_RUN_STATE_DIR: state };
    const started = cli(
      [
        "exec",
        "-d",
        "--name",
        "refusing",
        ...rootlessBestEffortFlags,
        "--",
        "timeout",
        "5",
        "echo",
        "hi",
      ],
      { env },
    );
    assert.equal(started.status, 0, started.stderr);
    const id = started.stdout.trim();
    try {
      let inspected: { status: string; refused: LaunchReport["refused"] | null }[] = [];
      for (let i = 0; i < 100; i++) {
        const r = cli(["inspect", id], { env });
        assert.equal(r.status, 0, r.stderr);
        inspected = JSON.parse(r.stdout) as typeof inspected;
        if (inspected[0]?.status === "exited") break;
        execFileSync("sleep", ["0.1"]);
      }
      assert.equal(inspected[0]?.status, "exited");
      const refused = inspected[0]?.refused;
      assert.ok(refused && refused.total > 0, JSON.stringify(inspected[0]));
      assert.ok(
        refused.calls.some((c) => c.syscall === "clone" && c.fix === "--profile process"),
        JSON.stringify(refused),
      );
      const log = readFileSync(join(state, "instances", id, "log"), "utf8");
      assert.match(log, / stderr F secure-run: the sandbox refused \d+ calls? of refusing/);
      assert.match(log, / stderr F secure-run: {3}clone +ENOSYS .*→ --profile process\n/);
      const logs = cli(["logs", id], { env });
      assert.match(logs.stdout + logs.stderr, /--profile process/);
    } finally {
      cli(["rm", "-f", id], { env });
    }
  });
});

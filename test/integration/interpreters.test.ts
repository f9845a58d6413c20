/**
 * Interpreters are recognised (issue 20): `secure-run exec` of a shell, Python, Node, Perl, Ruby
 * or Java command works with no flag, because the plan adds the runtime's profile; `plan` says
 * why; `hints: []` turns it off.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  canLaunch,
  cli,
  rootlessBestEffort,
  rootlessBestEffortFlags,
  tempDir,
} from "../helpers.js";

const skip = canLaunch
  ? false
  : "real launches run as root, or as the test user in the rootless pass (SECURE_RUN_TEST_AS=user)";

/** The program's path on this host, or undefined. */
function which(program: string): string | undefined {
  return ["/usr/bin", "/bin", "/usr/local/bin"]
    .map((d) => join(d, program))
    .find((p) => existsSync(p));
}

const missing = (program: string, pkg: string): string | false =>
  which(program)
    ? false
    : `${program} is not installed (Debian package ${pkg}; scripts/setup.sh --test)`;

function exec(args: string[]): ReturnType<typeof cli> {
  return cli(["exec", ...rootlessBestEffortFlags, ...args], { timeout: 60_000 });
}

const tmp = tempDir("interpreters");
chmodSync(tmp.dir, 0o755); // the app's user reads the class file there
after(() => tmp.remove());

describe("interpreters are recognised by secure-run exec", { skip }, () => {
  test("exec -- sh -c 'echo hi | wc -c' works (the shell gets fork and wait)", () => {
    const r = exec(["--", "sh", "-c", "echo hi | wc -c"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "3");
  });

  // Its standard streams are socket pairs here (the test runs the CLI from Node): libuv asks for
  // their type with getsockopt.
  test("exec -- node -e 'console.log(1)' works (node's event loop and threads)", () => {
    const r = exec(["--", "node", "-e", "console.log(1)"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "1\n");
  });

  test("exec -- python3 -c 'print(1)' works, also through /usr/bin/env", () => {
    for (const command of [
      ["python3", "-c", "print(1)"],
      ["/usr/bin/env", "python3", "-c", "import threading, json; print(json.dumps(1))"],
    ]) {
      const r = exec(["--", ...command]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "1\n");
    }
  });

  test("exec -- bash and dash pipelines, substitutions and background jobs", () => {
    for (const shell of ["bash", "dash"]) {
      const r = exec(["--", shell, "-c", 'x=$(echo a | tr a b); sleep 0 & wait; echo "$x"']);
      assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
      assert.equal(r.stdout, "b\n");
    }
  });

  test("exec -- perl -e works", { skip: missing("perl", "perl") }, () => {
    const r = exec(["--", "perl", "-e", 'my @a = map { $_ * 2 } 1..3; print "@a\\n"']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "2 4 6\n");
  });

  test("exec -- ruby -e works (its timer thread)", { skip: missing("ruby", "ruby") }, () => {
    const r = exec(["--", "ruby", "-e", "t = Thread.new { 6 * 7 }; puts t.value"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "42\n");
  });

  test(
    "exec -- java -cp DIR Main works (threads, java.nio's socket pair)",
    { skip: missing("java", "default-jre-headless") || missing("javac", "default-jdk-headless") },
    () => {
      const src = tmp.write(
        "Main.java",
        "import java.nio.file.*; import java.util.concurrent.*;\n" +
          "public class Main { public static void main(String[] a) throws Exception {\n" +
          '  System.out.println(Files.readAllLines(Paths.get("/app/Main.java")).size() > 0);\n' +
          "  ExecutorService ex = Executors.newFixedThreadPool(2);\n" +
          "  System.out.println(ex.submit(() -> 6 * 7).get()); ex.shutdown(); } }\n",
      );
      // No performance-data file in the host's /tmp (hsperfdata_USER).
      execFileSync("javac", ["-J-XX:-UsePerfData", "-d", tmp.dir, src]);
      const r = exec(["-v", `${tmp.dir}:/app:ro`, "--", "java", "-cp", "/app", "Main"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "true\n42\n");
    },
  );

  test("plan shows the recognised runtime and why; hints: [] turns it off", () => {
    const on = tmp.write(
      "on.yaml",
      "apiVersion: secure-run/v1\nkind: App\nname: on\ncommand: [sh, -c, 'echo hi | wc -c']\n" +
        rootlessBestEffort,
    );
    const off = tmp.write(
      "off.yaml",
      "apiVersion: secure-run/v1\nkind: App\nname: off\ncommand: [sh, -c, 'echo hi | wc -c']\n" +
        `syscalls: { hints: [] }\n${rootlessBestEffort}`,
    );
    const planOn = cli(["plan", on]);
    assert.equal(planOn.status, 0, planOn.stderr);
    assert.match(
      planOn.stdout,
      /profiles: base \(rule syscalls\.base\), process \(rule syscalls\.recognised-runtime\)/,
    );
    const json = cli(["plan", "--json", on]);
    assert.match(
      json.stdout,
      /"why": "the command runs sh: recognised as the shell runtime \(hints: \[\] turns this off\)"/,
    );
    const planOff = cli(["plan", off]);
    assert.equal(planOff.status, 0, planOff.stderr);
    assert.match(planOff.stdout, /profiles: base \(rule syscalls\.base\)\n/);
    assert.equal(cli(["run", on], { timeout: 60_000 }).stdout.trim(), "3");
    const r = cli(["run", off], { timeout: 60_000 });
    assert.notEqual(r.status, 0, "without fork the shell cannot run the pipeline");
    assert.match(r.stderr, /Cannot fork/);
  });
});

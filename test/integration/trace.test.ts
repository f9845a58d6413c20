/** secure-run trace on real programs: every process and thread is followed, the argument values
 * rules are made of are kept, a learned profile runs the app it was learned from and refuses
 * what the trace did not see. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import yaml from "js-yaml";
import {
  cli,
  cliCommandLine,
  canLaunch,
  leftoverCgroups,
  rootlessBestEffort,
  rootlessBestEffortFlags,
  tempDir,
} from "../helpers.js";

const skip = canLaunch
  ? false
  : "real launches run as root, or as the test user in the rootless pass (SECURE_RUN_TEST_AS=user)";
const tmp = tempDir("trace");

type Learned = { kind: string; syscalls: Record<string, { why: string; arches?: string[] }> };
/** `secure-run trace -o OUT -- COMMAND` (limits best effort in the rootless pass here). */
const traceTo = (out: string, command: string[]): ReturnType<typeof cli> =>
  cli(["trace", ...rootlessBestEffortFlags, "-o", out, "--", ...command]);
const readLearned = (file: string): Learned => yaml.load(readFileSync(file, "utf8")) as Learned;

describe("secure-run trace", { skip }, () => {
  after(() => {
    tmp.remove();
    assert.deepEqual(leftoverCgroups(), [], "no cgroup is left behind");
  });

  test("a shell pipeline: the children's calls are in the profile too", () => {
    const out = join(tmp.dir, "sh.profile.yaml");
    const r = traceTo(out, ["/bin/sh", "-c", "ls / >/dev/null; echo hi | cat"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "hi\n", "the app's own output passes through");
    assert.match(r.stderr, /traced sh: \d+ syscalls, \d+ calls in [\d.]+ s; profile written to/);
    const p = readLearned(out);
    assert.equal(p.kind, "learned");
    for (const n of ["execve", "wait4", "pipe2", "getdents64", "write", "exit_group"])
      assert.ok(p.syscalls[n], `${n} (made by sh, ls or cat)`);
    assert.match(p.syscalls.clone?.why ?? "", /flags 0x1200011/, "fork's clone flags");
    assert.equal(p.syscalls.clone3, undefined, "clone3 is refused as under a plan, not learned");
  });

  test("threads: the clone flags of pthread_create, calls made on another thread", () => {
    const out = join(tmp.dir, "py.profile.yaml");
    const program =
      "import threading, socket\n" +
      "def work():\n  socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()\n" +
      "t = threading.Thread(target=work); t.start(); t.join(); print('joined')";
    const r = traceTo(out, ["/usr/bin/python3", "-c", program]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "joined\n");
    const p = readLearned(out);
    assert.match(p.syscalls.clone?.why ?? "", /flags 0x3d0f00/, "CLONE_THREAD and friends");
    assert.match(p.syscalls.socket?.why ?? "", /AF_INET6/, "the family, from the other thread");
  });

  test("--duration stops a long-running app; progress is shown on a terminal", () => {
    const out = join(tmp.dir, "sleep.profile.yaml");
    const started = Date.now();
    // script(1) gives the trace a terminal, where the progress line appears.
    const r = spawnSync(
      "script",
      [
        "-qec",
        `${cliCommandLine} trace ${rootlessBestEffortFlags.join(" ")} --duration 1.5 -o ${out} -- /bin/sleep 60`,
        "/dev/null",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    assert.ok(Date.now() - started < 20_000, "stopped well before the app's 60 s");
    assert.match(r.stdout, /trace: 1 s, \d+ syscalls seen, \+\d+ in the last second, \d+ calls/);
    assert.ok(readLearned(out).syscalls.clock_nanosleep, "sleep's own call");
  });

  test("--write: the learned profile runs the app it was learned from and nothing more", () => {
    const app = tmp.write(
      "job.yaml",
      "apiVersion: secure-run/v1\nkind: App\nname: job\n" +
        'command: [/bin/sh, -c, "ls / >/dev/null && echo done"]\n' +
        rootlessBestEffort,
    );
    const t = cli(["trace", app, "--write"]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, /added \.\/job\.profile\.yaml to syscalls\.profiles/);
    assert.match(readFileSync(app, "utf8"), /profiles:\s*\n?\s*-?\s*\[?\s*\.\/job\.profile\.yaml/);
    assert.equal(readLearned(join(tmp.dir, "job.profile.yaml")).kind, "learned");

    const ok = cli(["run", app]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, "done\n");

    // The same app doing something the trace never saw: mkdir is refused (ENOSYS).
    const widened = readFileSync(app, "utf8").replace(
      "ls / >/dev/null && echo done",
      "mkdir /tmp/x && echo done",
    );
    tmp.write("job.yaml", widened);
    const refused = cli(["run", app]);
    assert.notEqual(refused.status, 0);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /mkdir.*Function not implemented/);

    // A second trace adds to the profile: now mkdir is in it and the app runs.
    const again = cli(["trace", app, "--write"]);
    assert.equal(again.status, 0, again.stderr);
    const p = readLearned(join(tmp.dir, "job.profile.yaml"));
    assert.ok(p.syscalls.mkdir, "the new call");
    assert.ok(p.syscalls.getdents64, "ls's call, from the first trace, kept");
    assert.equal(cli(["run", app]).stdout, "done\n");
  });

  test("a trace cannot overwrite a hand-written profile", () => {
    const mine = tmp.write(
      "mine.yaml",
      "name: mine\ndescription: by hand\nsyscalls:\n  write: output\n",
    );
    const r = traceTo(mine, ["/bin/true"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not a learned profile/);
    assert.match(r.stderr, /--replace/);
    assert.match(readFileSync(mine, "utf8"), /by hand/, "left as it was");
  });
});

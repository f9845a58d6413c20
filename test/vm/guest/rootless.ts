/** The cgroup2 lane, rootless (issue 16): a cgroup v2 subtree delegated to the test user as
 * systemd delegates one (user@.service, `systemd-run --user --scope -p Delegate=yes`): root makes
 * the directory, enables the controllers in its parent's cgroup.subtree_control, and gives the
 * directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads to the user. The user
 * then compiles its apps and runs each bundle with the launcher, started alone in a fresh cgroup
 * below the delegated one (what a scope is): the limits are enforced rootless. guest.sh adds the
 * user to the VM's passwd and group (the shared / is read-only). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliPath, commandAs, createTestUser, root, type TestUser } from "../../helpers.js";
import { buildProgram } from "../../shared/fixtures.js";

const delegated = "/sys/fs/cgroup/srtest-rootless.slice";
const launcher = join(root, "build/Release/secure-run-launch");
let user: TestUser;
let dir: string;
let scopes = 0;

/** `argv` run as the user inside a new scope below the delegated subtree, as systemd starts a
 * user's unit: root makes the scope, gives it to the user, moves the shell in (moving a process
 * needs write access to the common ancestor's cgroup.procs, which only root has), then drops to
 * the user. */
function inScope(scope: string, argv: [string, ...string[]]): ReturnType<typeof spawnSync> {
  const [file, args] = commandAs(user, argv);
  const r = spawnSync(
    "sh",
    [
      "-c",
      'mkdir "$1" && chown "$2" "$1" "$1/cgroup.procs" "$1/cgroup.subtree_control" "$1/cgroup.threads" && echo $$ > "$1/cgroup.procs" && shift 2 && exec "$@"',
      "sh",
      scope,
      `${user.uid}:${user.gid}`,
      file,
      ...args,
    ],
    { encoding: "utf8", timeout: 240_000, env: user.env },
  );
  for (let i = 0; i < 50 && existsSync(scope); i++) {
    try {
      rmdirSync(scope);
    } catch {
      spawnSync("sleep", ["0.1"]);
    }
  }
  return r;
}

/** Compiles `command` with `resources` as the user and runs its bundle in a new scope. */
function launchRootless(
  name: string,
  command: string[],
  resources: string,
): ReturnType<typeof spawnSync> {
  const app = join(dir, `${name}.yaml`);
  writeFileSync(
    app,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(command)}\n` +
      `mounts:\n  - { source: ${join(dir, "bin")}, target: /opt/probe }\n` +
      `syscalls: { profiles: [process] }\nresources: ${resources}\nbestEffort: [landlock]\n`,
  );
  user.give(app);
  const bundle = join(dir, `${name}.bundle`);
  // The plan depends on the caller's cgroup: compiled inside a scope of the user's too.
  const c = inScope(join(delegated, `compile-${++scopes}.scope`), [
    process.execPath,
    cliPath,
    "compile",
    "-o",
    bundle,
    app,
  ]);
  assert.equal(c.status, 0, `compile as ${user.name}: ${String(c.stderr)}`);
  return inScope(join(delegated, `run-${++scopes}.scope`), [launcher, "--bundle", bundle]);
}

describe("cgroup v2 rootless: a subtree delegated to the user", () => {
  before(() => {
    user = createTestUser();
    dir = join(user.home, "apps");
    mkdirSync(join(dir, "bin"), { recursive: true });
    buildProgram("probe", join(dir, "bin/probe"), "dynamic");
    user.give(dir);
    writeFileSync("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids +cpu");
    mkdirSync(delegated);
    for (const f of ["", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"])
      chownSync(join(delegated, f), user.uid, user.gid);
    // The scopes below get the controllers from the delegated directory (as systemd enables them).
    writeFileSync(join(delegated, "cgroup.subtree_control"), "+memory +pids +cpu");
  });
  after(() => {
    for (const e of existsSync(delegated) ? readdirSync(delegated) : [])
      if (e.endsWith(".scope")) spawnSync("rmdir", [join(delegated, e)]);
    if (existsSync(delegated)) rmdirSync(delegated);
    user?.remove();
  });

  test("the user's plan says the limits are enforced in its delegated subtree", () => {
    const app = join(dir, "plan.yaml");
    writeFileSync(
      app,
      "apiVersion: secure-run/v1\nkind: App\nname: plan\ncommand: [/bin/true]\nresources: { memory: 32Mi, pids: 16 }\n",
    );
    user.give(app);
    // The CLI must start inside the scope: a shell placed there, then the CLI (cliPath).
    const r = inScope(join(delegated, "plan.scope"), [
      process.execPath,
      cliPath,
      "plan",
      "--json",
      app,
    ]);
    assert.equal(r.status, 0, String(r.stderr));
    const plan = JSON.parse(String(r.stdout)) as {
      enforcement: { part: string; enforced: boolean }[];
    };
    for (const part of ["memory", "pids"])
      assert.equal(plan.enforcement.find((e) => e.part === part)?.enforced, true, part);
  });

  test("a memory hog is killed at the memory limit, rootless", () => {
    const r = launchRootless("memhog", ["/opt/probe/probe", "memhog", "512"], "{ memory: 32Mi }");
    assert.equal(r.status, 137, `${String(r.stdout)}\n${String(r.stderr)}`);
    assert.doesNotMatch(String(r.stdout), /touched/);
  });

  test("a fork loop stops at the pids limit, rootless", () => {
    const r = launchRootless("forkloop", ["/opt/probe/probe", "forkloop", "200"], "{ pids: 16 }");
    const m = /forkloop: (\d+) forks, then errno 11 \(EAGAIN\)/.exec(String(r.stdout));
    assert.ok(m, `${String(r.stdout)}\n${String(r.stderr)}`);
    assert.ok(Number(m[1]) <= 14, String(r.stdout));
  });

  test("nothing is left in the delegated subtree", () => {
    assert.deepEqual(
      readdirSync(delegated).filter((e) => e.startsWith("secure-run-") || e.endsWith(".scope")),
      [],
    );
  });
});

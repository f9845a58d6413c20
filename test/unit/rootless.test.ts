/** What a caller other than root gets from the TypeScript side: cgroup delegation as a fact, a
 * runtime directory of its own, gc of its own cgroups only, and doctor's account of it. */
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { CgroupHierarchy } from "../../src/host/cgroups.js";
import { rootlessChecks } from "../../src/host/doctor.js";
import { cgroupFacts, type HostFacts } from "../../src/host/facts.js";
import { collectGarbage } from "../../src/launch/gc.js";
import { runtimeDir } from "../../src/paths.cjs";
import { parseApp } from "../../src/appspec/load.js";
import { exportDockerSeccomp } from "../../src/export/docker-seccomp.js";
import { exportOci } from "../../src/export/oci.js";
import { makePlan } from "../../src/plan/make.js";
import { debianAccounts, debianHost, rangeUserns } from "../fixtures/hosts.js";
import { root } from "../helpers.js";

const USER = 65534;
const asRoot = process.geteuid?.() === 0;

function scratch(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sr-rootless-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const controllers = ["memory", "pids", "cpu"];

test("cgroup v1 is never a user's, even where its directory is writable", (t) => {
  const dir = scratch(t);
  const h: CgroupHierarchy[] = [{ version: 1, controllers, mountPoint: dir, ownDir: dir }];
  assert.equal(cgroupFacts(h, 0).writable, true);
  assert.equal(cgroupFacts(h, 1000).writable, false);
});

test("cgroup v2 is a user's when its directory, cgroup.procs and cgroup.subtree_control are", (t) => {
  const dir = scratch(t);
  const h: CgroupHierarchy[] = [{ version: 2, controllers, mountPoint: dir, ownDir: dir }];
  writeFileSync(join(dir, "cgroup.procs"), "");
  // subtree_control missing: controllers cannot be given to the app's cgroup
  assert.equal(cgroupFacts(h, 1000).writable, false);
  writeFileSync(join(dir, "cgroup.subtree_control"), "");
  assert.deepEqual(cgroupFacts(h, 1000), { version: 2, available: controllers, writable: true });
});

test("root's runtime directory is /run/secure-run", () => {
  assert.equal(runtimeDir(0, {}), "/run/secure-run");
});

test(
  "a user's runtime directory: its XDG_RUNTIME_DIR when that is its alone",
  { skip: !asRoot },
  (t) => {
    const dir = scratch(t);
    const xdg = join(dir, "run-user");
    mkdirSync(xdg, { mode: 0o700 });
    chownSync(xdg, USER, USER);
    assert.equal(runtimeDir(USER, { XDG_RUNTIME_DIR: xdg }, dir), join(xdg, "secure-run"));
    // another user's XDG_RUNTIME_DIR is not used: the fallback under tmp, made for this uid
    chownSync(xdg, 0, 0);
    const own = join(dir, `secure-run-${USER}`);
    mkdirSync(own, { mode: 0o700 });
    chownSync(own, USER, USER);
    assert.equal(runtimeDir(USER, { XDG_RUNTIME_DIR: xdg }, dir), own);
  },
);

test("a user's runtime directory made first by someone else is refused", { skip: !asRoot }, (t) => {
  const dir = scratch(t);
  // created here by root (this test's process): hostile pre-creation for uid 65534
  mkdirSync(join(dir, `secure-run-${USER}`), { mode: 0o700 });
  assert.throws(() => runtimeDir(USER, {}, dir), /owned by uid 0, not by you \(uid 65534\)/);
  // the user's own, but open to others
  chownSync(join(dir, `secure-run-${USER}`), USER, USER);
  const open = join(dir, `secure-run-${USER}`);
  chmodSync(open, 0o777);
  assert.throws(() => runtimeDir(USER, {}, dir), /open to others \(mode 777\)/);
});

test("gc: a user cleans only the cgroups it owns; root every one", { skip: !asRoot }, async (t) => {
  const dir = scratch(t);
  const h: CgroupHierarchy[] = [{ version: 1, controllers, mountPoint: dir, ownDir: dir }];
  const roots = join(dir, "secure-run-a-999999");
  const users = join(dir, "secure-run-b-999998");
  mkdirSync(roots);
  mkdirSync(users);
  chownSync(users, USER, USER);
  const mine = await collectGarbage({ dryRun: true, hierarchies: h, uid: USER });
  assert.deepEqual(mine.removed, [users]);
  const all = await collectGarbage({ dryRun: true, hierarchies: h, uid: 0 });
  assert.deepEqual(all.removed.sort(), [roots, users].sort());
});

const facts = (over: Partial<HostFacts>): HostFacts => ({
  arch: "x86_64",
  kernel: "6.1",
  root: {},
  landlock: { abi: 7 },
  libseccomp: "2.5.4",
  rlimits: {},
  selinux: "enforcing",
  userns: { available: true, callerUid: 1000, callerGid: 1000, subuid: null, subgid: null },
  cgroup: { version: 1, available: controllers, writable: false },
  swap: { total: 0, accounting: false },
  ...over,
});

test("doctor, for a user: the single id, no limits on v1 and how to get them, the inherited label", () => {
  const checks = rootlessChecks(facts({}), [], "unconfined_u:unconfined_r:unconfined_t:s0");
  const by = Object.fromEntries(checks.map((c) => [c.name, c]));
  assert.match(
    by["rootless id map"]?.detail ?? "",
    /^a single id: the app's uid and gid map to yours \(1000, 1000\)/,
  );
  assert.match(by["rootless id map"]?.detail ?? "", /newuidmap and newgidmap \(package uidmap\)/);
  assert.equal(by["rootless limits"]?.ok, false);
  assert.match(by["rootless limits"]?.detail ?? "", /cgroup v1 is never delegated to users/);
  assert.match(
    by["rootless limits"]?.detail ?? "",
    /systemd-run --user --scope -p Delegate=yes secure-run run APP/,
  );
  assert.match(
    by.SELinux?.detail ?? "",
    /keeps the label it inherits \(unconfined_u:unconfined_r:unconfined_t:s0\)/,
  );
});

test("doctor, for a user with helpers, ranges and a delegated v2 cgroup: all of it", () => {
  const f = facts({
    userns: rangeUserns,
    cgroup: { version: 2, available: controllers, writable: true },
  });
  const h: CgroupHierarchy[] = [
    {
      version: 2,
      controllers,
      mountPoint: "/sys/fs/cgroup",
      ownDir: "/sys/fs/cgroup/user.slice/u",
    },
  ];
  const by = Object.fromEntries(rootlessChecks(f, h, undefined).map((c) => [c.name, c]));
  assert.equal(by["rootless id map"]?.ok, true);
  assert.match(by["rootless id map"]?.detail ?? "", /\/etc\/subuid 165536\+65536/);
  assert.equal(by["rootless limits"]?.ok, true);
  assert.match(
    by["rootless limits"]?.detail ?? "",
    /\/sys\/fs\/cgroup\/user.slice\/u is delegated to you/,
  );
});

test("exports say how to run them rootless: runc --rootless true, podman as a user", () => {
  const file = join(root, "examples/hello.yaml");
  const loaded = parseApp(readFileSync(file, "utf8"), file);
  const user = {
    ...debianHost,
    userns: { ...debianHost.userns, callerUid: 1000, callerGid: 1000 },
  };
  const rootPlan = makePlan(loaded, { host: debianHost, accounts: debianAccounts }).plan;
  const userPlan = makePlan(loaded, { host: user, accounts: debianAccounts }).plan;
  const oci = exportOci(userPlan);
  const rootless = oci.notes.find((n) => n.startsWith("rootless: "));
  assert.match(rootless ?? "", /runc --rootless true run/);
  assert.match(rootless ?? "", /its id maps are already yours \(uid 1000\)/);
  assert.match(exportOci(rootPlan).notes.find((n) => n.startsWith("rootless: ")) ?? "", /root's/);
  const notesMd = oci.entries.find((e) => e.path === "NOTES.md");
  assert.match(
    notesMd && "content" in notesMd ? notesMd.content : "",
    /runc --rootless true run -b \. hello/,
  );
  const docker = exportDockerSeccomp(userPlan);
  assert.match(
    docker.notes.find((n) => n.startsWith("rootless: ")) ?? "",
    /`podman run` as a user/,
  );
});

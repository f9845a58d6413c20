import assert from "node:assert/strict";
import { test } from "node:test";
import { launcherArgs } from "../../src/bundle/argv.cjs";
import { compileBundle, type Planned } from "../../src/bundle/compile.js";
import { execBundle } from "../../src/bundle/warm.cjs";
import { runArgs } from "../../src/launch/run.js";
import type { ExecAddon } from "../../src/native/exec.cjs";
import type { Plan } from "../../src/plan/types.js";

const r = [{ kind: "rule" as const, ref: "t" }];

const plan: Plan = {
  apiVersion: "secure-run/v1",
  kind: "Plan",
  name: "web",
  hostname: "web",
  process: {
    args: ["/usr/sbin/nginx", "-g", "daemon off;"],
    env: ["HOME=/", "PATH=/bin"],
    cwd: "/srv",
    user: { uid: 33, gid: 33, groups: [4], reasons: r },
    noNewPrivileges: true,
    newSession: true,
    rlimits: [{ type: "core", soft: 0, hard: 0, reasons: r }],
  },
  namespaces: ["uts", "pid", "mount", "ipc", "user", "cgroup"],
  userNamespace: {
    uidMap: [{ inside: 0, outside: 100000, count: 65536 }],
    gidMap: [{ inside: 0, outside: 100000, count: 65536 }],
    reasons: r,
  },
  filesystem: {
    readOnlyRoot: true,
    maskedPaths: [{ path: "/proc/kcore", reasons: r }],
    readOnlyPaths: [{ path: "/proc/sys", reasons: r }],
    persistence: [],
    mounts: [
      { type: "bind", source: "/usr", target: "/usr", readOnly: true, reasons: r },
      {
        type: "bind",
        source: "/etc/x",
        target: "/etc/x",
        readOnly: true,
        optional: true,
        reasons: r,
      },
      { type: "bind", source: "/srv/data", target: "/data", readOnly: false, reasons: r },
      { type: "symlink", target: "/bin", linkTo: "usr/bin", reasons: r },
      { type: "proc", target: "/proc", reasons: r },
      { type: "dev", target: "/dev", reasons: r },
      { type: "tmpfs", target: "/tmp", size: 1048576, mode: 1023, reasons: r },
    ],
  },
  capabilities: { keep: [{ name: "NET_BIND_SERVICE", reasons: r }], drop: [], refused: [] },
  seccomp: {
    defaultAction: { action: "errno", errno: "ENOSYS" },
    badArchAction: "kill_process",
    architectures: ["x86_64"],
    profiles: [],
    syscalls: [],
    removed: [],
  },
  network: {
    mode: "host",
    listen: [{ port: 80, protocol: "tcp", reasons: r }],
    connect: [{ port: 5432, protocol: "tcp", reasons: r }],
    sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "80", reasons: r }],
  },
  landlock: {
    fs: [
      { path: "/", access: ["read"], reasons: r },
      { path: "/tmp", access: ["read", "write"], reasons: r },
      { path: "/usr", access: ["execute", "read"], reasons: r },
    ],
    scope: ["abstract-unix", "signal"],
    tcpBind: [{ port: 80, reasons: r }],
    tcpConnect: [{ port: 5432, reasons: r }],
  },
  selinux: {
    processType: "container_t",
    fileType: "container_file_t",
    level: "s0",
    categories: { count: 2, allocation: "per-instance" },
    enforced: false,
    reasons: r,
  },
  cgroup: {
    memory: { max: 134217728, swapMax: 0, oomGroup: true, reasons: r, swapReasons: r },
    cpu: { quota: 50000, period: 100000, reasons: r },
    pids: { max: 64, reasons: r },
  },
  lifecycle: {
    restart: { policy: "no", maxRetries: 0 },
    instances: 1,
    stop: { signal: "SIGTERM", timeout: 10 },
  },
  enforcement: [],
  notices: [],
};

test("every part of the plan becomes a launcher option", () => {
  assert.deepEqual(launcherArgs({ plan, landlockAbi: 7, seccompFd: 3 }, { reportFd: 4 }), [
    "--name",
    "web",
    "--unshare",
    "cgroup,ipc,mount,pid,user,uts",
    "--uid",
    "33",
    "--gid",
    "33",
    "--groups",
    "4",
    "--cwd",
    "/srv",
    "--hostname",
    "web",
    "--uid-map",
    "0:100000:65536",
    "--gid-map",
    "0:100000:65536",
    "--env",
    "HOME=/",
    "--env",
    "PATH=/bin",
    "--cap",
    "NET_BIND_SERVICE",
    "--rlimit",
    "core=0:0",
    "--new-session",
    "--memory",
    "134217728",
    "--memory-swap",
    "0",
    "--pids",
    "64",
    "--cpu",
    "50000:100000",
    "--ro-bind",
    "/usr",
    "/usr",
    "--ro-bind-try",
    "/etc/x",
    "/etc/x",
    "--bind",
    "/srv/data",
    "/data",
    "--symlink",
    "usr/bin",
    "/bin",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "1048576",
    "1777",
    "--mask",
    "/proc/kcore",
    "--read-only",
    "/proc/sys",
    "--read-only-root",
    "--sysctl",
    "net.ipv4.ip_unprivileged_port_start=80",
    "--landlock-fs",
    "r",
    "/",
    "--landlock-fs",
    "rw",
    "/tmp",
    "--landlock-fs",
    "xr",
    "/usr",
    "--restrict-tcp-bind",
    "80",
    "--restrict-tcp-connect",
    "5432",
    "--landlock-scope",
    "abstract-unix,signal",
    "--seccomp-fd",
    "3",
    "--report-fd",
    "4",
    "--",
    "/usr/sbin/nginx",
    "-g",
    "daemon off;",
  ]);
});

test("what this host's Landlock cannot enforce is left out; no uts, no hostname", () => {
  const old = launcherArgs({ plan: { ...plan, namespaces: ["pid"] }, landlockAbi: 3 });
  assert.ok(old.includes("--landlock-fs"));
  assert.ok(!old.includes("--restrict-tcp-bind"));
  assert.ok(!old.includes("--landlock-scope"));
  assert.ok(!old.includes("--hostname"));
  const abi5 = launcherArgs({ plan, landlockAbi: 5 });
  assert.ok(abi5.includes("--restrict-tcp-bind"));
  assert.ok(!abi5.includes("--landlock-scope"));
  const none = launcherArgs({ plan, landlockAbi: 0 });
  assert.ok(!none.includes("--landlock-fs"));
});

// Every launch mode's command line, from the one builder: `run` (runPlan), `run --explain`,
// `trace`, `run` under SELinux, a compiled bundle, and the warm path launching a bundle.
const base = launcherArgs({ plan, landlockAbi: 7, seccompFd: 3 }, { reportFd: 4 });
const field = (ref: string): { kind: "field"; ref: string }[] => [{ kind: "field", ref }];
const volumes: Plan = {
  ...plan,
  filesystem: {
    ...plan.filesystem,
    mounts: [
      ...plan.filesystem.mounts,
      {
        type: "bind",
        source: "/srv/rw",
        target: "/rw",
        readOnly: false,
        reasons: field("mounts[0]"),
      },
      {
        type: "bind",
        source: "/srv/ro",
        target: "/ro",
        readOnly: true,
        reasons: field("mounts[1]"),
      },
      {
        type: "bind",
        source: "/srv/root",
        target: "/",
        readOnly: true,
        reasons: field("root.rootfs"),
      },
    ],
  },
};

test("run: the plan on descriptors 3 (filter) and 4 (report), ended with its parent", () => {
  assert.deepEqual(runArgs(plan, { landlockAbi: 7 }), ["--die-with-parent", ...base]);
});

test("run --explain --json --cgroup-parent: the explain filter on descriptor 5", () => {
  const args = runArgs(plan, {
    landlockAbi: 7,
    cgroupParent: "/sys/fs/cgroup/apps",
    explain: { bpf: Buffer.alloc(0), json: true },
  });
  assert.deepEqual(args, [
    "--cgroup-parent",
    "/sys/fs/cgroup/apps",
    "--explain-fd",
    "5",
    "--explain-json",
    "--die-with-parent",
    ...base,
  ]);
  const plain = runArgs(plan, { landlockAbi: 7, explain: { bpf: Buffer.alloc(0), json: false } });
  assert.deepEqual(plain, ["--explain-fd", "5", "--die-with-parent", ...base]);
});

test("trace: the record on descriptor 6", () => {
  assert.deepEqual(runArgs(plan, { landlockAbi: 7, trace: { progress: true } }), [
    "--trace-fd",
    "6",
    "--trace-progress",
    "--die-with-parent",
    ...base,
  ]);
  assert.deepEqual(runArgs(plan, { landlockAbi: 7, trace: { progress: false } }).slice(0, 3), [
    "--trace-fd",
    "6",
    "--die-with-parent",
  ]);
});

test("run under SELinux: the base labels, the MCS registry and the instances' group; the app's writable volumes and rootfs relabelled", () => {
  const args = runArgs(volumes, {
    landlockAbi: 7,
    selinux: {
      process: "system_u:system_r:container_t:s0",
      file: "system_u:object_r:container_file_t:s0",
      mcsRegistry: "/run/secure-run/mcs",
      mcsShared: "123-abc",
    },
  });
  const own = launcherArgs({ plan: volumes, landlockAbi: 7, seccompFd: 3 }, { reportFd: 4 });
  assert.deepEqual(args, [
    "--selinux-label",
    "system_u:system_r:container_t:s0",
    "--selinux-mount-label",
    "system_u:object_r:container_file_t:s0",
    "--selinux-mcs-registry",
    "/run/secure-run/mcs",
    "--selinux-mcs-shared",
    "123-abc",
    "--relabel",
    "/srv/rw",
    "--relabel",
    "/srv/root",
    "--die-with-parent",
    ...own,
  ]);
});

test("a bundle: no descriptors; under SELinux the launcher allocates from the MCS registry", () => {
  const args = launcherArgs({
    plan: volumes,
    landlockAbi: 7,
    selinux: { process: "P", file: "F", mcsRegistry: "/run/secure-run/mcs" },
  });
  const own = launcherArgs({ plan: volumes, landlockAbi: 7 });
  assert.ok(!own.includes("--seccomp-fd") && !own.includes("--report-fd"));
  assert.deepEqual(args, [
    "--selinux-label",
    "P",
    "--selinux-mount-label",
    "F",
    "--selinux-mcs-registry",
    "/run/secure-run/mcs",
    "--relabel",
    "/srv/rw",
    "--relabel",
    "/srv/root",
    ...own,
  ]);
});

test("the warm path: the launcher, given the bundle file and its sha256", () => {
  const calls: string[][] = [];
  const exec: ExecAddon = {
    exec(path, argv) {
      calls.push([path, ...argv]);
      throw new Error("exec");
    },
    flock: () => true,
    ofdLocked: () => false,
    spawnDetached: () => {
      throw new Error("not spawned on the warm path");
    },
    whiteout: () => undefined,
    setXattr: () => undefined,
    getXattr: () => null,
    overlayProbe: () => null,
    reap: () => null,
  };
  const bundle = { file: "/cache/k.bundle", sha256: "ab".repeat(32) };
  assert.throws(() => execBundle(exec, bundle, []), /exec/);
  assert.throws(() => execBundle(exec, bundle, [], "/sys/fs/cgroup/apps"), /exec/);
  const launcher = calls[0]?.[0] ?? "";
  assert.deepEqual(calls, [
    [launcher, launcher, "--bundle", bundle.file, "--bundle-sha256", bundle.sha256],
    [
      launcher,
      launcher,
      "--cgroup-parent",
      "/sys/fs/cgroup/apps",
      "--bundle",
      bundle.file,
      "--bundle-sha256",
      bundle.sha256,
    ],
  ]);
  assert.match(launcher, /secure-run-launch$/);
});

test("a bundle of a plan under SELinux is not made without the MCS registry", () => {
  const enforced = { ...plan, selinux: { ...plan.selinux, enforced: true } };
  assert.throws(
    () => compileBundle({ plan: enforced } as unknown as Planned),
    /needs the MCS registry/,
  );
});

// A launch by a user (uid 1000) without newuidmap: the app's ids map to the caller's, one each;
// no delegated cgroup, so no limits are passed; SELinux, even where it enforces, is not asked for.
const rootlessPlan: Plan = {
  ...plan,
  process: { ...plan.process, user: { uid: 33, gid: 33, groups: [], reasons: r } },
  userNamespace: {
    uidMap: [{ inside: 33, outside: 1000, count: 1 }],
    gidMap: [{ inside: 33, outside: 1000, count: 1 }],
    reasons: r,
  },
  selinux: { ...plan.selinux, enforced: false },
  rootless: { uid: 1000, gid: 1000, idMap: "single", limits: false, reasons: r },
};

test("a rootless plan: the caller's id maps, no cgroup options, no SELinux options", () => {
  const selinux = {
    process: "system_u:system_r:container_t:s0",
    file: "system_u:object_r:container_file_t:s0",
    mcsRegistry: "/run/secure-run/mcs",
  };
  const args = launcherArgs({ plan: rootlessPlan, landlockAbi: 7, seccompFd: 3, selinux });
  const at = (o: string): string | undefined => args[args.indexOf(o) + 1];
  assert.equal(at("--uid-map"), "33:1000:1");
  assert.equal(at("--gid-map"), "33:1000:1");
  assert.equal(at("--groups"), "");
  for (const o of ["--memory", "--memory-swap", "--pids", "--cpu"]) assert.ok(!args.includes(o), o);
  // No limits to enforce: the launcher is told to make no cgroup (it could not, unprivileged).
  assert.ok(args.includes("--no-cgroup"));
  for (const o of [
    "--selinux-label",
    "--selinux-mount-label",
    "--selinux-mcs-registry",
    "--relabel",
  ])
    assert.ok(!args.includes(o), o);
  // Everything else is root's command line: only the id maps and the limits differ.
  const strip = (a: string[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < a.length; i++) {
      if (["--uid-map", "--gid-map", "--groups"].includes(a[i] ?? "")) i++;
      else if (["--memory", "--memory-swap", "--pids", "--cpu"].includes(a[i] ?? "")) i++;
      else if (a[i] !== "--no-cgroup") out.push(a[i] ?? "");
    }
    return out;
  };
  assert.deepEqual(strip(args), strip(launcherArgs({ plan, landlockAbi: 7, seccompFd: 3 })));
  // With a delegated cgroup, the limits are passed as root's are.
  const delegated = launcherArgs({
    plan: {
      ...rootlessPlan,
      rootless: { uid: 1000, gid: 1000, idMap: "single", limits: true, reasons: r },
    },
    landlockAbi: 7,
  });
  assert.equal(delegated[delegated.indexOf("--memory") + 1], "134217728");
  assert.ok(!delegated.includes("--no-cgroup"));
  assert.equal(delegated[delegated.indexOf("--cpu") + 1], "50000:100000");
});

test("a writable root: --writable-layer DIR from the caller's options, and --read-only-root for a launch without one", () => {
  const writable: Plan = {
    ...plan,
    filesystem: {
      ...plan.filesystem,
      readOnlyRoot: false,
      writableLayer: { lower: null, reasons: r },
    },
  };
  const bare = launcherArgs({ plan: writable, landlockAbi: 7 });
  assert.ok(bare.includes("--read-only-root"));
  assert.ok(!bare.includes("--writable-layer"));
  const args = launcherArgs(
    { plan: writable, landlockAbi: 7 },
    { writableLayer: "/var/lib/i/layer" },
  );
  assert.deepEqual(args, ["--writable-layer", "/var/lib/i/layer", ...bare]);
  const bundle = launcherArgs({ bundle: "/b", sha256: "ab" }, { writableLayer: "/l" });
  assert.deepEqual(bundle, ["--writable-layer", "/l", "--bundle", "/b", "--bundle-sha256", "ab"]);
});

test("an instance: the supervisor's options come before the bundle, only those given", () => {
  const bundle = { bundle: "/s/instances/ab/bundle", sha256: "f".repeat(64) };
  assert.deepEqual(
    launcherArgs(bundle, {
      instance: {
        dir: "/s/instances/ab",
        readyFd: 3,
        restart: { policy: "on-failure", maxRetries: 5 },
        stopSignal: "SIGQUIT",
        logMax: 4096,
        removeWhenDone: true,
        name: "web",
      },
    }),
    [
      "--instance",
      "/s/instances/ab",
      "--ready-fd",
      "3",
      "--restart",
      "on-failure",
      "--max-retries",
      "5",
      "--stop-signal",
      "SIGQUIT",
      "--log-max",
      "4096",
      "--remove-when-done",
      "--instance-name",
      "web",
      "--bundle",
      "/s/instances/ab/bundle",
      "--bundle-sha256",
      "f".repeat(64),
    ],
  );
  // Policy "no" is the launcher's default: nothing to say; a name without --rm is not passed.
  assert.deepEqual(
    launcherArgs(bundle, {
      instance: { dir: "/d", restart: { policy: "no", maxRetries: 3 }, name: "web" },
    }).slice(0, 3),
    ["--instance", "/d", "--bundle"],
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { launcherArgs } from "../../src/launch/argv.js";
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
  namespaces: ["uts", "pid", "mount", "ipc"],
  filesystem: {
    readOnlyRoot: true,
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
  capabilities: { keep: [{ name: "NET_BIND_SERVICE", reasons: r }], drop: [] },
  seccomp: {
    defaultAction: { action: "errno", errno: "ENOSYS" },
    badArchAction: "kill_process",
    architectures: ["x86_64"],
    profiles: [],
    syscalls: [],
    removed: [],
  },
  network: { mode: "host", listen: [{ port: 80, protocol: "tcp", reasons: r }] },
  landlock: { tcpBind: [{ port: 80, reasons: r }] },
  cgroup: { memory: { max: 134217728, swapMax: 0, reasons: r }, pids: { max: 64, reasons: r } },
  notices: [],
};

test("every part of the plan becomes a launcher option", () => {
  assert.deepEqual(launcherArgs(plan, { seccomp: 3, report: 4 }), [
    "--name",
    "web",
    "--unshare",
    "ipc,mount,pid,uts",
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
    "--read-only-root",
    "--restrict-tcp-bind",
    "80",
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

test("no Landlock section, no restriction option; no uts, no hostname", () => {
  const args = launcherArgs(
    { ...plan, landlock: null, namespaces: ["pid"] },
    { seccomp: 3, report: 4 },
  );
  assert.ok(!args.includes("--restrict-tcp-bind"));
  assert.ok(!args.includes("--hostname"));
});

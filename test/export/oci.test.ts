/** The OCI export: the bundle's config.json and rootfs entries, planned for a fixed host. runc
 * and crun running these bundles are in test/integration/oci-runtimes.test.ts. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exportOci, ociConfig } from "../../src/export/index.js";
import { NET_APP, allPresent, examplePlan, planOfText } from "./plans.js";

describe("the OCI bundle's config.json", () => {
  test("a host-view plan: binds, namespaces, id maps, limits, seccomp, masked paths", () => {
    const plan = examplePlan("hello.yaml");
    const c = ociConfig(plan, { stat: allPresent });
    assert.equal(c.ociVersion, "1.0.2");
    assert.deepEqual(c.root, { path: "rootfs", readonly: true });
    assert.equal(c.hostname, "hello");
    assert.equal(c.process.terminal, false);
    assert.equal(c.process.noNewPrivileges, true);
    assert.deepEqual(c.process.user, { uid: 65534, gid: 65534 });
    for (const set of Object.values(c.process.capabilities)) assert.deepEqual(set, []);
    assert.deepEqual(
      c.process.rlimits,
      plan.process.rlimits.map((r) => ({
        type: `RLIMIT_${r.type.toUpperCase()}`,
        hard: r.hard,
        soft: r.soft,
      })),
    );
    assert.equal(c.process.rlimits[0]?.type, "RLIMIT_CORE");
    assert.deepEqual(
      c.linux.namespaces.map((n) => n.type),
      ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"],
    );
    assert.deepEqual(c.linux.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
    assert.deepEqual(c.linux.resources.memory, {
      limit: 64 << 20,
      swap: 64 << 20,
      disableOOMKiller: false,
    });
    assert.deepEqual(c.linux.resources.pids, { limit: 32 });
    assert.equal(c.linux.seccomp.defaultAction, "SCMP_ACT_ERRNO");
    assert.equal(c.linux.seccomp.defaultErrnoRet, 38);
    assert.deepEqual(c.linux.seccomp.architectures, ["SCMP_ARCH_X86_64"]);
    assert.ok(c.linux.maskedPaths.includes("/proc/kcore"));
    assert.ok(c.linux.readonlyPaths.includes("/proc/sys"));
    assert.deepEqual(
      c.mounts.find((m) => m.destination === "/usr"),
      {
        destination: "/usr",
        type: "bind",
        source: "/usr",
        options: ["rbind", "ro", "nosuid", "nodev"],
      },
    );
    assert.deepEqual(
      c.mounts
        .filter((m) => m.destination.startsWith("/dev"))
        .map((m) => `${m.destination} ${m.type}`),
      ["/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs"],
    );
    assert.equal(c.annotations["io.secure-run.landlock.enforced"], "false");
    assert.match(c.annotations["io.secure-run.landlock.fs"] ?? "", /\/usr=xr/);
    // SELinux is disabled on the plan's host: runc refuses labels there.
    assert.equal(c.process.selinuxLabel, undefined);
    assert.match(
      c.annotations["io.secure-run.selinux.process-label"] ?? "",
      /^system_u:system_r:container_t:s0:c\d+,c\d+$/,
    );
  });

  test("an app with ports, a capability, binds: capabilities in every set, sysctl, cpu, swap", () => {
    const c = ociConfig(planOfText(NET_APP), { stat: allPresent });
    for (const set of Object.values(c.process.capabilities))
      assert.deepEqual(set, ["CAP_NET_BIND_SERVICE"]);
    assert.deepEqual(c.linux.resources.cpu, { quota: 50000, period: 100000 });
    assert.equal(c.linux.resources.memory.swap, (256 + 64) << 20);
    assert.deepEqual(c.linux.sysctl, { "net.ipv4.ip_unprivileged_port_start": "80" });
    assert.deepEqual(
      c.mounts.find((m) => m.destination === "/srv/data"),
      {
        destination: "/srv/data",
        type: "bind",
        source: "/var/tmp",
        options: ["rbind", "rw", "nosuid", "nodev", "noexec"],
      },
    );
    assert.deepEqual(c.mounts.find((m) => m.destination === "/var/cache/web")?.options, [
      "nosuid",
      "nodev",
      "noexec",
      "size=16777216",
      "mode=1777",
    ]);
  });

  test("rootfs/ holds the mount points and links; tmpfs mount points have the tmpfs's mode", () => {
    const r = exportOci(examplePlan("hello.yaml"), { stat: allPresent });
    const byPath = new Map(r.entries.map((e) => [e.path, e]));
    assert.deepEqual(byPath.get("rootfs/bin"), {
      kind: "symlink",
      path: "rootfs/bin",
      target: "usr/bin",
    });
    assert.equal(byPath.get("rootfs/usr")?.kind, "dir");
    assert.equal(byPath.get("rootfs/etc/passwd")?.kind, "file");
    assert.deepEqual(byPath.get("rootfs/tmp"), { kind: "dir", path: "rootfs/tmp", mode: 0o1777 });
    assert.ok(byPath.has("config.json") && byPath.has("NOTES.md"));
    assert.match(r.notes.join("\n"), /Landlock is not enforced by runc or crun/);
  });
});

/** runc and crun running the OCI export's bundles of real apps (as root) with the same outcome as
 * `secure-run run`: output, refused syscalls, capabilities, no_new_privs, the cgroup's limits, the
 * fork and memory limits observed. Every container, cgroup and temporary directory is removed;
 * crun runs in a private mount namespace that shows it only the caller's v1 cgroups (interop
 * notes), so nothing on the host changes. The runtimes come from scripts/setup.sh (apt: runc,
 * crun); the config.json itself is checked without them in test/export/oci.test.ts. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadApp } from "../../src/appspec/load.js";
import { exportOci, spoSpec, writeExport } from "../../src/export/index.js";
import { cgroupHierarchies } from "../../src/host/cgroups.js";
import { makePlan } from "../../src/plan/make.js";
import { cli, isRoot, root, tempDir } from "../helpers.js";
import { buildProgram } from "../shared/fixtures.js";

type Json = Record<string, unknown>;

const RUNTIMES = ["runc", "crun"] as const;
type Runtime = (typeof RUNTIMES)[number];
const missing = RUNTIMES.filter((r) => spawnSync(r, ["--version"]).status !== 0);
const skip = isRoot ? false : "real containers need root";
const tmp = tempDir("export-oci");
const probeDir = join(tmp.dir, "bin");
const cgroupRoot = join(tmp.dir, "cg");
const idPrefix = `sr-export-test-${process.pid}`;
let serial = 0;
const usedIds: string[] = [];

/** crun 1.8 refuses this host's hybrid cgroup layout: in a private mount namespace, a tmpfs over
 * /sys/fs/cgroup gets the caller's own v1 directories of the controllers the bundle uses. */
const CRUN_SCRIPT = `set -e
T="$1"; B="$2"; ID="$3"; MODE="$4"; NAME="$5"
mkdir -p "$T"
mount --rbind /sys/fs/cgroup "$T"
mount -t tmpfs -o size=64k,mode=755 tmpfs /sys/fs/cgroup
for c in memory pids cpu cpuacct devices freezer; do
  own=$(awk -F: -v c="$c" '$2 == c { print $3 }' /proc/self/cgroup)
  mkdir "/sys/fs/cgroup/$c"
  mount --bind "$T/$c$own" "/sys/fs/cgroup/$c"
done
umount -l "$T"
set +e
if [ "$MODE" = inspect ]; then
  crun create -b "$B" "$ID" </dev/null >/dev/null 2>&1 || exit 125
  for f in memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us; do
    [ -e "/sys/fs/cgroup/\${f%%/*}/$NAME/\${f#*/}" ] && echo "\${f#*/} $(cat "/sys/fs/cgroup/\${f%%/*}/$NAME/\${f#*/}")"
  done
  crun delete -f "$ID" >/dev/null 2>&1
  exit 0
fi
crun run -b "$B" "$ID" </dev/null
rc=$?
crun delete -f "$ID" >/dev/null 2>&1
exit $rc
`;

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function nextId(): string {
  const id = `${idPrefix}-${++serial}`;
  usedIds.push(id);
  return id;
}

function runtimeRun(rt: Runtime, bundle: string): Outcome {
  const id = nextId();
  const r =
    rt === "runc"
      ? spawnSync("runc", ["run", "-b", bundle, id], {
          encoding: "utf8",
          timeout: 60_000,
          input: "",
        })
      : spawnSync(
          "unshare",
          [
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            CRUN_SCRIPT,
            "sh",
            cgroupRoot,
            bundle,
            id,
            "run",
          ],
          { encoding: "utf8", timeout: 60_000, input: "" },
        );
  if (rt === "runc") spawnSync("runc", ["delete", "-f", id], { stdio: "ignore" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ownDir(controller: string): string {
  const h = cgroupHierarchies().find((x) => x.version === 1 && x.controllers.includes(controller));
  assert.ok(h, `no v1 ${controller} hierarchy`);
  return h.ownDir;
}

/** The container's cgroup files as the runtime set them, read between create and delete. */
function cgroupLimits(rt: Runtime, bundle: string, cgroupName: string): Record<string, string> {
  const id = nextId();
  let text = "";
  if (rt === "runc") {
    const created = spawnSync("runc", ["create", "-b", bundle, id], {
      stdio: "ignore",
      timeout: 60_000,
    });
    try {
      assert.equal(created.status, 0, "runc create");
      for (const [controller, file] of [
        ["memory", "memory.limit_in_bytes"],
        ["memory", "memory.memsw.limit_in_bytes"],
        ["pids", "pids.max"],
        ["cpu", "cpu.cfs_quota_us"],
        ["cpu", "cpu.cfs_period_us"],
      ] as const) {
        const path = join(ownDir(controller), cgroupName, file);
        if (existsSync(path)) text += `${file} ${readFileSync(path, "utf8").trim()}\n`;
      }
    } finally {
      spawnSync("runc", ["delete", "-f", id], { stdio: "ignore" });
    }
  } else {
    const r = spawnSync(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        CRUN_SCRIPT,
        "sh",
        cgroupRoot,
        bundle,
        id,
        "inspect",
        cgroupName,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    text = r.stdout;
  }
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string]),
  );
}

/** Our containers' cgroups (named secure-run.<app>) below the own cgroup of every hierarchy. */
function leftovers(): string[] {
  const out: string[] = [];
  for (const h of cgroupHierarchies())
    try {
      for (const e of readdirSync(h.ownDir))
        if (e.startsWith("secure-run.sr-xt-")) out.push(join(h.ownDir, e));
    } catch {
      // an unreadable hierarchy holds nothing of ours
    }
  return out;
}

const apps = new Map<string, { file: string; bundle: string }>();

/** An app file (probe mounted at /opt/probe) and its exported bundle, made once. */
function app(key: string, command: string[], extra = ""): { file: string; bundle: string } {
  const known = apps.get(key);
  if (known) return known;
  const name = `sr-xt-${key}`;
  const file = tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(command)}\n` +
      `mounts:\n  - { source: ${probeDir}, target: /opt/probe }\n` +
      `resources: { memory: 32Mi, pids: 16, cpu: 0.5 }\n${extra}`,
  );
  const bundle = join(tmp.dir, `${name}.bundle`);
  const { plan } = makePlan(loadApp(file));
  writeExport(exportOci(plan), bundle);
  const made = { file, bundle };
  apps.set(key, made);
  return made;
}

function secureRun(file: string): Outcome {
  const r = cli(["run", file], { timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fields = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((l) => {
        const i = l.indexOf(" ");
        return [l.slice(0, i), l.slice(i + 1)];
      }),
  );

describe("runc and crun run the exported bundles", { skip }, () => {
  let leftBefore: string[] = [];

  before(() => {
    assert.deepEqual(missing, [], "install the runtimes: apt-get install -y runc crun");
    chmodSync(tmp.dir, 0o755); // the user namespace's root (100000 on the host) must pass
    execFileSync("mkdir", ["-p", probeDir]);
    chmodSync(probeDir, 0o755);
    buildProgram("probe", join(probeDir, "probe"), "dynamic");
    // A rootfs of one static program and an /etc/passwd.
    const rootfs = join(tmp.dir, "rootfs");
    execFileSync("mkdir", ["-p", join(rootfs, "bin"), join(rootfs, "etc")]);
    buildProgram("probe", join(rootfs, "bin/probe"), "static");
    tmp.write("rootfs/etc/passwd", "root:x:0:0:root:/:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n");
    tmp.write("rootfs/etc/group", "root:x:0:\napp:x:1000:\n");
    leftBefore = leftovers();
  });

  after(() => {
    for (const id of usedIds) {
      spawnSync("runc", ["delete", "-f", id], { stdio: "ignore" });
      spawnSync("crun", ["delete", "-f", id], { stdio: "ignore" });
    }
    const left = leftovers().filter((l) => !leftBefore.includes(l));
    for (const dir of left)
      try {
        rmdirSync(dir);
      } catch {
        // reported below
      }
    const listed = ["runc", "crun"].flatMap((rt) =>
      (spawnSync(rt, ["list", "-q"], { encoding: "utf8" }).stdout ?? "")
        .split("\n")
        .filter((l) => l.startsWith(idPrefix)),
    );
    tmp.remove();
    assert.deepEqual(left, [], "cgroups left behind");
    assert.deepEqual(listed, [], "containers left behind");
  });

  for (const rt of RUNTIMES) {
    test(`${rt}: hello.yaml's bundle says what secure-run run says`, () => {
      const file = join(root, "examples/hello.yaml");
      const bundle = join(tmp.dir, `hello-${rt}.bundle`);
      const plan = makePlan(loadApp(file)).plan;
      // Its own cgroup name, so that it cannot meet another run of the example.
      writeExport(exportOci({ ...plan, name: `sr-xt-hello-${rt}` }), bundle);
      const got = runtimeRun(rt, bundle);
      const want = secureRun(file);
      assert.equal(got.status, 0, got.stderr);
      assert.equal(want.status, 0, want.stderr);
      // The process count differs: secure-run's init is there too.
      const strip = (s: string): string => s.replace(/^Processes visible: \d+$/m, "");
      assert.equal(strip(got.stdout), strip(want.stdout));
      assert.match(got.stdout, /^Hello from hello, running as nobody \(uid 65534\)\.$/m);
      assert.match(
        got.stdout,
        /^CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2$/m,
      );
    });

    test(`${rt}: a syscall outside the profile is refused as under secure-run run (socket → ENOSYS)`, () => {
      const { file, bundle } = app("socket", ["/opt/probe/probe", "socket"]);
      const got = runtimeRun(rt, bundle);
      assert.deepEqual(
        { status: got.status, stdout: got.stdout },
        { status: 1, stdout: "socket: errno 38 (ENOSYS)\n" },
        got.stderr,
      );
      const want = secureRun(file);
      assert.deepEqual(
        { status: got.status, stdout: got.stdout },
        { status: want.status, stdout: want.stdout },
      );
    });

    test(`${rt}: TIOCSTI is refused with EPERM, other ioctls reach the kernel`, () => {
      assert.equal(
        runtimeRun(rt, app("tiocsti", ["/opt/probe/probe", "ioctl", "0x100005412"]).bundle).stdout,
        "ioctl: errno 1 (EPERM)\n",
      );
      assert.equal(
        runtimeRun(rt, app("tcgets", ["/opt/probe/probe", "ioctl", "0x5401"]).bundle).stdout,
        "ioctl: errno 25 (ENOTTY)\n",
      );
    });

    test(`${rt}: capabilities, no_new_privs, seccomp and the dangerous syscalls are as under secure-run run`, () => {
      const { file, bundle } = app("report", ["/opt/probe/probe", "report"]);
      const got = runtimeRun(rt, bundle);
      assert.equal(got.status, 0, got.stderr);
      const want = secureRun(file);
      const g = fields(got.stdout);
      const w = fields(want.stdout);
      assert.equal(g.CapEff, "0000000000000000");
      assert.equal(g.CapBnd, "0000000000000000");
      assert.equal(g.NoNewPrivs, "1");
      for (const key of [
        "CapEff",
        "CapBnd",
        "NoNewPrivs",
        "Seccomp",
        "inherited-fds",
        "mount",
        "ptrace",
        "bpf",
        "keyctl",
        "unshare",
        "io_uring_setup",
        "proc-sys-write",
      ])
        assert.equal(g[key], w[key], key);
    });

    test(`${rt}: the container's cgroup has the plan's limits`, () => {
      const limits = cgroupLimits(
        rt,
        app("limits", ["/opt/probe/probe", "exit", "0"]).bundle,
        "secure-run.sr-xt-limits",
      );
      assert.equal(limits["memory.limit_in_bytes"], String(32 << 20));
      if (limits["memory.memsw.limit_in_bytes"] !== undefined)
        assert.equal(limits["memory.memsw.limit_in_bytes"], String(32 << 20));
      assert.equal(limits["pids.max"], "16");
      assert.equal(limits["cpu.cfs_quota_us"], "50000");
      assert.equal(limits["cpu.cfs_period_us"], "100000");
    });

    test(`${rt}: the pids limit stops a fork loop, the memory limit kills a memory hog`, () => {
      const fork = runtimeRun(
        rt,
        app(
          "forkloop",
          ["/opt/probe/probe", "forkloop", "100"],
          "syscalls: { profiles: [process] }\n",
        ).bundle,
      );
      assert.match(fork.stdout, /^forkloop: (\d+) forks, then errno 11 \(EAGAIN\)$/m);
      assert.ok(Number(/(\d+) forks/.exec(fork.stdout)?.[1]) < 16);
      const hog = runtimeRun(rt, app("memhog", ["/opt/probe/probe", "memhog", "128"]).bundle);
      assert.equal(hog.status, 137, `${hog.stdout}${hog.stderr}`);
      assert.doesNotMatch(hog.stdout, /touched/);
    });

    test(`${rt}: a program copied to /tmp cannot be run (noexec here, Landlock under secure-run run)`, () => {
      const { file, bundle } = app(
        "exectmp",
        ["/bin/sh", "-c", 'cat /bin/true > /tmp/t && chmod 755 /tmp/t && /tmp/t; echo "exec: $?"'],
        "syscalls: { profiles: [process], allow: [fchmodat] }\n",
      );
      const got = runtimeRun(rt, bundle);
      assert.equal(got.stdout, "exec: 126\n", got.stderr);
      assert.equal(secureRun(file).stdout, got.stdout);
    });
  }

  for (const rt of RUNTIMES)
    test(`${rt}: a rootfs app: the rootfs's entries are bound, the app runs as its user`, () => {
      const name = `sr-xt-rootfs`;
      const file = tmp.write(
        `${name}.yaml`,
        `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: [/bin/probe, report]\n` +
          `root: { rootfs: ./rootfs }\nuser: app\n`,
      );
      const bundle = join(tmp.dir, `${name}-${rt}.bundle`);
      writeExport(exportOci(makePlan(loadApp(file)).plan), bundle);
      const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as {
        mounts: { destination: string; source: string }[];
        process: { user: { uid: number } };
      };
      assert.deepEqual(
        config.mounts
          .filter((m) => m.source.startsWith(join(tmp.dir, "rootfs")))
          .map((m) => m.destination),
        ["/bin", "/etc"],
      );
      assert.equal(config.process.user.uid, 1000);
      const got = runtimeRun(rt, bundle);
      assert.equal(got.status, 0, got.stderr);
      const want = secureRun(file);
      for (const key of ["CapEff", "NoNewPrivs", "Seccomp", "mount", "ptrace"])
        assert.equal(fields(got.stdout)[key], fields(want.stdout)[key], key);
    });

  test("runc: the SeccompProfile resource's default (SCMP_ACT_TRACE, no tracer) answers ENOSYS in the kernel", () => {
    const { file } = app("socket", ["/opt/probe/probe", "socket"]);
    const bundle = join(tmp.dir, "spo.bundle");
    const plan = makePlan(loadApp(file)).plan;
    writeExport(exportOci(plan), bundle);
    const configPath = join(bundle, "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8")) as { linux: Json };
    config.linux.seccomp = spoSpec(plan, plan.seccomp.architectures).spec;
    writeFileSync(configPath, JSON.stringify(config));
    const got = runtimeRun("runc", bundle);
    assert.equal(got.stdout, "socket: errno 38 (ENOSYS)\n", got.stderr);
  });
});

// The VM lanes of secure-run's tests, run from the host with `node --test test/vm/vm.test.mjs`
// (or `node test/vm/run.mjs`, which builds first). Each lane boots Debian 12's own kernel under
// qemu (TCG: software emulation) once, with the host's / shared read-only over 9p, runs the
// lane's guest test file (dist/test/vm/guest/LANE.js) with the host's node inside, and mirrors
// the guest's results here, test by test: a failing check in the guest fails the subtest of the
// same name here, with the guest's message.
//   SECURE_RUN_VM_LANES=cgroup2,selinux   the lanes to run (default: both; none: skip the VM)
//   SECURE_RUN_VM_TIMEOUT=480             seconds a lane's VM may run before it is killed
//   SECURE_RUN_VM_CACHE=DIR               the asset cache (default ~/.cache/secure-run/vm)
//   SECURE_RUN_VM_TEST_PATTERN=REGEX      only the guest tests whose name matches (--test-name-pattern)
//   SECURE_RUN_VM_GUEST_FILE=FILE         another guest test file (a path on the host), e.g. to debug
//   SECURE_RUN_VM_LAUNCHER=FILE           a launcher build to use in the VM instead of the
//                                         checkout's build/Release/secure-run-launch
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../..");
const cache =
  process.env.SECURE_RUN_VM_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "secure-run/vm");
const lanes = (process.env.SECURE_RUN_VM_LANES ?? "cgroup2,selinux")
  .split(",")
  .filter((l) => l !== "" && l !== "none");
const timeoutS = Number(process.env.SECURE_RUN_VM_TIMEOUT ?? 480);
const cpu = process.env.SECURE_RUN_VM_CPU ?? "max";
// One vCPU: with two (multi-threaded TCG) node crashed now and then in the guest (SIGSEGV, or
// "memory access out of bounds" from WebAssembly); one is as fast for these tests.
const smp = process.env.SECURE_RUN_VM_SMP ?? "1";

const LANES = {
  cgroup2: { assets: ["boot"], cmdline: "" },
  selinux: { assets: ["boot", "rootfs"], cmdline: "lsm=landlock,lockdown,yama,integrity,selinux" },
};

const skip =
  process.platform !== "linux" || process.arch !== "x64"
    ? "the VM lanes run on x86_64 Linux"
    : process.getuid?.() !== 0
      ? "the VM lanes need root (apt-get, debootstrap, chroot)"
      : lanes.length === 0
        ? "SECURE_RUN_VM_LANES=none"
        : false;

const assets = {};

/** The guest's results (JSON lines, a suite after its subtests) as a tree. */
function resultTree(lines) {
  const pending = new Map();
  const last = new Map();
  const roots = [];
  for (const r of lines) {
    if (r.diagnostic !== undefined) {
      last.get(r.nesting)?.diagnostics.push(r.diagnostic);
      continue;
    }
    const node = { ...r, children: pending.get(r.nesting + 1) ?? [], diagnostics: [] };
    last.set(r.nesting, node);
    pending.delete(r.nesting + 1);
    if (r.nesting === 0) roots.push(node);
    else pending.set(r.nesting, [...(pending.get(r.nesting) ?? []), node]);
  }
  // Tests of suites that never finished (the VM was killed): shown on their own.
  for (const [, nodes] of [...pending].sort((a, b) => a[0] - b[0])) roots.push(...nodes);
  return roots;
}

/** One guest test (and its subtests) as a subtest of `t`. */
async function mirror(t, node) {
  const options = {};
  if (node.skip !== undefined) options.skip = node.skip;
  if (node.todo !== undefined) options.todo = node.todo;
  await t.test(node.name, options, async (st) => {
    for (const d of node.diagnostics ?? []) st.diagnostic(d);
    for (const child of node.children) await mirror(st, child);
    if (!node.ok && node.error?.failureType !== "subtestsFailed") {
      const e = new Error(`in the VM: ${node.error?.message ?? "failed"}`);
      e.stack = `${e.message}\n${(node.error?.stack ?? "").split("\n").slice(1).join("\n")}`;
      throw e;
    }
  });
}

/** Boots the VM for one lane; resolves with its exit status, results and console output. */
async function boot(lane, runDir) {
  const spec = LANES[lane];
  const shares = [
    `local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap`,
    `local,path=${runDir},mount_tag=out,security_model=none`,
  ];
  if (spec.assets.includes("rootfs"))
    shares.push(
      `local,path=${join(assets.rootfs, "rootfs")},mount_tag=selinux,security_model=none,readonly=on`,
    );
  const args = [
    ...["-accel", "tcg", "-cpu", cpu, "-smp", smp, "-m", "2048"],
    ...["-nographic", "-no-reboot", "-nic", "none"],
    ...["-kernel", join(assets.boot, "vmlinuz"), "-initrd", join(assets.boot, "initramfs.cpio.gz")],
    ...shares.flatMap((s) => ["-virtfs", s]),
    ...["-append", `console=ttyS0 panic=-1 quiet ${spec.cmdline}`.trim()],
  ];
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let console = "";
  qemu.stdout.on("data", (d) => (console += d.toString()));
  qemu.stderr.on("data", (d) => (console += d.toString()));
  const killOnExit = () => qemu.kill("SIGKILL");
  process.on("exit", killOnExit);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill("SIGKILL");
  }, timeoutS * 1000);
  const code = await new Promise((resolve) => qemu.on("exit", (c, s) => resolve(c ?? s)));
  clearTimeout(timer);
  process.off("exit", killOnExit);
  // Escape sequences of the firmware, and carriage returns of the serial line.
  // eslint-disable-next-line no-control-regex
  console = console.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1bc|\r/g, "");
  const rcFile = join(runDir, "rc");
  const resultsFile = join(runDir, "results.jsonl");
  return {
    qemuExit: code,
    timedOut,
    rc: existsSync(rcFile) ? Number(readFileSync(rcFile, "utf8").trim()) : undefined,
    results: existsSync(resultsFile)
      ? readFileSync(resultsFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [],
    console,
  };
}

/** The lane's guest test file (SECURE_RUN_VM_GUEST_FILE: another one, e.g. while debugging). */
const guestFile = (lane) =>
  process.env.SECURE_RUN_VM_GUEST_FILE ?? join(root, "dist/test/vm/guest", `${lane}.js`);

const tail = (text, n = 40) => text.trimEnd().split("\n").slice(-n).join("\n");

test(
  "VM assets: kernel, initramfs and SELinux rootfs, built from Debian packages and cached",
  { skip },
  () => {
    const wanted = [...new Set(lanes.flatMap((l) => LANES[l]?.assets ?? []))];
    for (const l of lanes)
      assert.ok(LANES[l], `unknown lane ${l} (lanes: ${Object.keys(LANES).join(", ")})`);
    const out = execFileSync(join(here, "prepare.sh"), wanted, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, SECURE_RUN_VM_CACHE: cache },
    });
    for (const line of out.trim().split("\n")) {
      const [name, dir] = line.split("=");
      assets[name] = dir;
    }
    for (const w of wanted) assert.ok(assets[w], `prepare.sh gave no ${w}`);
  },
);

for (const lane of lanes) {
  test(`VM lane ${lane}`, { skip }, async (t) => {
    for (const a of LANES[lane].assets) assert.ok(assets[a], `no ${a} asset (see the first test)`);
    const runDir = join(cache, "runs", `${lane}-${process.pid}`);
    const logFile = join(cache, "logs", `${lane}.log`);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(join(runDir, "probe"), { recursive: true });
    mkdirSync(join(cache, "logs"), { recursive: true });
    try {
      // The test programs, built here (a compiler under emulation is slow).
      const cc = (src, out, ...flags) =>
        execFileSync("cc", [
          "-O2",
          "-Wall",
          ...flags,
          "-o",
          join(runDir, "probe", out),
          join(root, src),
        ]);
      cc("test/fixtures/probe.c", "probe");
      cc("test/fixtures/probe.c", "probe-static", "-static");
      cc("test/shared/fileprobe.c", "fileprobe-static", "-static");
      writeFileSync(
        join(runDir, "vm.env"),
        [
          `VM_LANE=${lane}`,
          `VM_CHECKOUT=${root}`,
          `VM_SCRIPT=${join(here, "guest.sh")}`,
          `VM_TEST=${guestFile(lane)}`,
          `VM_LAUNCHER=${process.env.SECURE_RUN_VM_LAUNCHER ?? ""}`,
          `VM_TEST_PATTERN='${(process.env.SECURE_RUN_VM_TEST_PATTERN ?? "").replaceAll("'", "'\\''")}'`,
          "",
        ].join("\n"),
      );
      assert.ok(
        existsSync(guestFile(lane)),
        "the guest tests are not built: npx tsc -p tsconfig.json",
      );
      const started = Date.now();
      const r = await boot(lane, runDir);
      writeFileSync(logFile, r.console);
      t.diagnostic(
        `VM ${lane}: ${((Date.now() - started) / 1000).toFixed(1)} s from launch to power-off; console: ${logFile}`,
      );
      assert.ok(
        r.results.length > 0 || r.timedOut,
        `the guest reported no result (qemu exit ${r.qemuExit}, guest exit ${r.rc}); its console:\n${tail(r.console)}`,
      );
      // What finished, also when the VM was killed.
      for (const node of resultTree(r.results)) await mirror(t, node);
      assert.ok(
        !r.timedOut,
        `the VM did not finish within ${timeoutS} s and was killed; its console:\n${tail(r.console)}`,
      );
      assert.equal(r.rc, 0, `the guest's test run exited ${r.rc}; console: ${logFile}`);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
}

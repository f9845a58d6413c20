// Detached instances, measured (issue 17): `ps` and `stats --no-stream` with 50 instances against
// Node's own start-up (`node -e 0`); `run -d` against a foreground `run` of the same app (warm
// cache); `stop` of a cooperative app against the app's own exit; and Debian's podman side by side
// — `run -d`, `stop`, `rm`, `ps` and `stats --no-stream` with as many containers — running the
// same app with the same binaries. Writes benchmarks/results/instances.json. Not part of the
// test suite.
// Run after `npm run build`, as root:  node benchmarks/instances.mjs [rounds]
//
// podman without a registry: the image is made here, from the very binaries the secure-run app
// runs (the host's /bin/sh and sleep and the libraries ldd names for them), by `podman import`,
// into a store of its own under the run's temporary directory. Its containers' cgroups are made
// under this process's own cgroup in every hierarchy, like secure-run's.
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setImmediate as tick } from "node:timers/promises";

import { machine, median, podmanGlobal, podmanUlimits, root } from "./common.mjs";
const { cgroupHierarchies } = await import(join(root, "dist/src/host/cgroups.js"));

const rounds = Number(process.argv[2] ?? 5);
const MANY = 50;
// The executable, as users start it (package.json's bin): Node from the CLI's startup snapshot.
const cli = join(root, "dist/cli/secure-run");
const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-instances-"));
const env = { ...process.env, SECURE_RUN_STATE_DIR: join(tmp, "state"), NO_COLOR: "1" };
const loadNow = () => loadavg().map((x) => Number(x.toFixed(2)));
const loadAverageAtStart = loadNow();
const say = (s) => console.error(`instances: ${s}`);

function time(argv, o = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, ...o });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${argv.join(" ")}: exit ${r.status ?? r.signal}: ${r.stderr ?? r.error}`);
  return { ms, out: r.stdout };
}

// The cooperative app, the same for both: a shell that execs sleep, which ends at once on SIGTERM.
const SCRIPT = "exec sleep 100000";
const app = (name, script) => {
  const f = join(tmp, `${name}.yaml`);
  writeFileSync(
    f,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: [/bin/sh, -c, ${JSON.stringify(script)}]\nnetwork: { mode: none }\nsyscalls: { profiles: [process] }\n`,
  );
  return f;
};

// ---- the two tools -------------------------------------------------------------------------------

/** argv run to its end, untimed; output as text. */
const run = (argv, o = {}) => spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, ...o });
const sr = (...args) => [cli, ...args];
const quick = app("quick", "exit 0");
const sleeper = app("sleeper", SCRIPT);
const secureRun = {
  name: "secure-run",
  ids: [],
  samples: {},
  lines: {},
  foreground: () => sr("run", quick),
  runDetached: () => sr("run", "-d", sleeper),
  stop: (id) => sr("stop", id),
  rm: (id) => sr("rm", id),
  ps: () => sr("ps"),
  psJson: () => sr("ps", "-a", "--json"),
  stats: () => sr("stats", "--no-stream"),
  rmForce: (ids) => sr("rm", "-f", ...ids),
};

// podman: a store, a run root and a libpod tmpdir of its own under tmp (nothing of the host's
// podman state is read or changed); cgroupfs (no systemd here); runc, which puts a relative cgroup
// path under the caller's own cgroup in each hierarchy (crun puts it under the root, and crun 1.8
// refuses hybrid cgroup hosts whose v2 hierarchy has controllers); conmon left in this process's
// cgroup (--cgroups no-conmon: podman would make <parent>/conmon from the hierarchy's root).
const pm = {
  dir: join(tmp, "podman"),
  image: "localhost/secure-run-bench:sh",
  cgroupParent: `secure-run-bench-${process.pid}`,
  imageMade: false,
  // /var/lib/containers/cache/blob-info-cache-v1.boltdb is written by `podman import` whatever
  // --root says; removed at the end when this run made it.
  hostCacheExisted: existsSync("/var/lib/containers"),
};
const podmanGlobalArgs = podmanGlobal(pm.dir);
const pod = (...args) => ["podman", ...podmanGlobalArgs, ...args];

// podmanUlimits (common.mjs): podman's defaults (RLIMIT_NOFILE and RLIMIT_NPROC 1048576) cannot be set without
// CAP_SYS_RESOURCE (a container host may withhold it): the app gets what this process has, as
// secure-run's app does — except RLIMIT_NPROC, which podman lowers to 32768 for itself (setrlimit
// at its start), so its runtime can give no more.
// What secure-run's plan for the app gives it (`secure-run plan`): no network but loopback, its
// own cgroup with memory 1Gi, no swap and pids 1024, nofile 1024 soft. Not matched: secure-run's
// user namespace, read-only root and seccomp allowlist (podman keeps its default profile and
// capabilities and runs as root on an overlay).
const podmanRun = [
  "--init", // an init as pid 1, as secure-run has: sleep as pid 1 would ignore SIGTERM
  "--network",
  "none",
  "--cgroups",
  "no-conmon",
  "--cgroup-parent",
  pm.cgroupParent,
  "--memory",
  "1g",
  "--memory-swap",
  "1g",
  "--pids-limit",
  "1024",
  ...podmanUlimits(),
];
const podman = {
  name: "podman",
  ids: [],
  samples: {},
  lines: {},
  foreground: () => pod("run", "--rm", ...podmanRun, pm.image, "/bin/sh", "-c", "exit 0"),
  runDetached: () => pod("run", "-d", ...podmanRun, pm.image, "/bin/sh", "-c", SCRIPT),
  stop: (id) => pod("stop", id),
  rm: (id) => pod("rm", id),
  ps: () => pod("ps"),
  psJson: () => pod("ps", "-a", "--format", "json"),
  stats: () => pod("stats", "--no-stream"),
  rmForce: (ids) => pod("rm", "-f", "-t", "0", ...ids),
};

/** Why podman is not compared, or "" when it can be. */
function podmanMissing() {
  if (process.getuid?.() !== 0) return "needs root";
  if (spawnSync("podman", ["--version"], { stdio: "ignore" }).status !== 0)
    return "podman not installed";
  if (spawnSync("runc", ["--version"], { stdio: "ignore" }).status !== 0)
    return "runc not installed (podman is run with runc here, see podmanGlobal)";
  return "";
}

/** The image: /bin/sh, sleep and their libraries, at the paths the host has them. */
function makeImage() {
  const rootfs = join(pm.dir, "rootfs");
  const sleep = run(["sh", "-c", "command -v sleep"]).stdout.trim();
  const files = new Map([
    ["/bin/sh", "/bin/sh"],
    ["/usr/bin/sleep", sleep],
  ]);
  for (const bin of [...files.values()]) {
    const ldd = run(["ldd", bin]);
    if (ldd.status !== 0) throw new Error(`ldd ${bin}: ${ldd.stderr}`);
    for (const m of ldd.stdout.matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)) files.set(m[1], m[1]);
  }
  for (const d of ["proc", "dev", "sys", "tmp", "etc"])
    mkdirSync(join(rootfs, d), { recursive: true });
  for (const [to, from] of files) {
    mkdirSync(dirname(join(rootfs, to)), { recursive: true });
    copyFileSync(realpathSync(from), join(rootfs, to)); // mode kept
  }
  const tar = run(["tar", "-C", rootfs, "-c", "."], { encoding: "buffer", maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  time(pod("import", "-", pm.image), { input: tar.stdout });
  pm.imageMade = true;
  return [...files.keys()];
}

// ---- clean-up: also when killed (a timeout, Ctrl-C) ----------------------------------------------

for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  const ids = (run(sr("ps", "-aq")).stdout ?? "").split("\n").filter(Boolean);
  if (ids.length) run(secureRun.rmForce(ids));
  if (existsSync(pm.dir)) cleanupPodman();
  rmSync(tmp, { recursive: true, force: true });
}

function cleanupPodman() {
  // Only containers of this run: those it started and whatever else its own store holds.
  const inStore = run(pod("ps", "-aq", "--no-trunc")).stdout ?? "";
  const ids = [...new Set([...podman.ids, ...inStore.split("\n").filter(Boolean)])];
  if (ids.length) run(podman.rmForce(ids));
  if (pm.imageMade) run(pod("rmi", "-f", pm.image));
  // The parent cgroup runc made in each hierarchy, under this process's own (empty by now).
  for (const dir of podmanCgroupDirs()) {
    for (let i = 0; i < 20 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch (e) {
        if (e.code !== "EBUSY") {
          say(`could not remove ${dir}: ${e.message}`);
          break;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
  }
  // Mounts left under the store (none are expected), deepest first, before the files go.
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p) => p?.startsWith(`${pm.dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of mounts) run(["umount", p], { stdio: ["ignore", "ignore", "inherit"] });
  const hostCache = "/var/lib/containers";
  if (!pm.hostCacheExisted && existsSync(hostCache)) {
    const only =
      readdirSync(hostCache).join() === "cache" &&
      readdirSync(join(hostCache, "cache")).every((f) => f === "blob-info-cache-v1.boltdb");
    if (only) rmSync(hostCache, { recursive: true, force: true });
  }
}

/** The parent cgroup runc made for podman's containers, in each hierarchy under this process's
 * own cgroup (the launcher's reading of the hierarchies, src/host/cgroups.ts). */
const podmanCgroupDirs = () => cgroupHierarchies().map((h) => join(h.ownDir, pm.cgroupParent));

// ---- the measurements ----------------------------------------------------------------------------

/** Times argv for tool t under `metric`; podman's failure ends podman's part, not the run. */
async function sample(t, metric, argv) {
  await tick(); // a signal's clean-up runs between commands
  if (t.failed) return undefined;
  try {
    const r = time(argv);
    (t.samples[metric] ??= []).push(r.ms);
    t.lines[metric] = r.out.split("\n").filter(Boolean).length;
    return r.out;
  } catch (e) {
    if (t === secureRun) throw e;
    t.failed = `${metric}: ${String(e.message).trim().split("\n").slice(-1)[0]}`;
    say(`podman failed, not compared further: ${t.failed}`);
    return undefined;
  }
}
const repeat = async (n, f) => {
  for (let i = 0; i < n; i++) await f(i);
};

/** A cooperative app's own exit: SIGTERM to `sh -c 'exec sleep …'` (unsandboxed) until it is
 * reaped. */
async function ownExit() {
  const child = spawn("/bin/sh", ["-c", SCRIPT], { stdio: "ignore" });
  await new Promise((r) => child.once("spawn", r));
  await new Promise((r) => setTimeout(r, 50)); // the shell has exec'd sleep
  const done = new Promise((r) => child.once("exit", r));
  const t0 = performance.now();
  child.kill("SIGTERM");
  await done;
  return performance.now() - t0;
}

/** When the supervisor saw the app end (ms since the epoch), from state.json. */
function finishedAt(id) {
  const st = JSON.parse(
    readFileSync(join(env.SECURE_RUN_STATE_DIR, "instances", id, "state.json"), "utf8"),
  );
  return Date.parse(st.finishedAt);
}
const afterExit = [];

const podmanInfo = { available: false };
let imageFiles = [];
const floors = { node: [], podman: [], appExit: [] };
try {
  const why = podmanMissing();
  const tools = [secureRun];
  if (why) {
    podmanInfo.reason = why;
    say(`podman not compared: ${why}`);
  } else {
    mkdirSync(pm.dir, { recursive: true });
    try {
      imageFiles = makeImage();
      const info = run(
        pod("info", "--format", "{{.Store.GraphDriverName}} {{.Host.CgroupsVersion}}"),
      ).stdout.trim();
      const [storageDriver, cgroupVersion] = info.split(" ");
      Object.assign(podmanInfo, {
        available: true,
        version: run(["podman", "--version"]).stdout.trim(),
        runc: run(["runc", "--version"]).stdout.split("\n")[0],
        storageDriver,
        cgroupVersion,
        globalOptions: podmanGlobal.join(" ").replaceAll(tmp, "$TMP"),
        runOptions: podmanRun.join(" ").replace(pm.cgroupParent, "secure-run-bench-$PID"),
        image: `podman import of a tar of ${imageFiles.join(", ")} (copied from the host)`,
        notMatched:
          "secure-run's user namespace, read-only root and seccomp allowlist (podman: root without a user namespace, an overlay root, its default seccomp profile and capabilities)",
      });
      tools.push(podman);
    } catch (e) {
      podmanInfo.reason = `making the image failed: ${String(e.message).trim().split("\n").slice(-1)[0]}`;
      say(`podman not compared: ${podmanInfo.reason}`);
    }
  }

  say("start-up floors");
  await repeat(rounds, async () => {
    await tick();
    floors.node.push(time([process.execPath, "-e", "0"]).ms);
    if (podmanInfo.available) floors.podman.push(time(["podman", "--version"]).ms);
  });
  for (let i = 0; i < rounds; i++) floors.appExit.push(await ownExit());

  // Foreground, warm: the bundle cache holds the app; podman's image is in its store.
  say("foreground runs");
  for (const t of tools) await sample(t, "warmup", t.foreground());
  await repeat(rounds, async () => {
    for (const t of tools) await sample(t, "foreground", t.foreground());
  });

  // run -d, stop and rm, the tools taking turns so that a change of load touches both.
  say(`run -d, stop, rm (${rounds} rounds)`);
  await repeat(rounds, async () => {
    for (const t of tools) {
      const out = await sample(t, "runDetached", t.runDetached());
      if (out) t.ids.push(out.trim());
    }
  });
  await repeat(rounds, async (i) => {
    for (const t of tools) {
      if (!t.ids[i]) continue;
      await sample(t, "stop", t.stop(t.ids[i]));
      // secure-run: from the app's end (the supervisor's finishedAt in state.json) to stop's
      // return: what stop adds after the app exits, start-up aside.
      if (t === secureRun) afterExit.push(Date.now() - finishedAt(t.ids[i]));
    }
  });
  await repeat(rounds, async (i) => {
    for (const t of tools) if (t.ids[i]) await sample(t, "rm", t.rm(t.ids[i]));
  });
  for (const t of tools) t.ids.length = 0;

  // 50 of each, then ps and stats --no-stream.
  say(`${MANY} instances of each`);
  await repeat(MANY, async () => {
    for (const t of tools) {
      const out = await sample(t, "runDetachedMany", t.runDetached());
      if (out) t.ids.push(out.trim());
    }
  });
  say("ps, stats");
  await repeat(rounds, async () => {
    for (const t of tools) await sample(t, "ps", t.ps());
  });
  await repeat(rounds, async () => {
    for (const t of tools) await sample(t, "psJson", t.psJson());
  });
  await repeat(rounds, async () => {
    for (const t of tools) await sample(t, "stats", t.stats());
  });
  for (const t of tools) if (t.ids.length) await sample(t, "rmMany", t.rmForce(t.ids));
} finally {
  cleanup();
}

// ---- the results ---------------------------------------------------------------------------------

const r1 = (x) => (x === undefined ? null : Math.round(x * 10) / 10);
const med = (xs) => (xs?.length ? r1(median(xs)) : null);
const m = (t, k) => med(t.samples[k]);
const rows = [
  {
    metric: "floor",
    text: "start-up floor: node -e 0 | podman --version",
    secureRun: med(floors.node),
    podman: med(floors.podman),
  },
  {
    metric: "appExit",
    text: "the app's own exit on SIGTERM (unsandboxed)",
    secureRun: med(floors.appExit),
    podman: null,
  },
  { metric: "foreground", text: "run (foreground, warm), app exits at once (podman: run --rm)" },
  { metric: "runDetached", text: "run -d (returns once the app runs)" },
  { metric: "stop", text: "stop of the cooperative app" },
  { metric: "rm", text: "rm of a stopped instance" },
  { metric: "runDetachedMany", text: `run -d, while 0…${MANY - 1} others run` },
  { metric: "ps", text: `ps with ${MANY} instances`, lines: true },
  { metric: "psJson", text: `ps -a --json with ${MANY} instances (podman: --format json)` },
  { metric: "stats", text: `stats --no-stream with ${MANY} instances`, lines: true },
].map(({ lines, ...r }) =>
  "secureRun" in r
    ? r
    : {
        ...r,
        secureRun: m(secureRun, r.metric),
        podman: podmanInfo.available ? m(podman, r.metric) : null,
        // What was shown, to check that all were listed (a header line, one line per instance).
        ...(lines && {
          linesShown: { secureRun: secureRun.lines[r.metric], podman: podman.lines[r.metric] },
        }),
      },
);
const get = (k) => rows.find((r) => r.metric === k).secureRun;
const target = (id, text, measured, limit) => ({
  id,
  text,
  measured,
  limit: r1(limit),
  status: measured !== null && limit !== null && measured <= limit ? "PASS" : "MISS",
});
const nodeStart = get("floor");
const targets = [
  target(
    "ps",
    `ps with ${MANY} instances ≤ node -e 0 + 50 ms (medians, ms)`,
    get("ps"),
    nodeStart + 50,
  ),
  target(
    "stats",
    `stats --no-stream with ${MANY} instances ≤ node -e 0 + 50 ms (medians, ms)`,
    get("stats"),
    nodeStart + 50,
  ),
  target(
    "run-d",
    "run -d ≤ foreground warm run + 20 ms (medians, ms)",
    get("runDetached"),
    get("foreground") + 20,
  ),
  target(
    "stop",
    "stop of a cooperative app ≤ its exit + 50 ms, the CLI's start-up (node -e 0) included (medians, ms)",
    get("stop"),
    nodeStart + get("appExit") + 50,
  ),
  target(
    "stop-after-exit",
    "stop returns ≤ 50 ms after the app ended (state.json finishedAt to stop's return; medians, ms)",
    afterExit.length ? median(afterExit) : null,
    50,
  ),
];
if (podman.failed) podmanInfo.failed = podman.failed;
const result = {
  date: new Date().toISOString(),
  machine: { ...machine(), loadAverageAtStart, loadAverageAtEnd: loadNow() },
  rounds,
  instances: MANY,
  app: `/bin/sh -c '${SCRIPT}' — secure-run: network none, syscall profile process; podman: the same binaries in the image`,
  podman: podmanInfo,
  rows,
  targets,
};
mkdirSync(join(root, "benchmarks/results"), { recursive: true });
writeFileSync(
  join(root, "benchmarks/results/instances.json"),
  `${JSON.stringify(result, null, 2)}\n`,
);

const col = (x) => (x === null ? "—" : String(x)).padStart(12);
console.log(JSON.stringify({ machine: result.machine, rounds }, null, 2));
console.log(
  `${"".padEnd(62)} ${"secure-run".padStart(12)} ${"podman".padStart(12)}   (medians, ms)`,
);
for (const r of rows)
  console.log(
    `${r.text.padEnd(62)} ${col(r.secureRun)} ${col(r.podman)}${r.linesShown ? `   (lines shown: ${r.linesShown.secureRun ?? "—"}, ${r.linesShown.podman ?? "—"})` : ""}`,
  );
console.log(
  podmanInfo.available
    ? `podman: ${podmanInfo.version}, ${podmanInfo.runc}, storage ${podmanInfo.storageDriver}, cgroups ${podmanInfo.cgroupVersion}\n  podman ${podmanInfo.globalOptions}\n  podman run -d ${podmanInfo.runOptions} ${pm.image} /bin/sh -c '${SCRIPT}'\n  image: ${podmanInfo.image}${podmanInfo.failed ? `\n  FAILED: ${podmanInfo.failed}` : ""}`
    : `podman: not compared (${podmanInfo.reason})`,
);
for (const t of targets)
  console.log(`${t.status.padEnd(4)} ${t.text}: ${t.measured ?? "—"} (limit ${t.limit ?? "—"})`);

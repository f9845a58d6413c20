// Private networks (issue 18), side by side in one run:
// - launch: `exec -- /bin/true` with `--net private` (CNI as root, pasta otherwise) against
//   `--net none`, and podman's `run --rm --network bridge -p 127.0.0.1:P:80` against its
//   `--network none` (the same busybox in a minimal root, --rootfs: no image to pull), the two
//   tools taking turns;
// - throughput: busybox httpd's request rate through a published port on 127.0.0.1 against the
//   same server on the host's network, measured with `ab` (Debian's apache2-utils, installed
//   here when missing): a bounded loopback load, --requests requests, --concurrency at a time,
//   each a new connection; both servers run at once and the loads take turns, --rounds times.
//   node benchmarks/network.mjs [--runs N] [--requests N] [--concurrency N] [--rounds N] [--out FILE]
// Not part of the test suite; writes benchmarks/results/network.json unless --out says otherwise.
// Other work on the machine moves these figures: the load average is recorded with them.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { Agent, get } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { machine, median, podmanGlobal, podmanUlimits, root, shownPath } from "./common.mjs";

const { cgroupHierarchies } = await import(join(root, "dist/src/host/cgroups.js"));

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    requests: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "5" },
    out: { type: "string", default: join(root, "benchmarks/results/network.json") },
  },
});
const isRoot = process.getuid?.() === 0;
const cli = join(root, "dist/cli/secure-run");
const say = (s) => console.log(`network: ${s}`);
const work = mkdtempSync(join(tmpdir(), "secure-run-test-net-bench-"));
const cleanups = [() => rmSync(work, { recursive: true, force: true })];
process.on("exit", () => {
  for (const c of cleanups.reverse()) c();
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
const env = { ...process.env, SECURE_RUN_STATE_DIR: join(work, "state"), NO_COLOR: "1" };
const loadStart = loadavg().map((l) => Number(l.toFixed(2)));

// ---- set-up: ab ----------------------------------------------------------------------------------

const hasAb = () => spawnSync("ab", ["-V"], { stdio: "ignore" }).status === 0;
if (!hasAb() && isRoot) {
  say("installing apache2-utils (ab) from Debian");
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "apache2-utils"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: aptEnv,
  });
}
const ab = hasAb();
if (!ab) say("ab not available: the request rate is measured with a Node client instead");

// ---- launch --------------------------------------------------------------------------------------

function timed(argv, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const launchers = {
  none: () => timed([cli, "exec", "--quiet", "--net", "none", "--", "/bin/true"]),
  private: () => timed([cli, "exec", "--quiet", "--net", "private", "--", "/bin/true"]),
};

// podman (as root): a store of its own under the work directory (nothing of the host's podman
// state is read or changed), cgroupfs and runc as benchmarks/instances.mjs sets them up, the
// root a directory with busybox and its libraries. Its CNI bridge, when this run made it, goes.
let podman =
  isRoot && spawnSync("podman", ["--version"]).status === 0
    ? ""
    : "podman not available (root only)";
if (!podman) {
  const rootfs = join(work, "podman-rootfs");
  const files = [
    "/bin/busybox",
    ...execFileSync("ldd", ["/bin/busybox"], { encoding: "utf8" }).match(/\/\S+/g),
  ];
  for (const f of files) {
    mkdirSync(join(rootfs, dirname(f)), { recursive: true });
    copyFileSync(f, join(rootfs, f));
  }
  const bridgeBefore = spawnSync("ip", ["link", "show", "cni-podman0"]).status === 0;
  const cgroupParent = `secure-run-bench-net-${process.pid}`;
  const global = podmanGlobal(join(work, "podman"));
  const run = [
    ...["run", "--rm", ...podmanUlimits()],
    ...["--cgroups", "no-conmon", "--cgroup-parent", cgroupParent],
  ];
  const port = 22000 + (process.pid % 1000);
  launchers.podmanNone = () =>
    timed([
      "podman",
      ...global,
      ...run,
      "--network",
      "none",
      "--rootfs",
      rootfs,
      "/bin/busybox",
      "true",
    ]);
  launchers.podmanBridge = () =>
    timed([
      "podman",
      ...global,
      ...run,
      ...["--network", "bridge", "-p", `127.0.0.1:${port}:80`],
      ...["--rootfs", rootfs, "/bin/busybox", "true"],
    ]);
  cleanups.push(() => {
    if (!bridgeBefore) spawnSync("ip", ["link", "del", "cni-podman0"]);
    // The parent cgroup runc made in each hierarchy, under this process's own (a sub-cgroup of
    // runc's may be left in it: removed first, when empty).
    for (const h of cgroupHierarchies()) {
      const dir = join(h.ownDir, cgroupParent);
      if (!existsSync(dir)) continue;
      for (const sub of readdirSync(dir, { withFileTypes: true }))
        if (sub.isDirectory())
          try {
            rmdirSync(join(dir, sub.name));
          } catch {
            // busy: left, and said below
          }
      try {
        rmdirSync(dir);
      } catch (e) {
        say(`could not remove ${dir}: ${e.message}`);
      }
    }
  });
  try {
    launchers.podmanNone();
    podman = (spawnSync("podman", ["--version"], { encoding: "utf8" }).stdout ?? "").trim();
  } catch (e) {
    podman = `podman does not run here: ${e.message.split("\n").filter(Boolean).pop()}`;
    delete launchers.podmanNone;
    delete launchers.podmanBridge;
  }
}

// One warm-up each, then the tools take turns.
const samples = Object.fromEntries(Object.keys(launchers).map((k) => [k, []]));
for (const f of Object.values(launchers)) f();
for (let i = 0; i < Number(flags.runs); i++)
  for (const [k, f] of Object.entries(launchers)) samples[k].push(f());
const launch = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
say(
  `launch (median of ${flags.runs}): ${Object.entries(launch)
    .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
    .join(", ")}`,
);
const overhead = {
  secureRunPrivateMs: launch.private - launch.none,
  ...(launch.podmanBridge !== undefined
    ? { podmanBridgeMs: launch.podmanBridge - launch.podmanNone }
    : {}),
};
say(
  `network's cost: secure-run private ${overhead.secureRunPrivateMs.toFixed(0)} ms` +
    (overhead.podmanBridgeMs !== undefined
      ? `, podman bridge -p ${overhead.podmanBridgeMs.toFixed(0)} ms`
      : `; ${podman}`),
);

// ---- throughput ----------------------------------------------------------------------------------

function fetchOnce(url, agent) {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  });
}

async function nodeRate(url) {
  const agent = new Agent({ keepAlive: false, maxSockets: Number(flags.concurrency) });
  let left = Number(flags.requests);
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Number(flags.concurrency) }, async () => {
      while (left-- > 0) await fetchOnce(url, agent);
    }),
  );
  return Number(flags.requests) / (Number(process.hrtime.bigint() - t) / 1e9);
}

function abRate(url) {
  const r = spawnSync("ab", ["-q", "-n", flags.requests, "-c", flags.concurrency, url], {
    encoding: "utf8",
  });
  const rate = /Requests per second:\s+([\d.]+)/.exec(r.stdout)?.[1];
  const failed = Number(/Failed requests:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  if (r.status !== 0 || !rate || failed > 0)
    throw new Error(`ab ${url}: exit ${r.status}, ${failed} failed: ${r.stderr}${r.stdout}`);
  return Number(rate);
}

async function ready(url) {
  for (let i = 0; i < 200; i++) {
    try {
      await fetchOnce(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url}: no answer`);
}

/** Starts busybox httpd under secure-run on the host's network or behind a published port;
 * resolves with its URL once it answers, and a function that ends it. */
async function serve(mode, port) {
  const site = join(work, "site");
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, "index.html"), "x".repeat(1024));
  const net =
    mode === "host"
      ? `{ mode: host, listen: [${port}] }`
      : `{ mode: private, listen: [80], publish: ["127.0.0.1:${port}:80"] }`;
  const file = join(work, `${mode}.yaml`);
  writeFileSync(
    file,
    `apiVersion: secure-run/v1\nkind: App\nname: bench-${mode}\n` +
      `command: [/bin/busybox, httpd, -f, -p, "${mode === "host" ? `127.0.0.1:${port}` : "80"}", -h, /site]\n` +
      `mounts: [{ source: ${site}, target: /site }]\nnetwork: ${net}\n` +
      `syscalls: { profiles: [${join(root, "examples/busybox-httpd.profile.yaml")}] }\n` +
      `resources: { pids: 256 }\n`,
  );
  const child = spawn(cli, ["run", file], { env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    child.kill("SIGTERM");
    if (child.exitCode === null) await new Promise((r) => child.on("exit", r));
  };
  try {
    await ready(url);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

// Both servers at once, the loads taking turns: a busy machine's drift falls on both alike.
const port = 21000 + (process.pid % 1000);
const servers = { host: await serve("host", port), private: await serve("private", port + 1) };
const rates = { host: [], private: [] };
try {
  for (let round = 0; round < Number(flags.rounds); round++)
    for (const k of ["host", "private"])
      rates[k].push(ab ? abRate(servers[k].url) : await nodeRate(servers[k].url));
} finally {
  for (const s of Object.values(servers)) await s.stop();
}
const rate = { host: median(rates.host), private: median(rates.private) };
say(
  `requests/s (${ab ? "ab" : "Node client"}, ${flags.requests} requests, ${flags.concurrency} at a time, median of ${flags.rounds} rounds): host ${rate.host.toFixed(0)}, private ${rate.private.toFixed(0)} (${((rate.private / rate.host) * 100).toFixed(0)}% of host; target ≥ 90% as root)`,
);
writeFileSync(
  flags.out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        ...machine(),
        loadAverageAtStart: loadStart,
        loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
      },
      flags: { ...flags, out: shownPath(flags.out) },
      backend: isRoot ? "cni" : "pasta",
      launchMs: launch,
      launchSamplesMs: samples,
      networkCostMs: overhead,
      podman,
      loadTool: ab
        ? `ab (ApacheBench ${/Version (\S+)/.exec(spawnSync("ab", ["-V"], { encoding: "utf8" }).stdout)?.[1] ?? "?"})`
        : "Node http client",
      requestsPerSecond: rate,
      requestsPerSecondRounds: rates,
      privateOfHost: rate.private / rate.host,
    },
    null,
    2,
  )}\n`,
);

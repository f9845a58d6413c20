// Detached instances, measured: `ps` with 50 instances and `stats --no-stream` against Node's own
// start-up (`node -e 0`); `run -d` against a foreground `run` of the same app (warm cache);
// `stop` of a cooperative app against its own exit; and, when podman is installed, `podman run
// -d` / `podman stop` / `podman ps` side by side. Not part of the test suite.
// Run after `npm run build`, as root:  node benchmarks/instances.mjs [rounds]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { machine, median, root } from "./common.mjs";

const rounds = Number(process.argv[2] ?? 5);
const cli = join(root, "dist/cli/main.cjs");
const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-instances-"));
const env = { ...process.env, SECURE_RUN_STATE_DIR: join(tmp, "state"), NO_COLOR: "1" };

function time(argv, o = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, ...o });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !o.anyStatus)
    throw new Error(`${argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}
const sr = (...args) => [process.execPath, cli, ...args];
const med = (f) => median(Array.from({ length: rounds }, f));

const app = (name, script) => {
  const f = join(tmp, `${name}.yaml`);
  writeFileSync(
    f,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: [/bin/sh, -c, ${JSON.stringify(script)}]\nsyscalls: { profiles: [process] }\n`,
  );
  return f;
};

// Killed (a timeout, Ctrl-C): the instances are removed all the same.
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

function cleanup() {
  const left = spawnSync(process.execPath, [cli, "ps", "-aq"], { encoding: "utf8", env });
  const ids = left.stdout.split("\n").filter(Boolean);
  if (ids.length) spawnSync(process.execPath, [cli, "rm", "-f", ...ids], { env });
  rmSync(tmp, { recursive: true, force: true });
}

const rows = [];
const row = (what, ms, against, target) =>
  rows.push({ what, ms: Math.round(ms * 10) / 10, against, target });

try {
  const nodeStart = med(() => time([process.execPath, "-e", "0"]).ms);
  row("node -e 0", nodeStart);

  // run -d against a foreground run (both warm: the bundle cache holds the app).
  const quick = app("quick", "exit 0");
  time(sr("run", quick));
  const fg = med(() => time(sr("run", quick)).ms);
  row("run (foreground, warm), app exits at once", fg);
  // Cooperative: SIGTERM ends it at once. (A shell loop around `sleep 1 & wait $!` spins under
  // the process profile: its wait fails at once.)
  const sleeper = app("sleeper", "exec sleep 100000");
  const ids = [];
  const detach = med(() => {
    const r = time(sr("run", "-d", sleeper));
    ids.push(r.out.trim());
    return r.ms;
  });
  row("run -d (returns once the app runs)", detach, "foreground run", "+20 ms");

  // stop of a cooperative app (it exits on SIGTERM at once).
  const stops = ids.map((id) => time(sr("stop", id)).ms);
  row("stop of a cooperative app", median(stops), "node -e 0", "+50 ms (its exit)");
  time(sr("rm", ...ids));

  // 50 instances, then ps and stats --no-stream.
  const many = [];
  for (let i = 0; i < 50; i++) many.push(time(sr("run", "-d", sleeper)).out.trim());
  row(
    "ps with 50 instances",
    med(() => time(sr("ps")).ms),
    "node -e 0",
    "+50 ms",
  );
  row(
    "ps -a --json with 50 instances",
    med(() => time(sr("ps", "-a", "--json")).ms),
  );
  row(
    "stats --no-stream with 50 instances",
    med(() => time(sr("stats", "--no-stream")).ms),
    "node -e 0",
    "+50 ms",
  );
  time(sr("rm", "-f", ...many));

  // podman, if there is one.
  const podman = spawnSync("podman", ["--version"], { encoding: "utf8" });
  if (podman.status === 0) {
    const image = process.env.BENCH_PODMAN_IMAGE ?? "docker.io/library/busybox";
    const pids = [];
    const prun = med(() => {
      const r = time([
        "podman",
        "run",
        "-d",
        image,
        "sh",
        "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.05; done",
      ]);
      pids.push(r.out.trim());
      return r.ms;
    });
    row(`podman run -d (${podman.stdout.trim()})`, prun);
    row(
      "podman ps",
      med(() => time(["podman", "ps"]).ms),
    );
    row("podman stop", median(pids.map((id) => time(["podman", "stop", id]).ms)));
    time(["podman", "rm", ...pids]);
  } else {
    row("podman: not installed on this machine, not compared", Number.NaN);
  }
} finally {
  cleanup();
}

console.log(JSON.stringify({ machine: machine(), rounds }, null, 2));
for (const r of rows)
  console.log(
    `${r.what.padEnd(52)} ${Number.isNaN(r.ms) ? "" : `${String(r.ms).padStart(8)} ms`}${r.target ? `   (target: ${r.against} ${r.target})` : ""}`,
  );

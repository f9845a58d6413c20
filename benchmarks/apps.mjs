// The real apps in examples/: how many syscalls each plan allows on x86_64 next to Docker's
// default profile, how long tracing each app takes, and what tracing costs the app (a
// syscall-heavy job and HTTP requests, under `run` against under `trace`).
// Run after `npm run build`, as root, with nginx-light, redis-server, busybox and curl installed:
//   node benchmarks/apps.mjs [path/to/docker-default-seccomp.json]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";

import { dockerProfileFile, dockerSpecX86, machine, median, root, shownPath } from "./common.mjs";
const cli = join(root, "dist/cli/main.cjs");
const { loadNative } = await import(join(root, "dist/src/native/seccomp.js"));
const { loadApp } = await import(join(root, "dist/src/appspec/load.js"));
const { makePlan } = await import(join(root, "dist/src/plan/make.js"));

const dockerFile = dockerProfileFile(process.argv[2]);
const native = loadNative();
const onX86 = (name) => {
  try {
    return native.syscallNumber("x86_64", name) >= 0;
  } catch {
    return false;
  }
};
const allowedOn = (spec) =>
  new Set(spec.syscalls.filter((r) => r.action === "allow").map((r) => r.name)).size;
const allowedX86 = (spec) =>
  [...new Set(spec.syscalls.filter((r) => r.action === "allow").map((r) => r.name))].filter(onX86)
    .length;

const docker = await dockerSpecX86(dockerFile, native);
const dockerCount = allowedX86(docker);

const U = "http://127.0.0.1";
const curl = (port) =>
  `curl -sf ${U}:${port}/index.html >/dev/null && curl -sf ${U}:${port}/ >/dev/null; curl -s ${U}:${port}/missing >/dev/null`;
const apps = [
  { file: "nginx.yaml", port: 8081, exercise: curl(8081), http: true },
  {
    file: "redis.yaml",
    port: 6380,
    exercise: "redis-cli -p 6380 ping && redis-cli -p 6380 set k v && redis-cli -p 6380 get k",
  },
  { file: "python-web.yaml", port: 8080, exercise: curl(8080), http: true },
  { file: "node-web.yaml", port: 8082, exercise: curl(8082), http: true },
  { file: "busybox-httpd.yaml", port: 8083, exercise: curl(8083), http: true },
];

const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-apps-"));
const rows = [];
try {
  for (const a of apps) {
    const plan = makePlan(loadApp(join(root, "examples", a.file))).plan;
    const allowed = allowedX86(plan.seccomp);
    // A trace of the app with its exercise, end to end (start, exercise, stop, profile).
    const traces = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          cli,
          "trace",
          join(root, "examples", a.file),
          "--exercise",
          a.exercise,
          "-o",
          join(tmp, "p.yaml"),
          "--replace",
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      if (r.status !== 0) throw new Error(`trace ${a.file}: ${r.stderr}`);
      traces.push(performance.now() - t0);
    }
    rows.push({
      app: a.file.replace(/\.yaml$/, ""),
      allowedX86: allowed,
      allowedAllArches: allowedOn(plan.seccomp),
      dockerX86: dockerCount,
      ratio: allowed / dockerCount,
      traceMs: median(traces),
    });
  }

  // What tracing costs the app: a syscall-heavy job (dd, 1-byte reads and writes).
  const ddArgs = ["--", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=100000"];
  const timeIt = (args) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
    return performance.now() - t0;
  };
  const ddRun = [];
  const ddTrace = [];
  for (let i = 0; i < 5; i++) {
    ddRun.push(timeIt(["exec", ...ddArgs]));
    ddTrace.push(timeIt(["trace", "-o", join(tmp, "dd.yaml"), "--replace", ...ddArgs]));
  }
  const syscalls = 200_000;
  const dd = {
    syscalls,
    runMs: median(ddRun),
    traceMs: median(ddTrace),
    perSyscallUs: ((median(ddTrace) - median(ddRun)) * 1000) / syscalls,
  };

  // And on HTTP requests to nginx: 300 sequential GETs, under run and under trace.
  const get = (port) =>
    new Promise((done, fail) => {
      const req = request({ host: "127.0.0.1", port, path: "/index.html", agent: false }, (res) => {
        res.resume();
        res.on("end", done);
      });
      req.on("error", fail);
      req.end();
    });
  const waitPort = async (port) => {
    for (let i = 0; i < 200; i++) {
      const ok = await new Promise((d) => {
        const s = connect({ host: "127.0.0.1", port });
        s.once("connect", () => (s.destroy(), d(true)));
        s.once("error", () => d(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`port ${port} never opened`);
  };
  const requests = async (args) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: "ignore" });
    const exited = new Promise((d) => child.on("exit", d));
    await waitPort(8081);
    for (let i = 0; i < 20; i++) await get(8081);
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) await get(8081);
    const ms = performance.now() - t0;
    child.kill("SIGTERM");
    await exited;
    return (ms * 1000) / 300;
  };
  const nginx = join(root, "examples/nginx.yaml");
  const httpRun = [];
  const httpTrace = [];
  for (let i = 0; i < 3; i++) {
    httpRun.push(await requests(["run", nginx]));
    httpTrace.push(await requests(["trace", nginx, "-o", join(tmp, "n.yaml"), "--replace"]));
  }
  const http = {
    requests: 300,
    runUsPerRequest: median(httpRun),
    traceUsPerRequest: median(httpTrace),
  };

  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    node: process.version,
    docker: { file: shownPath(dockerFile), allowedX86: dockerCount },
    apps: rows,
    traceOverhead: { dd, http },
  };
  writeFileSync(join(root, "benchmarks/results/apps.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(`Docker's default profile allows ${dockerCount} syscalls on x86_64\n`);
  console.log("app             allowed x86_64   of Docker's   trace (start, exercise, stop)");
  for (const r of rows)
    console.log(
      `${r.app.padEnd(16)}${String(r.allowedX86).padStart(14)}${(100 * r.ratio).toFixed(0).padStart(13)} %${r.traceMs.toFixed(0).padStart(14)} ms`,
    );
  console.log(
    `\ndd, ${syscalls} syscalls: run ${dd.runMs.toFixed(0)} ms, trace ${dd.traceMs.toFixed(0)} ms ` +
      `(+${dd.perSyscallUs.toFixed(1)} µs per syscall)`,
  );
  console.log(
    `nginx, ${http.requests} GETs: ${http.runUsPerRequest.toFixed(0)} µs per request under run, ` +
      `${http.traceUsPerRequest.toFixed(0)} µs under trace ` +
      `(×${(http.traceUsPerRequest / http.runUsPerRequest).toFixed(2)})`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// The cost of reporting refusals (issue 20): every launch runs the app under the plan's filter
// with its errno refusals notifying the supervisor (src/seccomp/compile.ts notifyingSpec).
//  1. Allowed calls: getpid and an argument-checked ioctl under the plan's filter and under the
//     notifying one (benchmarks/syscall-cost.c): they must cost the same.
//  2. Refused calls: a program making 100,000 refused calls (test/fixtures/refusals-flood.c),
//     launched with the plan's filter alone (refused in the kernel: what launches did before),
//     with the notifying filter (counted, summarised at the end) and with --explain.
// Run as root after `npm run build`: node benchmarks/refusals.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { machine, median, root } from "./common.mjs";
const { compileFilters, notifyingSpec } = await import(join(root, "dist/src/seccomp/compile.js"));
const { loadApp } = await import(join(root, "dist/src/appspec/load.js"));
const { makePlan } = await import(join(root, "dist/src/plan/make.js"));
const { loadFromFlags } = await import(join(root, "dist/src/appspec/from-flags.js"));
const { prepareLoaded } = await import(join(root, "dist/src/launch/prepare.js"));
const { runPlan } = await import(join(root, "dist/src/launch/run.js"));

const N = 100_000;
const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-refusals-"));
const result = { date: new Date().toISOString(), machine: machine() };
try {
  // 1. Allowed calls.
  const cost = join(tmp, "syscall-cost");
  execFileSync("cc", ["-O2", "-o", cost, join(root, "benchmarks/syscall-cost.c")]);
  const hello = makePlan(loadApp(join(root, "examples/hello.yaml"))).plan;
  const planBpf = join(tmp, "plan.bpf");
  const notifyBpf = join(tmp, "notify.bpf");
  const [plain] = compileFilters(hello.seccomp, undefined, ["x86_64"]);
  const [notifying] = compileFilters(notifyingSpec(hello.seccomp), undefined, ["x86_64"]);
  writeFileSync(planBpf, plain.bpf);
  writeFileSync(notifyBpf, notifying.bpf);
  const measure = (prog) => {
    const runs = Array.from({ length: 7 }, () =>
      execFileSync(cost, [prog, "2000000"], { encoding: "utf8" }),
    );
    const parse = (k) => median(runs.map((r) => Number(new RegExp(`${k} ([0-9.]+)`).exec(r)[1])));
    return { getpidNs: parse("getpid"), ioctlNs: parse("ioctl") };
  };
  // Interleaved, so that a drift of the machine's speed touches both alike.
  const a = [];
  const b = [];
  for (let i = 0; i < 3; i++) {
    a.push(measure(planBpf));
    b.push(measure(notifyBpf));
  }
  const med = (xs, k) => median(xs.map((x) => x[k]));
  result.allowedCalls = {
    planFilter: {
      getpidNs: med(a, "getpidNs"),
      ioctlNs: med(a, "ioctlNs"),
      insns: plain.bpf.length / 8,
    },
    notifyingFilter: {
      getpidNs: med(b, "getpidNs"),
      ioctlNs: med(b, "ioctlNs"),
      insns: notifying.bpf.length / 8,
    },
  };

  // 2. Refused calls, through real launches.
  const bin = join(tmp, "bin");
  execFileSync("mkdir", ["-p", bin]);
  execFileSync("cc", [
    "-O2",
    "-o",
    join(bin, "flood"),
    join(root, "test/fixtures/refusals-flood.c"),
  ]);
  execFileSync("chmod", ["-R", "755", tmp]);
  const flags = {
    env: [],
    volume: [`${bin}:/t:ro`],
    tmpfs: [],
    listen: [],
    connect: [],
    capAdd: [],
    profile: [],
    bestEffort: [],
  };
  const prepared = prepareLoaded(loadFromFlags(["/t/flood", String(N), "0"], flags));
  const landlockAbi = prepared.host.landlock.abi ?? 0;
  const launch = async (mode) => {
    const t0 = process.hrtime.bigint();
    const { report } = await runPlan(
      prepared.plan,
      mode === "kernel" ? prepared.filter.bpf : prepared.notifying.bpf,
      {
        landlockAbi,
        ...(mode === "explain" ? { explain: { bpf: prepared.filter.bpf, json: true } } : {}),
        ...(mode !== "kernel"
          ? { refusals: { bpf: prepared.filter.bpf, fixes: prepared.fixes, summary: "off" } }
          : {}),
      },
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (report.exitCode !== 0) throw new Error(`flood (${mode}) exited ${report.exitCode}`);
    if (mode !== "kernel" && report.refused?.total !== N)
      throw new Error(`flood (${mode}): ${report.refused?.total} counted, not ${N}`);
    return ms;
  };
  const times = { kernel: [], counted: [], explain: [] };
  for (let i = 0; i < 5; i++) for (const m of Object.keys(times)) times[m].push(await launch(m));
  // 3. The launch itself: the listener is handed to the supervisor before execve.
  const trueApp = prepareLoaded(loadFromFlags(["/bin/true"], { ...flags, volume: [] }));
  const walls = { kernel: [], counted: [] };
  for (let i = 0; i < 25; i++)
    for (const m of Object.keys(walls)) {
      const { report } = await runPlan(
        trueApp.plan,
        m === "kernel" ? trueApp.filter.bpf : trueApp.notifying.bpf,
        {
          landlockAbi,
          ...(m === "counted"
            ? { refusals: { bpf: trueApp.filter.bpf, fixes: trueApp.fixes } }
            : {}),
        },
      );
      walls[m].push(report.wallUs / 1000);
    }
  result.launchTrue = { kernelMs: median(walls.kernel), countedMs: median(walls.counted) };
  result.refusedCalls = {
    calls: N,
    kernelMs: median(times.kernel),
    countedMs: median(times.counted),
    explainMs: median(times.explain),
  };
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const al = result.allowedCalls;
const rc = result.refusedCalls;
const pct = (x, base) => `${x >= base ? "+" : ""}${(((x - base) / base) * 100).toFixed(1)}%`;
console.log("allowed calls (ns per call, median of 3×7 runs of 2,000,000, interleaved):");
console.log(
  `  plan's filter (${al.planFilter.insns} insns)       getpid ${al.planFilter.getpidNs.toFixed(1)}   ioctl ${al.planFilter.ioctlNs.toFixed(1)}`,
);
console.log(
  `  notifying filter (${al.notifyingFilter.insns} insns)   getpid ${al.notifyingFilter.getpidNs.toFixed(1)} (${pct(al.notifyingFilter.getpidNs, al.planFilter.getpidNs)})   ioctl ${al.notifyingFilter.ioctlNs.toFixed(1)} (${pct(al.notifyingFilter.ioctlNs, al.planFilter.ioctlNs)})`,
);
console.log(`refused calls: a launch making ${rc.calls} (ms, median of 5 launches):`);
console.log(`  refused in the kernel (before)  ${rc.kernelMs.toFixed(0)} ms`);
console.log(
  `  notified, counted (now)         ${rc.countedMs.toFixed(0)} ms (${(((rc.countedMs - rc.kernelMs) / rc.calls) * 1000).toFixed(1)} µs more per refused call)`,
);
console.log(`  --explain                       ${rc.explainMs.toFixed(0)} ms`);
console.log(
  `a launch of /bin/true (the launcher's wall time, median of 25): ${result.launchTrue.kernelMs.toFixed(2)} ms without the listener, ${result.launchTrue.countedMs.toFixed(2)} ms with it`,
);
writeFileSync(
  join(root, "benchmarks/results/refusals.json"),
  `${JSON.stringify(result, null, 2)}\n`,
);

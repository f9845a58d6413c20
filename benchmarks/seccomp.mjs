// Seccomp figures: compiling a Docker-sized profile (Docker's default, about 360 rules) for one
// and two architectures, and the cost of a syscall with a filter loaded against none.
// Run after `npm run build`: node benchmarks/seccomp.mjs [path/to/docker-default-seccomp.json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dockerProfileFile, dockerSpecX86, machine, median, root, shownPath } from "./common.mjs";
const { loadNative } = await import(join(root, "dist/src/native/seccomp.js"));
const { compileFilters, nativeRule, errnoNumber } = await import(
  join(root, "dist/src/seccomp/compile.js")
);
const { loadApp } = await import(join(root, "dist/src/appspec/load.js"));
const { makePlan } = await import(join(root, "dist/src/plan/make.js"));

const dockerFile = dockerProfileFile(process.argv[2]);
const native = loadNative();
const spec = await dockerSpecX86(dockerFile, native);

// Compile time, measured at the addon (rules already converted), as the launch path would pay it.
const rules = spec.syscalls.map(nativeRule);
const compileOnce = (arch) =>
  native.compile({
    arch,
    defaultAction: { action: "errno", errno: errnoNumber(spec.defaultAction.errno ?? "EPERM") },
    badArchAction: "kill_process",
    rules,
  });
const timeMs = (fn) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (let i = 0; i < 10; i++) compileOnce("x86_64");
const one = Array.from({ length: 100 }, () => timeMs(() => compileOnce("x86_64")));
const two = Array.from({ length: 100 }, () =>
  timeMs(() => {
    compileOnce("x86_64");
    compileOnce("aarch64");
  }),
);

// Per-syscall cost with the filter loaded (a C program times getpid and an argument-checked ioctl).
const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-"));
const result = {
  date: new Date().toISOString(),
  machine: machine(),
};
try {
  const bin = join(tmp, "syscall-cost");
  execFileSync("cc", ["-O2", "-o", bin, join(root, "benchmarks/syscall-cost.c")]);
  const dockerBpf = join(tmp, "docker.bpf");
  writeFileSync(dockerBpf, compileFilters(spec, native, ["x86_64"])[0].bpf);
  const hello = makePlan(loadApp(join(root, "examples/hello.yaml"))).plan;
  const helloBpf = join(tmp, "hello.bpf");
  writeFileSync(helloBpf, compileFilters(hello.seccomp, native, ["x86_64"])[0].bpf);
  const measure = (prog) => {
    const runs = Array.from({ length: 5 }, () =>
      execFileSync(bin, [prog, "2000000"], { encoding: "utf8" }),
    );
    const parse = (k) => median(runs.map((r) => Number(new RegExp(`${k} ([0-9.]+)`).exec(r)[1])));
    return { getpidNs: parse("getpid"), ioctlNs: parse("ioctl") };
  };
  const none = measure("-");
  const docker = measure(dockerBpf);
  const plan = measure(helloBpf);
  const pct = (x, base) => `${x >= base ? "+" : ""}${(((x - base) / base) * 100).toFixed(1)}%`;
  result.compile = {
    profile: shownPath(dockerFile),
    rules: spec.syscalls.length,
    x86_64Ms: median(one),
    x86_64AndAarch64Ms: median(two),
    targetMs: 5,
  };
  result.syscallCost = {
    none,
    dockerDefault: docker,
    helloPlan: plan,
    targets: { getpid: "+10%", argumentChecked: "+20%" },
  };
  console.log(
    `compile Docker's default profile (${spec.syscalls.length} rules): x86_64 ${median(one).toFixed(2)} ms; x86_64 + aarch64 ${median(two).toFixed(2)} ms (target < 5 ms)`,
  );
  console.log("per-syscall cost (ns, median of 5 runs of 2,000,000 calls, best round each):");
  console.log(
    `  no filter          getpid ${none.getpidNs.toFixed(1)}   ioctl(-1, TCGETS) ${none.ioctlNs.toFixed(1)}`,
  );
  console.log(
    `  Docker's profile   getpid ${docker.getpidNs.toFixed(1)} (${pct(docker.getpidNs, none.getpidNs)})   ioctl ${docker.ioctlNs.toFixed(1)} (${pct(docker.ioctlNs, none.ioctlNs)})`,
  );
  console.log(
    `  hello's plan       getpid ${plan.getpidNs.toFixed(1)} (${pct(plan.getpidNs, none.getpidNs)})   ioctl ${plan.ioctlNs.toFixed(1)} (${pct(plan.ioctlNs, none.ioctlNs)}; argument-checked)`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
writeFileSync(
  join(root, "benchmarks/results/seccomp.json"),
  `${JSON.stringify(result, null, 2)}\n`,
);

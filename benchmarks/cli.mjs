// The command line's own speed (issue 20): `plan`, `review` and `audit` of one app against Node's
// start-up (`node -e 0` + 75 ms); `review` of 200 app files in one call (≤ 3 s); the first `run`
// of an app not yet in the bundle cache (≤ node -e 0 + 150 ms), with the warm `run` and
// `--version` beside them. Each command is timed from spawn to exit, all of them taking turns
// round after round; medians. Writes benchmarks/results/cli.json. Not part of the test suite.
// Run after `npm run build`:  node benchmarks/cli.mjs [rounds]
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { machine, median, root } from "./common.mjs";

const rounds = Number(process.argv[2] ?? 9);
// The executable, as users start it (package.json's bin): Node from the CLI's startup snapshot.
const cli = join(root, "dist/cli/secure-run");
const tmp = mkdtempSync(join(tmpdir(), "secure-run-bench-cli-"));
const env = {
  ...process.env,
  NO_COLOR: "1",
  SECURE_RUN_BUNDLE_CACHE: join(tmp, "cache"),
  SECURE_RUN_SAID_DIR: join(tmp, "said"),
};
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });

function time(argv, o = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, ...o });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !o.anyStatus)
    throw new Error(`${argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return ms;
}
const sr = (...args) => [cli, ...args];

// 200 app files: the examples (with what they name: profiles, directories), renamed.
const apps = join(tmp, "apps");
mkdirSync(apps);
const examples = ["busybox-httpd", "hello", "nginx", "node-web", "python-web", "redis"];
for (const e of examples)
  try {
    copyFileSync(join(root, "examples", `${e}.profile.yaml`), join(apps, `${e}.profile.yaml`));
  } catch {
    // no profile of its own
  }
for (const d of ["site", "nginx", "node-web"])
  spawnSync("cp", ["-r", join(root, "examples", d), apps], { stdio: "ignore" });
const many = [];
for (let i = 0; many.length < 200; i++) {
  const e = examples[i % examples.length];
  const f = join(apps, `app${i}.yaml`);
  writeFileSync(
    f,
    readFileSync(join(root, "examples", `${e}.yaml`), "utf8").replace(
      /^name: .*$/m,
      `name: app${i}`,
    ),
  );
  many.push(f);
}
const hello = join(root, "examples/hello.yaml");
const quick = join(tmp, "quick.yaml");
writeFileSync(
  quick,
  "apiVersion: secure-run/v1\nkind: App\nname: quick\ncommand: [/bin/true]\nnetwork: { mode: none }\n",
);

const cases = [
  ["floor", "node -e 0", () => time([process.execPath, "-e", "0"])],
  ["version", "secure-run --version", () => time(sr("--version"))],
  ["plan", "plan examples/hello.yaml", () => time(sr("plan", hello))],
  ["review", "review examples/hello.yaml", () => time(sr("review", hello), { anyStatus: true })],
  ["audit", "audit examples/hello.yaml", () => time(sr("audit", hello))],
  [
    "runCold",
    "run, the app not in the bundle cache (cold)",
    () => {
      rmSync(join(tmp, "cache"), { recursive: true, force: true });
      return time(sr("run", quick));
    },
  ],
  ["runWarm", "run, the app in the bundle cache (warm)", () => time(sr("run", quick))],
  [
    "review200",
    "review of 200 app files in one call",
    () => time(sr("review", ...many), { anyStatus: true }),
  ],
];
const loadAtStart = loadavg();
const samples = Object.fromEntries(cases.map(([k]) => [k, []]));
try {
  for (const [, , f] of cases) f(); // warm the page cache
  for (let i = 0; i < rounds; i++) for (const [k, , f] of cases) samples[k].push(f());
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const r1 = (x) => Math.round(x * 10) / 10;
const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, r1(median(v))]));
const target = (text, measured, limit) => ({
  text,
  measured,
  limit: r1(limit),
  status: measured <= limit ? "PASS" : "MISS",
});
const targets = [
  target("plan of one app ≤ node -e 0 + 75 ms (medians, ms)", med.plan, med.floor + 75),
  target("review of one app ≤ node -e 0 + 75 ms (medians, ms)", med.review, med.floor + 75),
  target("audit of one app ≤ node -e 0 + 75 ms (medians, ms)", med.audit, med.floor + 75),
  target("review of 200 app files in one call ≤ 3 s (medians, ms)", med.review200, 3000),
  target(
    "first run of an app not yet cached ≤ node -e 0 + 150 ms (medians, ms)",
    med.runCold,
    med.floor + 150,
  ),
];
const result = {
  date: new Date().toISOString(),
  machine: {
    ...machine(),
    loadAverageAtStart: loadAtStart.map(r1),
    loadAverageAtEnd: loadavg().map(r1),
  },
  rounds,
  rows: cases.map(([k, text]) => ({ metric: k, text, medianMs: med[k] })),
  targets,
};
mkdirSync(join(root, "benchmarks/results"), { recursive: true });
writeFileSync(join(root, "benchmarks/results/cli.json"), `${JSON.stringify(result, null, 2)}\n`);
for (const row of result.rows)
  console.log(`${row.text.padEnd(48)} ${String(row.medianMs).padStart(8)} ms`);
for (const t of targets) console.log(`${t.status} ${t.text}: ${t.measured} (limit ${t.limit})`);

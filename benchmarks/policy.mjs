// Policy engine figures: loading the wasm, and evaluating the plan and the review of each
// example (medians of many runs). Run after `npm run build`: node benchmarks/policy.mjs
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { machine, median, root } from "./common.mjs";
const { PolicyEngine } = await import(join(root, "dist/src/policy/engine.js"));
const { loadApp } = await import(join(root, "dist/src/appspec/load.js"));
const { planInput } = await import(join(root, "dist/src/plan/make.js"));
const { hostFacts } = await import(join(root, "dist/src/host/facts.js"));
const { loadProfiles } = await import(join(root, "dist/src/profiles/load.js"));

const time = (fn) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

const loads = Array.from({ length: 20 }, () => time(() => PolicyEngine.load()));
const engine = PolicyEngine.load();
const profiles = loadProfiles();
engine.setData({ profiles, config: {} });
const host = hostFacts();
const rows = [];
for (const f of readdirSync(join(root, "examples"))
  .filter((x) => x.endsWith(".yaml") && !x.endsWith(".profile.yaml")) // profiles are not apps
  .sort()) {
  const loaded = loadApp(join(root, "examples", f));
  const input = planInput(loaded, host);
  let plan;
  for (let i = 0; i < 20; i++) plan = engine.evaluatePlan(input).plan; // warm-up
  const planTimes = Array.from({ length: 300 }, () => time(() => engine.evaluatePlan(input)));
  const reviewInput = { app: loaded.app, spec: loaded.spec, plan };
  const reviewTimes = Array.from({ length: 300 }, () =>
    time(() => engine.evaluateReview(reviewInput)),
  );
  rows.push({ app: f, planMs: median(planTimes), reviewMs: median(reviewTimes) });
}
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  wasmLoadMs: {
    median: median(loads),
    min: Math.min(...loads),
    max: Math.max(...loads),
    runs: loads.length,
  },
  evaluation: rows,
  targets: { loadMs: 50, evalMs: 2 },
};
console.log(
  `wasm load: median ${result.wasmLoadMs.median.toFixed(2)} ms (min ${result.wasmLoadMs.min.toFixed(2)}, max ${result.wasmLoadMs.max.toFixed(2)}; target < 50 ms)`,
);
console.log("app                    plan eval (median)   review eval (median)   (target < 2 ms)");
for (const r of rows)
  console.log(
    `${r.app.padEnd(22)} ${r.planMs.toFixed(3).padStart(8)} ms          ${r.reviewMs.toFixed(3).padStart(8)} ms`,
  );
mkdirSync(join(root, "benchmarks/results"), { recursive: true });
writeFileSync(join(root, "benchmarks/results/policy.json"), `${JSON.stringify(result, null, 2)}\n`);

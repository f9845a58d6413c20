// `npm run bench`: every benchmark in one run. Installs the comparison tools from Debian when
// they are missing (as root: bubblewrap, firejail, runc, crun; podman and catatonit, its --init,
// for the detached instances), builds when the build is missing or older than its sources, runs
// the launch benchmark and the others, and writes benchmarks/results/README.md: the machine, the
// tools' versions, the date, the tables and a summary of every target.
//   node benchmarks/run-all.mjs [--quick] [--no-apps] [--no-install]
// --quick: the launch benchmark's quick mode, 3 rounds of benchmarks/instances.mjs (not 5) and
// one load and 5 launches of each in benchmarks/images.mjs;
// --no-apps: skip benchmarks/apps.mjs
// (about a minute; it is skipped anyway when nginx-light, redis-server, busybox or curl is
// missing); --no-install: never call apt-get.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { imagesSection } from "./images-report.mjs";

const root = new URL("..", import.meta.url).pathname;
const results = join(root, "benchmarks/results");
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "no-apps": { type: "boolean", default: false },
    "no-install": { type: "boolean", default: false },
  },
});
const say = (s) => console.log(`bench: ${s}`);
const isRoot = process.getuid?.() === 0;
const started = Date.now();

// ---- the comparison tools ------------------------------------------------------------------------

// Debian package → the command that shows it is there.
const TOOLS = {
  bubblewrap: "bwrap",
  firejail: "firejail",
  runc: "runc",
  crun: "crun",
  podman: "podman",
  catatonit: "catatonit",
  // benchmarks/network.mjs's loopback load (ab knows -V, not --version)
  "apache2-utils": "ab",
};
const VERSION_FLAG = { ab: "-V" };
const missing = Object.keys(TOOLS).filter(
  (pkg) =>
    spawnSync(TOOLS[pkg], [VERSION_FLAG[TOOLS[pkg]] ?? "--version"], { stdio: "ignore" }).status !==
    0,
);
if (missing.length > 0 && flags["no-install"]) {
  say(`not installing ${missing.join(" ")} (--no-install): their rows will say not available`);
} else if (missing.length > 0 && !isRoot) {
  say(
    `${missing.join(" ")} missing; run as root to install them (their rows will say not available)`,
  );
} else if (missing.length > 0) {
  say(`installing ${missing.join(" ")} from Debian`);
  // As scripts/setup.sh does: no service may start while packages are installed.
  const guard = "/usr/sbin/policy-rc.d";
  const ourGuard = !existsSync(guard);
  if (ourGuard) {
    writeFileSync(guard, "#!/bin/sh\nexit 101\n");
    chmodSync(guard, 0o755);
  }
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const apt = (args) =>
      spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    apt(["update", "-qq"]);
    const r = apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]);
    if (r.status !== 0)
      say(`apt-get install failed (${r.status}): those rows will say not available`);
  } finally {
    if (ourGuard) spawnSync("rm", ["-f", guard]);
  }
}

// ---- the build -----------------------------------------------------------------------------------

const newest = (dir, exts) => {
  let t = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "tests" && e.name !== "node_modules") walk(p);
      } else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  if (existsSync(dir)) walk(dir);
  return t;
};
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
if (!existsSync(join(root, "node_modules/.package-lock.json"))) {
  say("npm ci (no node_modules yet)");
  spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: "inherit",
  });
}
const outputs = {
  ts: join(root, "dist/cli/main.cjs"),
  launcher: join(root, "build/Release/secure-run-launch"),
  addon: join(root, "build/Release/seccomp.node"),
};
const tsStale =
  mtime(outputs.ts) <
  Math.max(newest(join(root, "src"), [".ts"]), newest(join(root, "cli"), [".ts"]));
const nativeStale =
  Math.min(mtime(outputs.launcher), mtime(outputs.addon)) <
  newest(join(root, "native"), [".c", ".h"]);
if (tsStale || nativeStale) {
  say(
    `building (${[tsStale && "TypeScript", nativeStale && "native layer"].filter(Boolean).join(", ")} missing or older than the sources)`,
  );
  const r = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    if (Object.values(outputs).every(existsSync))
      say("the build failed; going on with the existing build (figures may be of older code)");
    else {
      say("the build failed and there is nothing to run");
      process.exit(1);
    }
  }
}

// ---- the benchmarks ------------------------------------------------------------------------------

// benchmarks/apps.mjs runs the example apps: their programs must be there (any package).
const appsTools = ["nginx", "redis-server", "busybox", "curl"];
const appsMissing = appsTools.filter(
  (cmd) =>
    spawnSync("sh", ["-c", `PATH="$PATH:/usr/sbin:/sbin" command -v ${cmd}`], { stdio: "ignore" })
      .status !== 0,
);
const runs = [
  { name: "launch", file: "launch.mjs", args: flags.quick ? ["--quick"] : [] },
  { name: "policy", file: "policy.mjs", args: [] },
  { name: "seccomp", file: "seccomp.mjs", args: [] },
  { name: "cli", file: "cli.mjs", args: flags.quick ? ["5"] : [] },
  { name: "refusals", file: "refusals.mjs", args: [], skip: isRoot ? "" : "needs root" },
  {
    name: "instances",
    file: "instances.mjs",
    args: flags.quick ? ["3"] : [],
    skip: isRoot ? "" : "needs root",
  },
  {
    name: "images",
    file: "images.mjs",
    args: flags.quick ? ["--rounds", "1", "--runs", "5"] : [],
    skip: isRoot ? "" : "needs root",
  },
  {
    name: "network",
    file: "network.mjs",
    args: flags.quick ? ["--runs", "3"] : [],
    skip: isRoot ? "" : "needs root",
  },
  {
    name: "apps",
    file: "apps.mjs",
    args: [],
    skip: flags["no-apps"]
      ? "--no-apps"
      : !isRoot
        ? "needs root"
        : appsMissing.length
          ? `missing ${appsMissing.join(", ")} (scripts/setup.sh --test installs them)`
          : "",
  },
];
const ran = {};
for (const b of runs) {
  if (b.skip) {
    say(`skipping ${b.name} (${b.skip})`);
    ran[b.name] = { skipped: b.skip };
    continue;
  }
  say(`running benchmarks/${b.file}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(root, "benchmarks", b.file), ...b.args], {
    cwd: root,
    stdio: "inherit",
  });
  ran[b.name] = { status: r.status, seconds: Number(((Date.now() - t0) / 1000).toFixed(1)) };
  if (r.status !== 0) say(`benchmarks/${b.file} failed (exit ${r.status})`);
}

// ---- benchmarks/results/README.md ----------------------------------------------------------------

const load = (name) => {
  const f = join(results, `${name}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null;
};
const launch = ran.launch?.status === 0 ? load("launch") : null;
const policy = load("policy");
const seccomp = load("seccomp");
const apps = load("apps");
const instances = load("instances");
const images = load("images");
const cliSpeed = load("cli");
const fresh = (name) => ran[name]?.status === 0;
const f2 = (x, d = 2) => (typeof x === "number" ? x.toFixed(d) : "—");
const esc = (s) => String(s).replace(/\|/g, "\\|");
const md = [];
const summary = []; // [benchmark, target, measured, status]
const m = launch?.machine ?? policy?.machine ?? {};
md.push("# Benchmark results", "");
md.push(
  `Made by \`npm run bench\` (benchmarks/run-all.mjs) on ${new Date().toISOString().slice(0, 10)}; ` +
    `each JSON file beside this one has the raw figures.`,
  "",
);
md.push("## Machine and tools", "");
md.push(`- CPU: ${m.cpu ?? "?"}, ${m.cores ?? "?"} cores`);
md.push(
  `- kernel ${m.kernel ?? "?"}, Debian ${m.debian ?? "?"}, Node.js ${launch?.tools.node ?? process.version}`,
);
if (launch?.machine.loadAverageAtStart)
  md.push(
    `- load average (1, 5, 15 min) at the start of the launch benchmark ${launch.machine.loadAverageAtStart.join(", ")}, at its end ${launch.machine.loadAverageAtEnd.join(", ")} (figures from a busy machine are higher and wider)`,
  );
if (launch) {
  const t = launch.tools;
  md.push(
    `- secure-run ${t.secureRun ?? "?"}; ${[
      ["unshare", t.unshare],
      ["bubblewrap", t.bwrap],
      ["firejail", t.firejail],
      ["runc", t.runc],
      ["crun", t.crun],
      ["libseccomp", t.libseccomp],
      [
        "podman",
        instances?.podman?.available ? instances.podman.version.replace(/^podman /, "") : null,
      ],
    ]
      .map(([k, v]) => `${k}: ${v ?? "not installed"}`)
      .join("; ")}`,
  );
}
md.push("");

md.push("## Launch overhead", "");
if (!launch)
  md.push(`Not measured in this run (${ran.launch?.skipped ?? `exit ${ran.launch?.status}`}).`, "");
else {
  const c = launch.config;
  md.push(
    `Launch and exit of a static \`int main(void){return 0;}\` (cc -static -O2), ${c.rounds} timed rounds after ${c.warmup} warm-up rounds${c.quick ? " (quick mode)" : ""}, all variants interleaved round-robin. ` +
      "Timed by a small C driver (benchmarks/launch-driver.c): CLOCK_MONOTONIC around fork, the variant's fixed set-up, execve, the tool's whole life and wait4. " +
      "CPU is the user+system time of the launched process tree. Ratios are of medians.",
    "",
  );
  md.push("| variant | median ms | p10–p90 ms | CPU ms | × crun + seccomp | × unshare | runs |");
  md.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const v of launch.variants)
    md.push(
      v.available
        ? `| ${esc(v.label)} | ${f2(v.medianMs)} | ${f2(v.p10Ms)}–${f2(v.p90Ms)} | ${f2(v.cpuMedianMs)} | ${f2(v.vsCrunSeccomp)} | ${f2(v.vsUnshare, 1)} | ${v.runs}${v.failures ? ` (${v.failures} failed)` : ""} |`
        : `| ${esc(v.label)} | not available (${esc(v.reason)}) | | | | | |`,
    );
  md.push("", "What each line includes:", "");
  for (const v of launch.variants)
    md.push(`- **${esc(v.label)}**: ${v.includes}.${v.note ? ` Note: ${v.note}` : ""}`);
  md.push("");
  const mem = launch.memory;
  if (mem) {
    md.push("### Memory of a supervised instance", "");
    md.push(
      "| instance | supervisor VmRSS | supervisor Pss | init VmRSS | init Pss | Node in the instance |",
    );
    md.push("| --- | ---: | ---: | ---: | ---: | --- |");
    for (const [k, label] of [
      ["runCold", "secure-run run, cold cache"],
      ["runWarm", "secure-run run, warm cache"],
      ["bundle", "secure-run-launch --bundle"],
    ]) {
      const x = mem[k];
      if (!x) continue;
      md.push(
        x.ok
          ? `| ${label} | ${x.supervisor.rssKiB} KiB | ${x.supervisor.pssKiB ?? "—"} KiB | ${x.init?.rssKiB ?? "—"} KiB | ${x.init?.pssKiB ?? "—"} KiB | ${x.nodeProcesses.length ? x.nodeProcesses.map((n) => `${n.rssKiB} KiB RSS`).join(", ") : "none"} |`
          : `| ${label} | not available (${esc(x.reason)}) | | | | |`,
      );
    }
    md.push(
      "",
      "The supervisor is the launcher process outside the sandbox; init is its child, the pid namespace's init (the same executable, reaping and forwarding signals).",
      "",
    );
  }
  md.push("### Targets (issue 9)", "");
  md.push("| target | measured | limit | |");
  md.push("| --- | ---: | ---: | --- |");
  for (const t of launch.targets) {
    md.push(
      `| ${esc(t.text)} | ${t.measured ?? "—"} | ${t.limit ?? "—"} | **${t.status}**${t.note ? ` — ${esc(t.note)}` : ""} |`,
    );
    summary.push(["launch", t.text, t.measured ?? "—", t.status]);
  }
  md.push("");
}

md.push("## Policy evaluation", "");
if (policy) {
  md.push(
    `${fresh("policy") ? "" : `From an earlier run (${policy.date}). `}Loading the wasm: median ${f2(policy.wasmLoadMs.median)} ms (target < ${policy.targets.loadMs} ms).`,
    "",
  );
  md.push("| app | plan evaluation (median) | review evaluation (median) |");
  md.push("| --- | ---: | ---: |");
  for (const r of policy.evaluation)
    md.push(`| ${r.app} | ${f2(r.planMs, 3)} ms | ${f2(r.reviewMs, 3)} ms |`);
  md.push("");
  const worst = Math.max(...policy.evaluation.flatMap((r) => [r.planMs, r.reviewMs]));
  summary.push([
    "policy",
    `wasm load < ${policy.targets.loadMs} ms`,
    `${f2(policy.wasmLoadMs.median)} ms`,
    policy.wasmLoadMs.median < policy.targets.loadMs ? "PASS" : "MISS",
  ]);
  summary.push([
    "policy",
    `plan and review evaluation < ${policy.targets.evalMs} ms (slowest example)`,
    `${f2(worst, 3)} ms`,
    worst < policy.targets.evalMs ? "PASS" : "MISS",
  ]);
} else md.push("No results.", "");

md.push("## Seccomp: compiling, and the cost per syscall", "");
if (seccomp) {
  const s = seccomp.syscallCost;
  const pct = (x, base) => ((x - base) / base) * 100;
  const sign = (p) => `${p >= 0 ? "+" : ""}${p.toFixed(1)}%`;
  md.push(
    `${fresh("seccomp") ? "" : `From an earlier run (${seccomp.date}). `}Compiling Docker's default profile (${seccomp.compile.rules} rules): x86_64 ${f2(seccomp.compile.x86_64Ms)} ms, x86_64 + aarch64 ${f2(seccomp.compile.x86_64AndAarch64Ms)} ms (target < ${seccomp.compile.targetMs} ms).`,
    "",
  );
  md.push("| filter | getpid | ioctl(-1, TCGETS) |");
  md.push("| --- | ---: | ---: |");
  md.push(`| none | ${f2(s.none.getpidNs, 1)} ns | ${f2(s.none.ioctlNs, 1)} ns |`);
  for (const [k, label] of [
    ["dockerDefault", "Docker's default"],
    ["helloPlan", "hello's plan (ioctl argument-checked)"],
  ])
    md.push(
      `| ${label} | ${f2(s[k].getpidNs, 1)} ns (${sign(pct(s[k].getpidNs, s.none.getpidNs))}) | ${f2(s[k].ioctlNs, 1)} ns (${sign(pct(s[k].ioctlNs, s.none.ioctlNs))}) |`,
    );
  md.push("");
  summary.push([
    "seccomp",
    `compile Docker's default profile for x86_64 < ${seccomp.compile.targetMs} ms`,
    `${f2(seccomp.compile.x86_64Ms)} ms`,
    seccomp.compile.x86_64Ms < seccomp.compile.targetMs ? "PASS" : "MISS",
  ]);
  const g = pct(s.dockerDefault.getpidNs, s.none.getpidNs);
  summary.push([
    "seccomp",
    `getpid under Docker's default filter ≤ ${s.targets.getpid}`,
    sign(g),
    g <= Number.parseFloat(s.targets.getpid) ? "PASS" : "MISS",
  ]);
  const a = pct(s.helloPlan.ioctlNs, s.none.ioctlNs);
  summary.push([
    "seccomp",
    `an argument-checked syscall (ioctl under hello's plan) ≤ ${s.targets.argumentChecked}`,
    sign(a),
    a <= Number.parseFloat(s.targets.argumentChecked) ? "PASS" : "MISS",
  ]);
} else md.push("No results.", "");

md.push("## Detached instances: secure-run and podman (issue 17)", "");
if (instances) {
  const i = instances;
  const pm = i.podman;
  const la = i.machine;
  md.push(
    `${fresh("instances") ? "" : `From an earlier run (${i.date})${ran.instances?.skipped ? `; skipped this time: ${ran.instances.skipped}` : ""}. `}` +
      `benchmarks/instances.mjs: each command timed from spawn to exit, medians of ${i.rounds} rounds (the two tools take turns), ${i.instances} instances of each running for ps and stats. ` +
      `The app: ${i.app}. Load average (1, 5, 15 min) ${la.loadAverageAtStart.join(", ")} at the start, ${la.loadAverageAtEnd.join(", ")} at the end.`,
    "",
  );
  md.push("| | secure-run ms | podman ms |");
  md.push("| --- | ---: | ---: |");
  for (const r of i.rows)
    md.push(`| ${esc(r.text)} | ${r.secureRun ?? "—"} | ${r.podman ?? "—"} |`);
  md.push("");
  if (pm.available) {
    md.push(
      `podman: ${pm.version}, ${pm.runc}, storage ${pm.storageDriver}, cgroups ${pm.cgroupVersion}; global options \`${pm.globalOptions}\`; run options \`${pm.runOptions}\`; image: ${pm.image}. Not matched: ${pm.notMatched}.${pm.failed ? ` **podman failed** (${esc(pm.failed)}): its later rows are empty.` : ""}`,
      "",
    );
  } else md.push(`podman: not compared (${esc(pm.reason)}).`, "");
  md.push("### Targets (issue 17)", "");
  md.push("| target | measured | limit | |");
  md.push("| --- | ---: | ---: | --- |");
  for (const t of i.targets) {
    md.push(`| ${esc(t.text)} | ${t.measured ?? "—"} | ${t.limit ?? "—"} | **${t.status}** |`);
    summary.push(["instances", t.text, t.measured ?? "—", t.status]);
  }
  md.push("");
} else md.push(`Not measured (${ran.instances?.skipped ?? "no results"}).`, "");

md.push(...imagesSection(images, { fresh: fresh("images"), skipped: ran.images?.skipped }));
md.push("## Private networks: secure-run and podman (issue 18)", "");
const network = load("network");
if (network) {
  const n = network;
  const la = n.machine;
  md.push(
    `${fresh("network") ? "" : `From an earlier run (${n.date ?? "?"}). `}benchmarks/network.mjs: \`exec -- /bin/true\` with \`--net private\` (${n.backend}) against \`--net none\`, and podman's \`run --rm --network bridge -p\` against its \`--network none\` (${esc(n.podman)}), medians of ${n.flags.runs} runs taking turns; busybox httpd's request rate through the published port against the host's network, ${esc(n.loadTool)} with ${n.flags.requests} requests, ${n.flags.concurrency} at a time, each a new connection (the median of the rounds, the two servers running at once and the loads taking turns). Load average ${la.loadAverageAtStart.join(", ")} at the start, ${la.loadAverageAtEnd.join(", ")} at the end.`,
    "",
    "| | ms |",
    "| --- | ---: |",
    ...Object.entries(n.launchMs).map(([k, v]) => `| launch, ${k} | ${f2(v, 1)} |`),
    ...Object.entries(n.networkCostMs).map(
      ([k, v]) => `| the network's cost, ${k.replace(/Ms$/, "")} | ${f2(v, 0)} |`,
    ),
    "",
    `Requests per second: host ${f2(n.requestsPerSecond.host, 0)}, private ${f2(n.requestsPerSecond.private, 0)} (${f2(n.privateOfHost * 100, 0)}% of the host's).`,
    "",
  );
  summary.push([
    "network",
    "request rate through a published port ≥ 90% of the host network's (root)",
    `${f2(n.privateOfHost * 100, 0)}%`,
    n.backend !== "cni" ? "—" : n.privateOfHost >= 0.9 ? "PASS" : "MISS",
  ]);
} else md.push(`Not measured (${ran.network?.skipped ?? "no results"}).`, "");

md.push("## The command line's own speed (issue 20)", "");
if (cliSpeed) {
  const c = cliSpeed;
  md.push(
    `${fresh("cli") ? "" : `From an earlier run (${c.date}). `}benchmarks/cli.mjs: each command timed from spawn to exit, medians of ${c.rounds} rounds, the commands taking turns. Load average ${c.machine.loadAverageAtStart.join(", ")} at the start, ${c.machine.loadAverageAtEnd.join(", ")} at the end.`,
    "",
  );
  md.push("| command | median ms |");
  md.push("| --- | ---: |");
  for (const r of c.rows) md.push(`| ${esc(r.text)} | ${r.medianMs} |`);
  md.push("", "| target | measured | limit | |", "| --- | ---: | ---: | --- |");
  for (const t of c.targets) {
    md.push(`| ${esc(t.text)} | ${t.measured} | ${t.limit} | **${t.status}** |`);
    summary.push(["cli", t.text, t.measured, t.status]);
  }
  md.push("");
} else md.push(`Not measured (${ran.cli?.skipped ?? "no results"}).`, "");

md.push("## Real apps: allowlists and tracing", "");
if (apps) {
  if (!fresh("apps"))
    md.push(
      `From an earlier run (${apps.date})${ran.apps?.skipped ? `; skipped this time: ${ran.apps.skipped}` : ""}.`,
      "",
    );
  md.push("| app | syscalls allowed (x86_64) | of Docker's default | tracing takes |");
  md.push("| --- | ---: | ---: | ---: |");
  for (const r of apps.apps)
    md.push(
      `| ${r.app} | ${r.allowedX86} | ${(r.ratio * 100).toFixed(0)}% of ${r.dockerX86} | ${f2(r.traceMs / 1000)} s |`,
    );
  const o = apps.traceOverhead;
  if (o)
    md.push(
      "",
      `Tracing's cost to the app: ${o.dd.syscalls} syscalls ${f2(o.dd.runMs, 0)} ms under run, ${f2(o.dd.traceMs, 0)} ms under trace (${f2(o.dd.perSyscallUs, 1)} µs per syscall); HTTP ${f2(o.http.runUsPerRequest, 0)} µs per request under run, ${f2(o.http.traceUsPerRequest, 0)} µs under trace.`,
    );
  md.push("");
} else md.push(`Not measured (${ran.apps?.skipped ?? "no results"}).`, "");

const sumLines = [
  "## Summary",
  "",
  "| benchmark | target | measured | |",
  "| --- | --- | ---: | --- |",
  ...summary.map(([b, t, v, s]) => `| ${b} | ${esc(t)} | ${v} | **${s}** |`),
  "",
  `Benchmarks run: ${Object.entries(ran)
    .map(([k, v]) =>
      v.skipped
        ? `${k} skipped (${v.skipped})`
        : `${k} ${v.status === 0 ? "ok" : `failed (exit ${v.status})`} in ${v.seconds} s`,
    )
    .join("; ")}; ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
  "",
];
// The summary comes first, after the title and the line that says how it was made.
md.splice(4, 0, ...sumLines);
writeFileSync(join(results, "README.md"), `${md.join("\n").trimEnd()}\n`);

console.log("");
for (const [b, t, v, s] of summary) console.log(`${s.padEnd(4)} ${b.padEnd(8)} ${t}: ${v}`);
say(
  `wrote ${relative(root, join(results, "README.md"))} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`,
);
process.exit(Object.values(ran).some((v) => !v.skipped && v.status !== 0) ? 1 : 0);

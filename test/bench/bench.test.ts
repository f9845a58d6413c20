/** The launch benchmark (benchmarks/launch.mjs) in its quick mode: it runs, writes a result file
 * of the documented shape, every variant it could run produced sane positive figures (no timing
 * is asserted: the machine may be busy), the targets are judged, the memory of a supervised
 * instance is read, and nothing is left behind (containers, cgroups, the temporary directory). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cgroupHierarchies } from "../../src/host/cgroups.js";
import { isRoot, root, tempDir } from "../helpers.js";

interface Variant {
  id: string;
  label: string;
  command: string;
  includes: string;
  available: boolean;
  reason?: string;
  rounds?: number;
  runs?: number;
  failures?: number;
  medianMs?: number;
  p10Ms?: number;
  p90Ms?: number;
  minMs?: number;
  meanMs?: number;
  cpuMedianMs?: number;
  vsCrunSeccomp?: number | null;
  vsUnshare?: number | null;
}
interface Mem {
  rssKiB: number;
  pssKiB: number | null;
}
interface Instance {
  ok: boolean;
  reason?: string;
  supervisor?: Mem;
  init?: Mem | null;
  nodeProcesses?: Mem[];
}
interface Result {
  date: string;
  machine: { cpu: string; cores: number; kernel: string; loadAverageAtStart: number[] };
  tools: Record<string, string | null>;
  config: { quick: boolean; warmup: number; rounds: number };
  variants: Variant[];
  memory: { runCold: Instance; runWarm: Instance; bundle: Instance } | null;
  targets: { id: string; text: string; status: string; measured: number | null }[];
  leftovers: string[];
}

const ROUNDS = 3;
const IDS = [
  "bare",
  "unshare",
  "bwrap-seccomp",
  "bwrap",
  "firejail",
  "crun-seccomp",
  "crun-none",
  "crun-docker",
  "runc-seccomp",
  "runc-none",
  "launcher-args",
  "launcher-bundle",
  // issue 16: rootless, side by side (podman-rootless says why when it cannot run)
  "launcher-bundle-rootless",
  "bwrap-plan-seccomp-rootless",
  "podman-rootless",
  "run-warm",
  "run-cold",
  "node",
];

describe("benchmarks/launch.mjs --quick", () => {
  const tmp = tempDir("bench");
  after(() => {
    tmp.remove();
  });
  const out = join(tmp.dir, "launch.json");
  let result: Result | undefined;
  let tag = "";
  const get = (): Result => {
    if (!result) {
      const r = spawnSync(
        process.execPath,
        [
          join(root, "benchmarks/launch.mjs"),
          "--quick",
          "--rounds",
          String(ROUNDS),
          "--warmup",
          "1",
          "--out",
          out,
        ],
        { encoding: "utf8", timeout: 170_000 },
      );
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /wrote /);
      tag = `srbench-${r.pid}`;
      result = JSON.parse(readFileSync(out, "utf8")) as Result;
    }
    return result;
  };

  test("runs and writes the machine, the tools and the configuration", { timeout: 180_000 }, () => {
    const r = get();
    assert.ok(!Number.isNaN(Date.parse(r.date)));
    assert.ok(r.machine.cores > 0 && r.machine.kernel.length > 0);
    assert.equal(r.machine.loadAverageAtStart.length, 3);
    assert.equal(r.tools.node, process.version);
    assert.deepEqual(
      { quick: r.config.quick, rounds: r.config.rounds, warmup: r.config.warmup },
      { quick: true, rounds: ROUNDS, warmup: 1 },
    );
  });

  test("every variant is there; those that ran have sane positive figures", () => {
    const r = get();
    assert.deepEqual(
      r.variants.map((v) => v.id),
      IDS,
    );
    for (const v of r.variants) {
      assert.ok(v.label && v.includes, v.id);
      assert.ok(!v.command.includes(root), `${v.id}: the command names the checkout's path`);
      if (!v.available) {
        assert.ok(v.reason && v.reason.length > 0, `${v.id}: an unavailable row says why`);
        continue;
      }
      const n = (x: number | undefined): number => {
        assert.ok(typeof x === "number" && Number.isFinite(x), `${v.id}: ${String(x)}`);
        return x;
      };
      assert.ok(n(v.runs) >= 1 && n(v.rounds) <= ROUNDS, v.id);
      assert.equal(n(v.runs) + n(v.failures), v.rounds, `${v.id}: every timed launch is counted`);
      assert.ok(n(v.minMs) > 0, v.id);
      assert.ok(n(v.minMs) <= n(v.p10Ms) && n(v.p10Ms) <= n(v.medianMs), v.id);
      assert.ok(n(v.medianMs) <= n(v.p90Ms), v.id);
      assert.ok(n(v.meanMs) > 0 && n(v.cpuMedianMs) >= 0, v.id);
      if (v.vsUnshare !== null && v.vsUnshare !== undefined) assert.ok(v.vsUnshare > 0);
      if (v.vsCrunSeccomp !== null && v.vsCrunSeccomp !== undefined) assert.ok(v.vsCrunSeccomp > 0);
    }
    const available = new Set(r.variants.filter((v) => v.available).map((v) => v.id));
    for (const id of ["bare", "node"]) assert.ok(available.has(id), `${id} always runs`);
    if (isRoot) assert.ok(available.has("run-cold"), "secure-run run runs as root");
    // Root's benchmark makes the test user: the rootless launcher row runs (issue 16).
    if (isRoot) assert.ok(available.has("launcher-bundle-rootless"), "the rootless bundle runs");
  });

  test("the targets of issues 9 and 16 are judged, PASS or MISS", () => {
    const r = get();
    assert.deepEqual(
      r.targets.map((t) => t.id),
      [
        "bundle-vs-crun",
        "bundle-vs-bwrap",
        "rootless-bundle-vs-bwrap",
        "warm-run",
        "supervisor-rss",
        "no-node-resident",
      ],
    );
    for (const t of r.targets) assert.ok(["PASS", "MISS"].includes(t.status), t.id);
  });

  test("the memory of a supervised instance is read", { skip: !isRoot && "needs root" }, () => {
    const mem = get().memory;
    assert.ok(mem);
    assert.ok(mem.runCold.ok, mem.runCold.reason);
    for (const inst of [mem.runCold, mem.runWarm, mem.bundle]) {
      if (!inst.ok) {
        assert.ok(inst.reason, "an instance not measured says why");
        continue;
      }
      assert.ok((inst.supervisor?.rssKiB ?? 0) > 0);
      assert.ok((inst.supervisor?.pssKiB ?? 1) > 0);
      assert.ok(Array.isArray(inst.nodeProcesses));
    }
    // Launched from a bundle, no Node process is part of the instance.
    if (mem.bundle.ok) assert.deepEqual(mem.bundle.nodeProcesses, []);
  });

  test("nothing is left behind", () => {
    const r = get();
    assert.deepEqual(
      r.leftovers.filter((l) => l.includes("could not")),
      [],
    );
    for (const rt of ["runc", "crun"]) {
      const listed = spawnSync(rt, ["list", "-q"], { encoding: "utf8" });
      if (listed.status !== 0) continue;
      assert.deepEqual(
        listed.stdout.split("\n").filter((l) => l.startsWith(tag)),
        [],
        `${rt} containers`,
      );
    }
    const cgroups = cgroupHierarchies().flatMap((h) =>
      existsSync(h.ownDir) ? readdirSync(h.ownDir).filter((e) => e.includes(tag)) : [],
    );
    assert.deepEqual(cgroups, []);
    assert.deepEqual(
      readdirSync(tmpdir()).filter((e) => e.startsWith(`secure-run-bench-${tag}-`)),
      [],
      "the temporary directory",
    );
  });
});

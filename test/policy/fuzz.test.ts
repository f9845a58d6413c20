/** 1,000 generated and mutated app files: each gives a valid plan or a clean input error —
 * never a crash, a stack trace or a plan that fails the schema. */
import assert from "node:assert/strict";
import { test } from "node:test";
import yaml from "js-yaml";
import { parseApp } from "../../src/appspec/load.js";
import { InputError } from "../../src/errors.js";
import { makePlan } from "../../src/plan/make.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { loadNative } from "../../src/native/seccomp.js";
import { cli, tempDir } from "../helpers.js";
import { debianHost } from "../fixtures/hosts.js";

/** mulberry32: the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = {
  apiVersion: "secure-run/v1",
  kind: "App",
  name: "fuzz",
  command: ["/bin/sh", "-c", "echo hi"],
  env: { A: "1", DEBUG: true },
  workdir: "/",
  user: "nobody",
  hostname: "fuzz-host",
  mounts: [
    { source: "/usr/share", target: "/srv/share" },
    { tmpfs: "/cache", size: "8Mi" },
  ],
  network: { mode: "none", listen: [8080, "53/udp"], connect: [{ port: 443, protocol: "tcp" }] },
  resources: { memory: "64Mi", swap: 0, cpu: "500m", pids: 32 },
  capabilities: ["NET_BIND_SERVICE", "CHOWN"],
  syscalls: { profiles: ["process"], hints: ["threads"], allow: ["getpid"], deny: ["uname"] },
  restart: { policy: "on-failure", maxRetries: 2 },
  instances: 2,
  "x-owner": "team",
};

const strange: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  1e308,
  "",
  " ",
  "..",
  "/",
  "/../etc",
  "a".repeat(300),
  "ünïcødé",
  "8080/sctp",
  "NaN",
  "0x10",
  [],
  [null],
  {},
  { a: { b: { c: [] } } },
  "CAP_SYS_ADMIN",
  "SYS_ADMIN",
  "on-failure",
  "host",
  "tcp",
  "1Gi",
  "-5Mi",
  70000,
  "python",
  "clone3",
  "mount",
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function mutate(doc: Json, r: () => number): Json {
  const copy = structuredClone(doc);
  const all = paths(copy).filter((p) => p.length > 0);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const p = all[Math.floor(r() * all.length)];
    if (!p) continue;
    let parent: Json = copy;
    for (const seg of p.slice(0, -1)) {
      if (parent === null || typeof parent !== "object") break;
      parent = (parent as Record<string | number, Json>)[seg] ?? null;
    }
    if (parent === null || typeof parent !== "object") continue;
    const key = p[p.length - 1] as string | number;
    const choice = r();
    const container = parent as Record<string | number, Json>;
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a random field is the point
    if (choice < 0.25) delete container[key];
    else if (choice < 0.75) container[key] = strange[Math.floor(r() * strange.length)] as Json;
    else if (choice < 0.9 && !Array.isArray(parent))
      container[`${String(key)}x`] = container[key] ?? null;
    else container[key] = structuredClone(seed as unknown as Json);
  }
  return copy;
}

function corruptText(text: string, r: () => number): string {
  const chars = [":", "-", " ", "\n", "[", "{", "}", "'", '"', "\t", "#", "&", "*", "!", "|"];
  let t = text;
  for (let i = 0; i < 3; i++) {
    const at = Math.floor(r() * t.length);
    t =
      r() < 0.5
        ? t.slice(0, at) + (chars[Math.floor(r() * chars.length)] ?? "") + t.slice(at)
        : t.slice(0, at) + t.slice(at + 1);
  }
  return t;
}

const accounts = {
  passwd: "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  group: "nogroup:x:65534:\n",
};
const native = loadNative({ optional: true });

function check(text: string, label: string): "plan" | "input-error" {
  try {
    const loaded = parseApp(text, "fuzz.yaml");
    const { plan } = makePlan(loaded, { host: debianHost, accounts });
    if (native) compileFilters(plan.seccomp, native);
    return "plan";
  } catch (e) {
    if (!(e instanceof InputError)) {
      assert.fail(
        `${label}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n--- input ---\n${text}`,
      );
    }
    assert.ok(e.issues.length > 0, label);
    for (const i of e.issues) {
      assert.ok(
        i.line !== undefined && i.line >= 1 && (i.column ?? 0) >= 1,
        `${label}: issue without position: ${i.message}`,
      );
      assert.ok(
        i.message.length > 0 && !/\bat .*\.js:\d+/.test(i.message),
        `${label}: ${i.message}`,
      );
    }
    return "input-error";
  }
}

test("1,000 mutated app definitions: a valid plan or a located input error, nothing else", (t) => {
  const r = rng(20261128);
  const tally = { plan: 0, "input-error": 0 };
  tally[check(yaml.dump(seed), "seed")]++;
  for (let i = 0; i < 1000; i++) {
    const doc = mutate(seed as unknown as Json, r);
    const text = i % 4 === 3 ? corruptText(yaml.dump(doc), r) : yaml.dump(doc);
    tally[check(text, `case ${i}`)]++;
  }
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  // Both outcomes must occur, or the generator is not exploring.
  assert.ok(tally.plan > 50 && tally["input-error"] > 300, JSON.stringify(tally));
});

test("through the CLI: bad input exits 2 without a stack trace", () => {
  const r = rng(7);
  const tmp = tempDir("fuzz");
  try {
    for (let i = 0; i < 15; i++) {
      const file = tmp.write(
        `case${i}.yaml`,
        corruptText(yaml.dump(mutate(seed as unknown as Json, r)), r),
      );
      const res = cli(["plan", file]);
      assert.ok(
        res.status === 0 || res.status === 2,
        `case ${i}: exit ${String(res.status)}\n${res.stderr}`,
      );
      assert.doesNotMatch(res.stderr, /^\s+at /m, `case ${i}: a stack trace`);
    }
  } finally {
    tmp.remove();
  }
});

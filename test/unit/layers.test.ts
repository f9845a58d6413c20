/** The layers of the library, low to high along the data flow (AppSpec → Plan → Bundle →
 * launcher): a module imports only from its own layer or lower ones, so that a change in one
 * folder cannot reach below it. Folders of one rank may import each other only where LATERAL
 * says so (and why). `node scripts/import-graph.mjs` prints today's folder graph. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { packageRoot } from "../../src/paths.cjs";

const RANKS: readonly (readonly string[])[] = [
  // core: errors and the package's own paths (files directly in src/)
  ["src/(top)"],
  // reading user documents: YAML with positions, JSON Schema validation, did-you-mean, units
  ["src/documents"],
  // loading the native layer (the seccomp addon, the exec addon, the launcher binary)
  ["src/native"],
  // seccomp: syscall names and tables, the supported architectures, BPF; pure data and code
  ["src/seccomp"],
  // host facts name the architecture as seccomp does (seccomp/arches.ts)
  ["src/host"],
  ["src/appspec", "src/config", "src/profiles", "src/policy"],
  // the image store: read by the plan (an image app's root and config), loading through appspec
  ["src/images"],
  ["src/plan"],
  ["src/bundle"],
  // private networks: their documents, CNI, pasta, nftables (run by launches and instances)
  ["src/network"],
  ["src/launch", "src/instances", "src/audit", "src/review", "src/export", "src/trace"],
  // a change's difference: two plans, their audits and reviews
  ["src/diff"],
  ["src/index.ts"],
  ["cli"],
];

/** Edges between folders of one rank, each with its reason. */
const LATERAL: Readonly<Record<string, string>> = {
  "src/trace -> src/launch": "trace runs the app through the launcher, recording its syscalls",
  "src/export -> src/review":
    "the Gatekeeper export carries the review rules: their ids, levels and titles",
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(c|m)?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

function folder(path: string): string {
  const r = relative(packageRoot, path).split("/");
  if (r[0] === "cli") return "cli";
  if (r.length > 2) return `src/${r[1] ?? ""}`;
  return r[1]?.startsWith("index.") ? "src/index.ts" : "src/(top)";
}

function rank(f: string): number {
  const i = RANKS.findIndex((r) => r.includes(f));
  if (i < 0) throw new Error(`${f} has no layer: add it to RANKS in test/unit/layers.test.ts`);
  return i;
}

/** Every import between folders: file, the folder it is in, the folder it imports from. */
function folderImports(root: string): { file: string; from: string; to: string; spec: string }[] {
  const out = [];
  for (const file of [...sources(join(root, "src")), ...sources(join(root, "cli"))]) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\(|require\()\s*["'](\.[^"']+)["']/g)) {
      const spec = m[1] ?? "";
      const from = folder(file);
      const to = folder(resolve(dirname(file), spec));
      if (from !== to) out.push({ file: relative(root, file), from, to, spec });
    }
  }
  return out;
}

/** What is against the layers, as "file -> folder (import)". */
function violations(root: string): string[] {
  const out = new Set<string>();
  for (const i of folderImports(root)) {
    const a = rank(i.from);
    const b = rank(i.to);
    const lateral = a === b && !(`${i.from} -> ${i.to}` in LATERAL);
    if (b <= a && !lateral) continue;
    out.add(`${i.file} -> ${i.to} (${i.spec})`);
  }
  return [...out].sort();
}

test("every import goes to the same layer or a lower one", () => {
  assert.deepEqual(violations(packageRoot), []);
});

test("every folder of src/ has a layer", () => {
  for (const i of folderImports(packageRoot)) {
    rank(i.from);
    rank(i.to);
  }
});

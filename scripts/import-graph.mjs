// Prints which folder of src/ (and cli/) imports which, with counts: `node scripts/import-graph.mjs
// [ROOT]`. The files directly in src/ are shown as src/(top), except src/index.ts (the library's
// public surface, above every folder it re-exports). test/unit/layers.test.ts checks these edges
// against the layers' ranks.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const files = [];
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(c|m)?ts$/.test(e.name) && !e.name.endsWith(".d.ts")) files.push(p);
  }
}
walk(join(root, "src"));
walk(join(root, "cli"));

function folder(p) {
  const r = relative(root, p).split("/");
  if (r[0] === "cli") return "cli";
  if (r.length > 2) return `src/${r[1]}`;
  return r[1]?.startsWith("index.") ? "src/index.ts" : "src/(top)";
}

const edges = new Map();
for (const f of files) {
  const text = readFileSync(f, "utf8");
  for (const m of text.matchAll(/(?:from\s+|import\(|require\()\s*["'](\.[^"']+)["']/g)) {
    const a = folder(f);
    const b = folder(resolve(dirname(f), m[1] ?? ""));
    if (a === b) continue;
    const k = `${a} -> ${b}`;
    edges.set(k, (edges.get(k) ?? 0) + 1);
  }
}
for (const k of [...edges.keys()].sort()) console.log(`${k} (${edges.get(k)})`);

/** The catalogue of the plan's rules (policies/build/plan-rules.json, built by `npm run
 * build:policy` from each plan package's METADATA custom.rules): every rule id the plan's Rego
 * names in a reason is catalogued beside the Rego that uses it, every catalogued id is used, and
 * every rule reason of the golden plans is catalogued. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

interface PlanRule {
  id: string;
  decides: string;
  reads: string;
  source: string;
}

const catalogue = JSON.parse(
  readFileSync(join(root, "policies/build/plan-rules.json"), "utf8"),
) as PlanRule[];

const sources = readdirSync(join(root, "policies/plan"))
  .filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"))
  .map((f) => `policies/plan/${f}`)
  .sort();

/** The rule ids a Rego source names in reasons: literal ids, and sprintf patterns as regexps. */
function usedIds(rego: string): { ids: string[]; patterns: RegExp[] } {
  const ids = [...rego.matchAll(/lib\.rule(?:_why)?\("([^"]+)"/g)].map((m) => m[1] ?? "");
  const patterns = [...rego.matchAll(/lib\.rule(?:_why)?\(sprintf\("([^"]+)"/g)].map(
    (m) =>
      new RegExp(
        `^${(m[1] ?? "")
          .split(/%[sdv]/)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join("[a-z0-9-]+")}$`,
      ),
  );
  return { ids: [...new Set(ids)].sort(), patterns };
}

/** The ids a plan source's METADATA lists (custom.rules[].id). */
function listedIds(rego: string): string[] {
  const meta = /^# METADATA\n(?:#.*\n)*/.exec(rego)?.[0] ?? "";
  return [...meta.matchAll(/^# {5}- id: (\S+)$/gm)].map((m) => m[1] ?? "").sort();
}

test("the plan's rule catalogue: one entry per id, each saying what it decides and reads", () => {
  assert.ok(catalogue.length >= 25, `only ${catalogue.length} plan rules`);
  assert.equal(new Set(catalogue.map((r) => r.id)).size, catalogue.length, "an id twice");
  for (const r of catalogue) {
    assert.match(r.id, /^[a-z]+\.[a-z0-9-]+$/, r.id);
    assert.ok(r.decides.length > 10 && r.reads.length > 5, `${r.id}: decides and reads`);
    assert.ok(sources.includes(r.source), `${r.id}: source ${r.source}`);
  }
});

test("every rule id the plan's Rego uses is catalogued beside it, and every entry is used", () => {
  const problems: string[] = [];
  for (const file of sources) {
    const rego = readFileSync(join(root, file), "utf8");
    const { ids, patterns } = usedIds(rego);
    const own = catalogue.filter((r) => r.source === file).map((r) => r.id);
    for (const id of ids)
      if (!own.includes(id)) problems.push(`${file}: ${id} is used but not catalogued`);
    for (const p of patterns)
      if (!own.some((id) => p.test(id)))
        problems.push(`${file}: no catalogued id matches ${String(p)}`);
    for (const id of own)
      if (!ids.includes(id) && !patterns.some((p) => p.test(id)))
        problems.push(`${file}: ${id} is catalogued but not used`);
    // The built catalogue is the one the METADATA lists (rebuild after changing it).
    assert.deepEqual([...own].sort(), listedIds(rego), `${file}: run npm run build:policy`);
  }
  assert.deepEqual(problems, []);
});

test("the id extraction sees literal ids and sprintf patterns", () => {
  const { ids, patterns } = usedIds(
    'a := lib.rule("x.one")\nb := lib.rule_why("x.two", "why")\n' +
      'c := lib.rule(sprintf("x.default-%s", [f]))\n',
  );
  assert.deepEqual(ids, ["x.one", "x.two"]);
  assert.deepEqual(
    patterns.map((p) => ["x.default-memory", "x.defaultmemory"].filter((s) => p.test(s))),
    [["x.default-memory"]],
  );
});

test("every rule reason in the golden plans names a catalogued id", () => {
  const known = new Set(catalogue.map((r) => r.id));
  const seen = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.kind === "rule" && typeof o.ref === "string") seen.add(o.ref);
      Object.values(o).forEach(walk);
    }
  };
  const dir = join(root, "test/policy/expected");
  for (const f of readdirSync(dir)) walk(JSON.parse(readFileSync(join(dir, f), "utf8")));
  assert.ok(seen.size >= 20, `only ${seen.size} rule ids in the golden plans`);
  assert.deepEqual(
    [...seen].filter((id) => !known.has(id)),
    [],
  );
});

/** The documentation: docs/cli.md is what the option table and the commands' help make of it
 * today, and every relative link in README.md and docs/ leads somewhere. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { cliReference } from "../../cli/reference.js";
import { root } from "../helpers.js";

test("docs/cli.md is up to date with the option table (else: npm run docs)", () => {
  assert.equal(readFileSync(join(root, "docs/cli.md"), "utf8"), cliReference());
});

const documents = [
  join(root, "README.md"),
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(root, "docs", f)),
];

/** GitHub's anchors: the heading in lower case, punctuation dropped, spaces as hyphens; a
 * repeated heading gets -1, -2, … */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = (m[1] ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test("every relative link in README.md and docs/*.md leads to a file, and to its heading", () => {
  const broken: string[] = [];
  for (const doc of documents) {
    const text = readFileSync(doc, "utf8").replace(/```[\s\S]*?```/g, "");
    for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [path = "", hash] = target.split("#");
      const file = path === "" ? doc : join(dirname(doc), path);
      const where = `${relative(root, doc)}: ${target}`;
      if (!existsSync(file)) broken.push(`${where} (no such file)`);
      else if (hash !== undefined && !anchors(readFileSync(file, "utf8")).has(hash))
        broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(documents.length >= 10, "README.md and the docs/ documents are all read");
});

test("the README is a front page: at most 200 lines, with the set-up commands", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(readme.split("\n").length <= 200, `${readme.split("\n").length} lines`);
  assert.match(readme, /^scripts\/demo\.sh {7}# installs what is missing/m);
  assert.match(readme, /^scripts\/test-all\.sh {3}# the same set-up, then the whole test suite/m);
});

/** The audit's copies of the policy's lists are the policy's lists. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DANGEROUS_CAPABILITIES, DANGEROUS_SYSCALLS } from "../../src/policy/dangerous.js";
import { root } from "../helpers.js";

/** The strings of `name := { … }` (or `[ … ]`) in a Rego file. */
function regoList(text: string, name: string): string[] {
  const m = new RegExp(`^${name}\\s*:=\\s*[{[]([^}\\]]*)[}\\]]`, "m").exec(text);
  if (!m?.[1]) throw new Error(`no ${name} in the Rego text`);
  const body = m[1].replace(/#.*$/gm, "");
  return [...body.matchAll(/"([^"]*)"/g)].map((x) => x[1] ?? "");
}

const rego = readFileSync(join(root, "policies/lib/lib.rego"), "utf8");

test("DANGEROUS_SYSCALLS is lib.rego's dangerous_syscalls", () => {
  const fromRego = regoList(rego, "dangerous_syscalls");
  assert.ok(fromRego.length > 40, `parsed only ${fromRego.length} names`);
  assert.deepEqual([...DANGEROUS_SYSCALLS].sort(), [...new Set(fromRego)].sort());
});

test("DANGEROUS_CAPABILITIES is lib.rego's dangerous_capabilities", () => {
  const fromRego = regoList(rego, "dangerous_capabilities");
  assert.ok(fromRego.length > 15, `parsed only ${fromRego.length} names`);
  assert.deepEqual([...DANGEROUS_CAPABILITIES].sort(), [...new Set(fromRego)].sort());
});

test("the comparison fails when the lists differ", () => {
  const edited = rego.replace('"acct", ', "");
  assert.notEqual(edited, rego);
  assert.notDeepEqual(
    [...DANGEROUS_SYSCALLS].sort(),
    [...new Set(regoList(edited, "dangerous_syscalls"))].sort(),
  );
  assert.throws(() => regoList("package x\n", "dangerous_syscalls"), /no dangerous_syscalls/);
});

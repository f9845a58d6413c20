/** The Rego policies: formatted, strictly checked, and their own unit tests pass. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, test } from "node:test";
import { root } from "../helpers.js";

let opa = "";
before(() => {
  // The pinned opa, installed into the user's cache on first use (scripts/install-opa.sh).
  opa = execFileSync(join(root, "scripts/install-opa.sh"), { encoding: "utf8" }).trim();
});

function run(args: string[]): string {
  const r = spawnSync(opa, args, { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `opa ${args.join(" ")}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

test("opa fmt: policies are formatted", () => {
  assert.equal(run(["fmt", "--list", "policies"]), "");
});

test("opa check --strict", () => {
  run(["check", "--strict", "policies"]);
});

test("opa check --v0-compatible policies/gatekeeper: gator 3.18 (OPA 0.68) parses Rego v0", () => {
  run(["check", "--strict", "--v0-compatible", "policies/gatekeeper"]);
});

test("opa test: every policy test passes", () => {
  const out = run([
    "test",
    "policies/lib",
    "policies/plan",
    "policies/review",
    "policies/gatekeeper",
    "--format",
    "json",
  ]);
  const results = JSON.parse(out) as { name: string; fail?: boolean; error?: unknown }[];
  assert.ok(results.length >= 70, `only ${results.length} policy tests`);
  assert.deepEqual(
    results.filter((r) => r.fail || r.error).map((r) => r.name),
    [],
  );
});

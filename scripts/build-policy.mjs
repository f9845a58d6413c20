// Builds policies/build/policy.wasm from the Rego sources with the pinned opa and writes the
// manifest of source hashes that the tests compare against.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { policySourceHashes, sha256 } = await import(join(root, "dist/src/policy/manifest.js"));
const opa = execFileSync(join(root, "scripts/install-opa.sh"), { encoding: "utf8" }).trim();
const entrypoints = ["secure_run/plan/result", "secure_run/review/decisions"];
const run = (args) => execFileSync(opa, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });

run(["fmt", "--fail", "--list", "policies"]);
run(["check", "--strict", "policies"]);
const tmp = mkdtempSync(join(tmpdir(), "secure-run-policy-"));
try {
  const bundle = join(tmp, "bundle.tar.gz");
  const sources = Object.keys(policySourceHashes(root));
  run(["build", "-t", "wasm", ...entrypoints.flatMap((e) => ["-e", e]), "-o", bundle, ...sources]);
  execFileSync("tar", ["-xzf", bundle, "-C", tmp, "/policy.wasm"], { stdio: "inherit" });
  const wasm = readFileSync(join(tmp, "policy.wasm"));
  writeFileSync(join(root, "policies/build/policy.wasm"), wasm);
  // The catalogue of review rules (id, level, title, description) from their METADATA, for
  // SARIF's rule list and the documentation.
  const inspected = JSON.parse(
    execFileSync(opa, ["inspect", "-a", "--format", "json", "policies/review"], {
      cwd: root,
      encoding: "utf8",
    }),
  );
  const rules = inspected.annotations
    .filter((a) => a.annotations.scope === "rule" && a.annotations.custom?.id)
    .map((a) => ({
      id: a.annotations.custom.id,
      level: a.annotations.custom.level,
      title: a.annotations.title,
      description: a.annotations.description.trim().replace(/\s+/g, " "),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  writeFileSync(join(root, "policies/build/rules.json"), `${JSON.stringify(rules, null, 2)}\n`);
  const version = /Version: (\S+)/.exec(execFileSync(opa, ["version"], { encoding: "utf8" }))?.[1];
  const manifest = {
    opaVersion: version,
    entrypoints,
    sources: policySourceHashes(root),
    wasmSha256: sha256(wasm),
  };
  writeFileSync(
    join(root, "policies/build/manifest.json"),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  console.log(
    `policies/build/policy.wasm: ${wasm.length} bytes from ${sources.length} sources (opa ${version})`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

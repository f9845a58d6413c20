/** The built policy records the hashes of its sources, so a stale wasm is detected. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../paths.cjs";

export interface PolicyManifest {
  opaVersion: string;
  entrypoints: string[];
  /** policies/… path → sha256 of every Rego source that goes into the wasm */
  sources: Record<string, string>;
  wasmSha256: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Hashes of the Rego sources (tests excluded) under policies/, by path relative to the root.
 * policies/gatekeeper is not in the wasm: it is Rego for Gatekeeper (policies/build/gatekeeper.json). */
export function policySourceHashes(root: string = packageRoot): Record<string, string> {
  const dir = join(root, "policies");
  const files = walk(dir)
    .filter(
      (f) =>
        f.endsWith(".rego") &&
        !f.endsWith("_test.rego") &&
        !f.includes(join(dir, "build")) &&
        !f.includes(join(dir, "gatekeeper")),
    )
    .sort();
  return Object.fromEntries(files.map((f) => [relative(root, f), sha256(readFileSync(f))]));
}

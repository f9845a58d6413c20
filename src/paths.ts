/** Where secure-run's own files are, relative to the installed package. */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The package root (this file is dist/src/paths.js once built). */
export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

export const paths = {
  schemas: join(packageRoot, "schemas"),
  profiles: join(packageRoot, "profiles"),
  policyWasm: join(packageRoot, "policies/build/policy.wasm"),
  policyManifest: join(packageRoot, "policies/build/manifest.json"),
  nativeBuild: join(packageRoot, "build/Release"),
  launcher: join(packageRoot, "build/Release/secure-run-launch"),
  addon: join(packageRoot, "build/Release/seccomp.node"),
};

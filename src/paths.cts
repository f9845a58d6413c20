/** Where secure-run's own files are, relative to the installed package. */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The package root (this file is dist/src/paths.cjs once built). CommonJS, as the warm path
 * of `secure-run run` is (cli/main.cts, src/bundle/warm.cts): Node starts a CommonJS entry point faster. */
export const packageRoot = join(__dirname, "../..");

export const paths = {
  schemas: join(packageRoot, "schemas"),
  profiles: join(packageRoot, "profiles"),
  policyWasm: join(packageRoot, "policies/build/policy.wasm"),
  policyManifest: join(packageRoot, "policies/build/manifest.json"),
  nativeBuild: join(packageRoot, "build/Release"),
  launcher: join(packageRoot, "build/Release/secure-run-launch"),
  addon: join(packageRoot, "build/Release/seccomp.node"),
  execAddon: join(packageRoot, "build/Release/exec.node"),
};

/** secure-run's cache directory: $XDG_CACHE_HOME/secure-run, else ~/.cache/secure-run. */
export function cacheHome(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".cache"), "secure-run");
}

let version: string | undefined;

/** The package's version (package.json). */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
  ).version;
  return version;
}

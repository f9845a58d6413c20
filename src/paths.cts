/** Where secure-run's own files are, relative to the installed package. */
import { lstatSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
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

/** Why `dir` cannot hold a user's runtime state, or undefined when it can: a directory (not a
 * link) that is `uid`'s and nobody else's (mode 0700 or tighter). */
export function unsafeRuntimeDir(dir: string, uid: number): string | undefined {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return `${dir} is not a directory (a symbolic link?)`;
  if (st.uid !== uid) return `${dir} is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if (st.mode & 0o077) return `${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Where secure-run keeps runtime state (the SELinux category registry, …): root's is
 * /run/secure-run; another user's is its own, $XDG_RUNTIME_DIR/secure-run when that directory
 * is the user's alone, else /tmp/secure-run-<uid>, created 0700 — and refused when it exists
 * but is not the user's alone (someone else made it first). Never another user's. */
export function runtimeDir(
  uid: number = process.geteuid?.() ?? 0,
  env: NodeJS.ProcessEnv = process.env,
  tmp = "/tmp",
): string {
  if (uid === 0) return "/run/secure-run";
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith("/")) {
    try {
      if (!unsafeRuntimeDir(xdg, uid)) return join(xdg, "secure-run");
    } catch {
      // absent: the fallback below
    }
  }
  const dir = join(tmp, `secure-run-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const unsafe = unsafeRuntimeDir(dir, uid);
  if (unsafe)
    throw new Error(`no safe runtime directory: ${unsafe}; remove it, or set XDG_RUNTIME_DIR`);
  return dir;
}

/** Where a user's instances live, persistent (they survive a reboot): root's is
 * /var/lib/secure-run; another user's $XDG_DATA_HOME/secure-run (when absolute), else
 * ~/.local/share/secure-run. SECURE_RUN_STATE_DIR overrides it (tests). Created 0700 when
 * `create`; refused when it is not the user's alone (a link, another owner, open to others). */
export function stateDir(
  o: { create?: boolean; uid?: number; env?: NodeJS.ProcessEnv } = {},
): string {
  const uid = o.uid ?? process.geteuid?.() ?? 0;
  const env = o.env ?? process.env;
  const override = env.SECURE_RUN_STATE_DIR;
  const xdg = env.XDG_DATA_HOME;
  const dir =
    override && override.startsWith("/")
      ? override
      : uid === 0
        ? "/var/lib/secure-run"
        : join(
            xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), ".local/share"),
            "secure-run",
          );
  if (o.create) {
    try {
      mkdirSync(dir, { mode: 0o700, recursive: false });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") mkdirSync(dir, { mode: 0o700, recursive: true });
      else if (code !== "EEXIST") throw e;
    }
  }
  let unsafe: string | undefined;
  try {
    unsafe = unsafeRuntimeDir(dir, uid);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !o.create) return dir;
    throw e;
  }
  if (unsafe)
    throw new Error(
      `unsafe state directory: ${unsafe}; fix or remove it, or set SECURE_RUN_STATE_DIR`,
    );
  return dir;
}

/** The resolv.conf a private network's app is given (src/network/resolv.ts writes it before
 * each launch; the plan binds it): in the state directory's networks/, by its real path (the
 * launcher follows no link in a bind's source). */
export function privateResolvConf(env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(stateDir({ env }), "networks");
  try {
    return join(realpathSync(dir), "resolv.conf");
  } catch {
    return join(dir, "resolv.conf");
  }
}

let version: string | undefined;

/** The package's version (package.json). */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
  ).version;
  return version;
}

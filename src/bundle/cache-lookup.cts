/** The bundle cache's reading side: where the entries are, whether the directory can be trusted,
 * and the entry for an app if it still holds (cache.ts writes them). CommonJS, with Node's own
 * modules only: the warm path looks up on every run. */
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fnv64, sha256 } from "../digest.cjs";
import { hostFingerprint } from "../host/fingerprint.cjs";
import { cacheHome } from "../paths.cjs";
import { changedInput, type Input } from "./inputs.cjs";

export interface CacheEntry {
  /** 2: with bundleSha256. */
  format: 2;
  version: string;
  app: string;
  config: string | null;
  /** hostFingerprint() when the bundle was made. */
  host: string;
  inputs: Input[];
  /** What `run` says before launching (parts accepted as best-effort, …). */
  notices: string[];
  name: string;
  created: string;
  /** sha256 of the bundle file: checked before launching, and by the launcher on what it reads. */
  bundleSha256: string;
  /** Whether a foreground `run` may launch the bundle alone (false: its plan needs the
   * supervising CLI, e.g. a restart policy; the entry is for `run -d`). Absent: true. */
  foreground?: boolean;
  /** What `run -d` makes an instance of besides the bundle (src/instances/spec.ts); checked
   * against the instance schema when used. Absent: `run -d` plans again. */
  instance?: unknown;
}

/** Where the entries are (created when first written). */
export function bundleCacheDir(): string {
  const dir = process.env.SECURE_RUN_BUNDLE_CACHE;
  return dir && dir.startsWith("/") ? dir : join(cacheHome(), "bundles");
}

export function entryKey(version: string, app: string, config: string | null): string {
  return fnv64(`${version}\0${app}\0${config ?? ""}`);
}

/** Why the cache directory cannot be trusted, or undefined when it can: it and the directory
 * secure-run made it in (the default location) must be the caller's own, not symbolic links and
 * writable by nobody else (secure-run creates them 0700; absent is fine). Anyone else who could
 * write there could choose what is launched. */
export function unsafeCacheDir(dir: string): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const chain = dir === join(cacheHome(), "bundles") ? [dir, cacheHome()] : [dir];
  for (const d of chain) {
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    const fix = `fix it with: chown ${uid} ${d} && chmod 700 ${d}`;
    if (!st.isDirectory()) return `${d} is not a directory (a symbolic link?); remove it`;
    if (st.uid !== uid) return `${d} is owned by uid ${st.uid}, not by you (uid ${uid}); ${fix}`;
    if (st.mode & 0o022) {
      const who = st.mode & 0o020 ? "its group" : "others";
      return `${d} is writable by ${who} (mode ${(st.mode & 0o777).toString(8)}); ${fix}`;
    }
  }
  return undefined;
}

export type Lookup =
  | { hit: true; entry: CacheEntry; bundle: string; sha256: string; data: Buffer }
  | { hit: false; why: string };

/** The entry for this key, if it is still valid: a cache directory only the caller controls, the
 * same version, host and inputs, and a bundle file with the hash the entry recorded. */
export function lookup(dir: string, version: string, app: string, config: string | null): Lookup {
  const unsafe = unsafeCacheDir(dir);
  if (unsafe) return { hit: false, why: `the cache is not safe to use: ${unsafe}` };
  const key = entryKey(version, app, config);
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as CacheEntry;
  } catch {
    return { hit: false, why: "not in the cache" };
  }
  if (entry.format !== 2 || entry.version !== version)
    return { hit: false, why: "made by another secure-run version" };
  if (entry.app !== app || entry.config !== config)
    return { hit: false, why: "the entry is another app's" };
  if (entry.host !== hostFingerprint()) return { hit: false, why: "the host changed" };
  const changed = changedInput(entry.inputs);
  if (changed) return { hit: false, why: `${changed.path} changed` };
  const bundle = join(dir, `${key}.bundle`);
  let data: Buffer;
  try {
    data = readFileSync(bundle);
  } catch {
    return { hit: false, why: "the bundle file is gone" };
  }
  // The launcher checks the digest again on the bytes it reads (--bundle-sha256): a file changed
  // after this point is refused there, not launched.
  if (sha256(data) !== entry.bundleSha256)
    return { hit: false, why: "the bundle file does not match its recorded sha256" };
  return { hit: true, entry, bundle, sha256: entry.bundleSha256, data };
}

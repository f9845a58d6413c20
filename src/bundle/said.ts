/** Which notices were already said for an app: a plan's notices (what this host does not
 * enforce, paths reached through links, …) are said on the first launch of the app and again
 * when they change, not on every launch (`--verbose` says them always). A launch from the bundle
 * cache is never a first one: the cold launch that stored the bundle said them, and a change of
 * notices changes the plan, so the entry. This store is for the launches the cache does not
 * take (a supervised plan: restart policy, several instances, …): one file per app in
 * $XDG_CACHE_HOME/secure-run/said/, holding the sha256 of the notices last said. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fnv64, sha256 } from "../digest.cjs";
import { cacheHome } from "../paths.cjs";
import { unsafeCacheDir } from "./cache-lookup.cjs";

/** The store's directory (SECURE_RUN_SAID_DIR: another, e.g. for tests). */
export function saidDir(): string {
  const dir = process.env.SECURE_RUN_SAID_DIR;
  return dir && dir.startsWith("/") ? dir : join(cacheHome(), "said");
}

/** Whether `notices` are news for the app named by `key` (its file's real path, or for `exec`
 * its command line): true when they differ from those last recorded, and records them. An
 * unusable store (not the caller's alone, unwritable) says everything: notices are never lost
 * to a store someone else could write. */
export function noticesAreNew(key: string, notices: readonly string[], dir = saidDir()): boolean {
  if (notices.length === 0) return false;
  const digest = sha256(notices.join("\n"));
  const file = join(dir, `${fnv64(key)}.said`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (unsafeCacheDir(dir)) return true;
    let before: string | undefined;
    try {
      before = readFileSync(file, "utf8").trim();
    } catch {
      before = undefined;
    }
    if (before === digest) return false;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${digest}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  } catch {
    return true;
  }
}

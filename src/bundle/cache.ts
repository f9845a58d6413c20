/** The bundle cache's writing side: entries are written atomically and the oldest pruned. */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unsafeCacheDir, type CacheEntry } from "./cache-lookup.cjs";

/** Writes the bundle, then its entry, each atomically (a reader sees the old or the new). Throws
 * when the directory is not the caller's alone (unsafeCacheDir): the caller then runs uncached. */
export function store(dir: string, key: string, entry: CacheEntry, bundle: Buffer): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unsafe = unsafeCacheDir(dir);
  if (unsafe) throw new Error(`the bundle cache is not safe to use: ${unsafe}`);
  const tmp = `.${key}.${process.pid}.tmp`;
  const bundleFile = join(dir, `${key}.bundle`);
  try {
    writeFileSync(join(dir, `${tmp}.bundle`), bundle, { mode: 0o600 });
    renameSync(join(dir, `${tmp}.bundle`), bundleFile);
    writeFileSync(join(dir, `${tmp}.json`), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    renameSync(join(dir, `${tmp}.json`), join(dir, `${key}.json`));
  } finally {
    rmSync(join(dir, `${tmp}.bundle`), { force: true });
    rmSync(join(dir, `${tmp}.json`), { force: true });
  }
  prune(dir);
  return bundleFile;
}

/** Keeps the newest `keep` entries. */
export function prune(dir: string, keep = 200): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^[0-9a-f]{16}\.json$/.test(n));
  } catch {
    return;
  }
  if (names.length <= keep) return;
  const dated = names
    .map((n) => {
      try {
        return { n, t: statSync(join(dir, n)).mtimeMs };
      } catch {
        return { n, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const { n } of dated.slice(keep)) {
    const key = n.slice(0, -".json".length);
    rmSync(join(dir, `${key}.json`), { force: true });
    rmSync(join(dir, `${key}.bundle`), { force: true });
  }
}

// After tsc: the package's syscall profiles (profiles/*.yaml) read and validated once, here, by
// the same code that reads them at run time (dist/src/profiles/load.js), into dist/profiles.json
// with the sha256 of each file. loadProfiles uses it only while every file is still the one read
// here; otherwise it reads the YAML itself.
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const { sha256 } = await import(join(root, "dist/src/digest.cjs"));
const { loadProfiles } = await import(join(root, "dist/src/profiles/load.js"));
const dir = join(root, "profiles");
const out = join(root, "dist/profiles.json");
// Read from the YAML (a stale dist/profiles.json must not feed itself): a directory the loader
// does not take as the package's.
const profiles = loadProfiles(`${dir}/`);
const files = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => [f, sha256(readFileSync(join(dir, f)))]),
);
writeFileSync(`${out}.tmp`, `${JSON.stringify({ files, profiles })}\n`);
renameSync(`${out}.tmp`, out);

// npm test: builds, then runs every test file with node's test runner. Lint, types, opa and the
// native tests are test files too (test/checks, test/native), so one summary covers it all.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
execFileSync("npm", ["run", "--silent", "build:ts"], { cwd: root, stdio: "inherit" });

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? find(join(dir, e.name))
      : e.name.endsWith(".test.js")
        ? [join(dir, e.name)]
        : [],
  );
}
const only = process.argv.slice(2);
// The VM lanes (test/vm: cgroup v2 and SELinux enforcing, under qemu) are plain JavaScript run
// from the source tree; SECURE_RUN_VM_LANES=none skips them.
const files = [...find(join(root, "dist/test")), join(root, "test/vm/vm.test.mjs")]
  .filter((f) => only.length === 0 || only.some((o) => relative(root, f).includes(o)))
  .sort();
// `secure-run run` caches bundles: the tests' go to a directory of their own, removed after.
const bundleCache = mkdtempSync(join(tmpdir(), "secure-run-test-bundles-"));
const r = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=1", ...files],
  { cwd: root, stdio: "inherit", env: { ...process.env, SECURE_RUN_BUNDLE_CACHE: bundleCache } },
);
rmSync(bundleCache, { recursive: true, force: true });
process.exit(r.status ?? 1);

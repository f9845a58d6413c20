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

// The rootless pass (issue 16): the launch, isolation, seccomp, Landlock, --explain, trace and
// app tests once more, the test process itself running as an unprivileged user the tests create
// (test/helpers.ts createTestUser: `secure-run-test`, removed after, also on failure), with a home
// and XDG directories of its own. The files read SECURE_RUN_TEST_AS=user (helpers.ts `rootless`)
// for what differs rootless: limits best effort where nothing is delegated, root-only checks
// skipped with the reason. Not yet green (issue 16 stays open: several of these files do not
// adapt their apps to an unprivileged caller on cgroup v1 yet), so it is opt-in:
// SECURE_RUN_ROOTLESS_PASS=1. test/integration/rootless.test.ts, native/tests/launch_test.sh and
// the cgroup v2 VM lane prove the rootless sandbox on every run.
const ROOTLESS_FILES = [
  "test/integration/run.test",
  "test/integration/bundle.test",
  "test/integration/trace.test",
  "test/hostile/mounts.test",
  "test/hostile/process.test",
  "test/hostile/bundle.test",
  "test/apps/apps.test",
];
const rootlessFiles = files.filter((f) =>
  ROOTLESS_FILES.some((p) =>
    relative(root, f)
      .replace(/^dist\//, "")
      .startsWith(p),
  ),
);
let status = r.status ?? 1;
if (
  process.getuid?.() === 0 &&
  process.env.SECURE_RUN_ROOTLESS_PASS === "1" &&
  rootlessFiles.length > 0
) {
  const { createTestUser, commandAs } = await import(join(root, "dist/test/helpers.js"));
  let user;
  const remove = () => {
    user?.remove();
    user = undefined;
  };
  for (const sig of ["SIGINT", "SIGTERM"])
    process.on(sig, () => {
      remove();
      process.exit(130);
    });
  try {
    user = createTestUser();
    console.log(
      `\nThe rootless pass, as ${user.name} (uid ${user.uid}): ${rootlessFiles.length} files`,
    );
    const [file, args] = commandAs(user, [
      process.execPath,
      "--test",
      "--test-reporter=spec",
      "--test-concurrency=1",
      ...rootlessFiles,
    ]);
    const rr = spawnSync(file, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...user.env, SECURE_RUN_TEST_AS: "user", SECURE_RUN_VM_LANES: "none" },
    });
    if (status === 0) status = rr.status ?? 1;
  } catch (e) {
    console.error(`the rootless pass could not run: ${e?.message ?? e}`);
    status = 1;
  } finally {
    remove();
  }
}
process.exit(status);

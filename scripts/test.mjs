// npm test: builds, then runs every test file with node's test runner. Lint, types, opa and the
// native tests are test files too (test/checks, test/native), so one summary covers it all.
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
execFileSync("npm", ["run", "--silent", "build:ts"], { cwd: root, stdio: "inherit" });

// The tests' temporary directories (test/helpers.ts tempDir: secure-run-test-*): each test file
// removes its own, also when it fails; one still there after the run is a leak, and counts as a
// failure (those of another run, there before this one, are not counted).
const ours = () => new Set(readdirSync(tmpdir()).filter((e) => e.startsWith("secure-run-test-")));
const tempBefore = ours();

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

// What a signal to this script (Ctrl-C, `timeout`) must not leave behind: the running pass is
// ended, then each cleanup runs, newest first.
const cleanups = [];
let child;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, () => {
    child?.kill(sig);
    const done = () => {
      for (const c of cleanups.reverse()) c();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    };
    if (child && child.exitCode === null && child.signalCode === null) child.once("exit", done);
    else done();
  });

// Each pass also writes TAP to a file of its own, from which the closing line adds up both.
const scratch = mkdtempSync(join(tmpdir(), "secure-run-test-run-"));
chmodSync(scratch, 0o711); // the rootless pass's user reaches its own directory in it
cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs node's test runner on `list`; resolves to its status and its counts. */
function pass(name, command, list, env, owner) {
  // A directory of the pass's own, which the test user of the rootless pass can write to.
  const dir = join(scratch, name);
  mkdirSync(dir, { mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const tap = join(dir, "report.tap");
  return new Promise((done) => {
    const [file, ...args] = command;
    child = spawn(
      file,
      [
        ...args,
        "--test",
        "--test-concurrency=1",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=tap",
        `--test-reporter-destination=${tap}`,
        ...list,
      ],
      { cwd: root, stdio: "inherit", env },
    );
    child.on("exit", (code, signal) => {
      child = undefined;
      let text = "";
      try {
        text = readFileSync(tap, "utf8");
      } catch {
        // no report: counted as a failure below
      }
      const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
      done({
        status: code ?? (signal ? 1 : 1),
        pass: count("pass"),
        fail: count("fail") + count("cancelled"),
        skipped: count("skipped"),
      });
    });
  });
}

// `secure-run run` caches bundles: the tests' go to a directory of their own, removed after.
const bundleCache = mkdtempSync(join(tmpdir(), "secure-run-test-bundles-"));
cleanups.push(() => rmSync(bundleCache, { recursive: true, force: true }));
const results = [];
results.push({
  name: "as root",
  ...(await pass("root", [process.execPath], files, {
    ...process.env,
    SECURE_RUN_BUNDLE_CACHE: bundleCache,
  })),
});

// The rootless pass (issue 16): the launch, isolation, seccomp, Landlock, --explain, trace and
// app tests once more, the test process itself running as an unprivileged user the tests create
// (test/helpers.ts createTestUser: `secure-run-test`, removed after, also on failure or a
// signal), with a home and XDG directories of its own. The files read SECURE_RUN_TEST_AS=user
// (helpers.ts `rootless`) for what differs rootless: limits best effort where nothing is
// delegated (cgroup v1 here), root-only checks skipped with the reason.
// SECURE_RUN_ROOTLESS_PASS=0 leaves it out. The cgroup v2 VM lane runs its cgroup suite rootless
// in a delegated subtree (limits enforced).
const ROOTLESS_FILES = [
  "test/integration/run.test",
  "test/integration/bundle.test",
  "test/integration/trace.test",
  "test/integration/interpreters.test",
  "test/integration/layer.test",
  "test/integration/instances.test",
  "test/integration/refusals.test",
  "test/integration/network.test",
  "test/hostile/mounts.test",
  "test/hostile/process.test",
  "test/hostile/bundle.test",
  "test/apps/apps.test",
  "test/images/overlay.test",
  "test/images/in-use.test",
];
const rootlessFiles = files.filter((f) =>
  ROOTLESS_FILES.some((p) =>
    relative(root, f)
      .replace(/^dist\//, "")
      .startsWith(p),
  ),
);
if (
  process.getuid?.() === 0 &&
  process.env.SECURE_RUN_ROOTLESS_PASS !== "0" &&
  rootlessFiles.length > 0
) {
  const { createTestUser, commandAs } = await import(join(root, "dist/test/helpers.js"));
  let user;
  const remove = () => {
    user?.remove();
    user = undefined;
  };
  cleanups.push(remove);
  try {
    user = createTestUser();
    console.log(
      `\nThe rootless pass, as ${user.name} (uid ${user.uid}): ${rootlessFiles.length} files`,
    );
    const [file, args] = commandAs(user, [process.execPath]);
    results.push({
      name: `rootless, as ${user.name}`,
      ...(await pass(
        "rootless",
        [file, ...args],
        rootlessFiles,
        {
          ...user.env,
          SECURE_RUN_TEST_AS: "user",
          SECURE_RUN_VM_LANES: "none",
        },
        user,
      )),
    });
  } catch (e) {
    console.error(`the rootless pass could not run: ${e?.message ?? e}`);
    results.push({ name: "rootless", status: 1, pass: 0, fail: 1, skipped: 0 });
  } finally {
    remove();
  }
}
for (const c of cleanups.reverse()) c();
cleanups.length = 0;
const leaked = [...ours()].filter((e) => !tempBefore.has(e)).sort();
if (leaked.length > 0) {
  console.error(
    `\nleft behind in ${tmpdir()} by the tests: ${leaked.join(", ")} (a test's tempDir not removed)`,
  );
  results.push({ name: "temporary files", status: 1, pass: 0, fail: leaked.length, skipped: 0 });
}

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
console.log(
  `\n${results.map((r) => `${r.name}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped`).join("; ")}`,
);
console.log(`${sum("pass")} passed, ${sum("fail")} failed`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);

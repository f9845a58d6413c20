// The VM lanes in one command: builds the TypeScript (the guest runs dist/test/vm/guest/*.js),
// then runs test/vm/vm.test.mjs with node's test runner, which prepares the cached VM assets,
// boots a VM per lane and mirrors the guest's results.
//   node test/vm/run.mjs [cgroup2] [selinux]      (default: both lanes)
// The exit status is the test runner's. See test/vm/README.md.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../..");
const lanes = process.argv.slice(2);

const tsc = spawnSync(
  process.execPath,
  [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
  {
    cwd: root,
    encoding: "utf8",
  },
);
if (tsc.status !== 0) {
  // Type errors elsewhere still leave the tests compiled (tsc emits anyway); say so and go on.
  process.stderr.write(
    `vm: tsc reported problems (the tests run with what it emitted):\n${tsc.stdout}${tsc.stderr}\n`,
  );
}
const r = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", join(here, "vm.test.mjs")],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...(lanes.length > 0 ? { SECURE_RUN_VM_LANES: lanes.join(",") } : {}) },
  },
);
process.exit(r.status ?? 1);

/** The C unit tests, under AddressSanitizer and UndefinedBehaviorSanitizer. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

test("native tests and real launches of the launcher pass under ASan and UBSan (make -C native/tests check)", () => {
  const r = spawnSync("make", ["-s", "-C", join(root, "native/tests"), "check"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /test_args: \d+ checks, 0 failed/);
  assert.match(r.stdout, /test_seccomp: \d+ checks, 0 failed/);
  // bpf_eval.c against the cases it shares with bpf.ts (native/tests/bpf_cases.json).
  assert.match(r.stdout, /test_bpf_eval: \d+ checks, 0 failed/);
  // The sanitized launcher's real launches (native/tests/launch_test.sh).
  assert.match(r.stdout, /launch_test: no cgroup left: ok/);
  assert.match(r.stdout, /launch_test: net-hook: the forwarder the add left is .*: ok/);
  assert.doesNotMatch(r.stdout, /launch_test: .*expected/);
  // The writable layer's real launches (native/tests/layer_test.sh).
  assert.match(r.stdout, /layer_test: planted link to a host file: .*: ok/);
  assert.doesNotMatch(r.stdout, /layer_test: .*expected/);
  // Instance mode: the detached supervisor (native/tests/instance_test.sh).
  assert.match(r.stdout, /instance_test: stop: the cgroup dirs are gone \(freezer too\): ok/);
  assert.match(r.stdout, /instance_test: --remove-when-done: what the links pointed to is kept: ok/);
  assert.doesNotMatch(r.stdout, /instance_test: .*expected/);
  // --remove-tree: links not followed, mounts not entered, a user's subordinate ids in a user
  // namespace (native/tests/rmtree_test.sh).
  assert.match(r.stdout, /rmtree_test: mounts: a bind of the same file system: named: ok/);
  assert.doesNotMatch(r.stdout, /rmtree_test: .*expected/);
});

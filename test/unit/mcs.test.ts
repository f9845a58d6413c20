/** What secure-run tells the launcher of SELinux categories; the registry itself (allocation,
 * reclaim, release, an app's shared category) is the launcher's and is tested in
 * native/tests/test_mcs.c and launch_test.sh. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { baseLabels, DEFAULT_REGISTRY, instanceGroup } from "../../src/launch/mcs.js";

const plan = { processType: "container_t", fileType: "container_file_t", level: "s0" };

test("the labels go to the launcher without categories, which it appends", () => {
  assert.deepEqual(baseLabels(plan), {
    process: "system_u:system_r:container_t:s0",
    file: "system_u:object_r:container_file_t:s0",
  });
  assert.equal(DEFAULT_REGISTRY, "/run/secure-run/mcs");
});

test("the instances of one app name their group, which shares one category", () => {
  const group = instanceGroup();
  // What the launcher accepts as a group name (sr_mcs_group_valid).
  assert.match(group, /^[A-Za-z0-9._-]{1,64}$/);
  assert.notEqual(instanceGroup(), group);
});

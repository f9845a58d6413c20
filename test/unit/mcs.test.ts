import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { allocateCategories, reclaim, selinuxLabels } from "../../src/launch/mcs.js";
import { tempDir } from "../helpers.js";

const tmp = tempDir("mcs");
after(() => tmp.remove());

test("200 live instances never share a pair of categories", () => {
  const registry = join(tmp.dir, "a");
  const held = Array.from({ length: 200 }, () => allocateCategories(registry));
  const pairs = held.map((h) => h.pair);
  assert.equal(new Set(pairs).size, 200);
  for (const p of pairs) {
    const m = /^c(\d+),c(\d+)$/.exec(p);
    assert.ok(m && Number(m[1]) < Number(m[2]) && Number(m[2]) < 1024, p);
  }
  for (const h of held) h.release();
  assert.deepEqual(readdirSync(registry), []);
});

test("a pair whose owner died is taken back; a live owner keeps its pair", () => {
  const registry = join(tmp.dir, "b");
  const dead = spawnSync("true").pid ?? 1;
  mkdirSync(registry, { recursive: true });
  writeFileSync(join(registry, "c1,c2"), `${dead}\n`);
  writeFileSync(join(registry, "c3,c4"), `${process.pid}\n`);
  assert.equal(reclaim(registry), 1);
  assert.deepEqual(readdirSync(registry), ["c3,c4"]);
  // Allocating takes back stale pairs first.
  writeFileSync(join(registry, "c5,c6"), "999999999\n");
  const a = allocateCategories(registry);
  assert.ok(!readdirSync(registry).includes("c5,c6"));
  a.release();
});

test("labels carry the categories", () => {
  assert.deepEqual(
    selinuxLabels(
      { processType: "container_t", fileType: "container_file_t", level: "s0" },
      "c1,c2",
    ),
    {
      process: "system_u:system_r:container_t:s0:c1,c2",
      file: "system_u:object_r:container_file_t:s0:c1,c2",
    },
  );
});

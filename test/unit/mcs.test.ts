import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  allocateCategories,
  allocateShared,
  reclaim,
  selinuxLabels,
} from "../../src/launch/mcs.js";
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

const cats = (pair: string): number[] => pair.split(",").map((c) => Number(c.slice(1)));

test("the instances of one app share one category, reserved for them; each has a pair of its own", () => {
  const registry = join(tmp.dir, "c");
  const shared = allocateShared(registry);
  const instances = Array.from({ length: 5 }, () =>
    allocateCategories(registry, process.pid, shared),
  );
  const pairs = instances.map((i) => i.pair);
  assert.equal(new Set(pairs).size, 5);
  for (const p of pairs) assert.ok(cats(p).includes(shared.category), p);
  assert.ok(readdirSync(registry).includes(`c${shared.category}`));
  for (const i of instances) i.release();
  shared.release();
  assert.deepEqual(readdirSync(registry), []);
});

test("no other app's pair contains a reserved category", () => {
  const registry = join(tmp.dir, "d");
  mkdirSync(registry);
  // c0..c511 are reserved by a live owner: without the check, most pairs would hold one.
  for (let c = 0; c < 512; c++) writeFileSync(join(registry, `c${c}`), `${process.pid}\n`);
  const held = Array.from({ length: 20 }, () => allocateCategories(registry));
  for (const h of held) for (const c of cats(h.pair)) assert.ok(c >= 512, h.pair);
  for (const h of held) h.release();
});

test("a category in another app's pair is not reserved for an app's instances", () => {
  const registry = join(tmp.dir, "e");
  mkdirSync(registry);
  // Pairs of a live owner hold c0..c511.
  for (let c = 0; c < 512; c += 2)
    writeFileSync(join(registry, `c${c},c${c + 1}`), `${process.pid}\n`);
  for (let i = 0; i < 40; i++) {
    const s = allocateShared(registry);
    assert.ok(s.category >= 512, `c${s.category}`);
    s.release();
  }
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
  // Instances sharing c1: the files they share carry c1 alone.
  assert.equal(
    selinuxLabels(
      { processType: "container_t", fileType: "container_file_t", level: "s0" },
      "c1,c2",
      1,
    ).file,
    "system_u:object_r:container_file_t:s0:c1",
  );
});

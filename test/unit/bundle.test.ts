/** The bundle format and the cache's inputs, as data. */
import assert from "node:assert/strict";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { decodeBundle, encodeBundle, type Bundle } from "../../src/bundle/format.js";
import { dirInput, fileInput, holds, statInput } from "../../src/bundle/inputs.cjs";
import { parseWarmRun } from "../../src/bundle/warm-args.cjs";
import { fnv64 } from "../../src/digest.cjs";
import { FINGERPRINT_COVERS, hostFingerprint } from "../../src/host/fingerprint.cjs";
import { hostFacts } from "../../src/host/facts.js";
import { InputError } from "../../src/errors.js";
import { tempDir } from "../helpers.js";

const tmp = tempDir("bundle-unit");
after(() => tmp.remove());

const sample: Bundle = {
  name: "web",
  version: "1.2.3",
  created: "2026-01-01T00:00:00.000Z",
  source: "/srv/web.yaml",
  inputs: "ab".repeat(32),
  host: {
    arch: "x86_64",
    kernel: "6.1.0-1-amd64",
    landlock: 4,
    cgroupFs: "cgroup2",
    selinux: "disabled",
  },
  args: ["--name", "web", "--env", "EMPTY=", "", "--", "/bin/app", "a b", "ünï"],
  filters: [
    { arch: "x86_64", bpf: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), notify: Buffer.alloc(8, 0x0a) },
    { arch: "aarch64", bpf: Buffer.alloc(16, 0x0a), notify: Buffer.alloc(24, 3) },
  ],
  fixes: [
    ["*", "syscalls.allow: [{}]"],
    ["+", "to learn every call the app makes: secure-run trace web.yaml"],
    ["clone", "syscalls.profiles: [process]"],
  ],
};

test("a bundle reads back as written, empty and non-ASCII arguments and newline bytes included", () => {
  assert.deepEqual(decodeBundle(encodeBundle(sample), "x"), sample);
});

test("damaged bundles are refused with a hint", () => {
  const data = encodeBundle(sample);
  for (const bad of [
    Buffer.from("hello\n"),
    data.subarray(0, data.length - 5),
    Buffer.from(data.toString("latin1").replace("args 9 ", "args 8 "), "latin1"),
    Buffer.from(data.toString("latin1").replace("fixes 3 ", "fixes 2 "), "latin1"),
    Buffer.from(
      data.toString("latin1").replace("secure-run-bundle 2", "secure-run-bundle 1"),
      "latin1",
    ),
  ])
    assert.throws(
      () => decodeBundle(bad, "b"),
      (e: unknown) => e instanceof InputError && /secure-run compile/.test(e.issues[0]?.hint ?? ""),
    );
  assert.throws(() => encodeBundle({ ...sample, args: ["a\0b"] }), /NUL/);
  assert.throws(() => encodeBundle({ ...sample, name: "a\nb" }), /newline/);
});

test("inputs: touched is not changed; changed, removed or appearing is", () => {
  const f = tmp.write("a.txt", "one");
  const input = fileInput(f);
  assert.ok(holds(input));
  const later = new Date(Date.now() + 5000);
  utimesSync(f, later, later);
  assert.ok(holds(input), "same content, new time: holds");
  writeFileSync(f, "two");
  assert.ok(!holds(input), "new content");
  rmSync(f);
  assert.ok(!holds(input), "removed");
  const absent = fileInput(f);
  writeFileSync(f, "three");
  assert.ok(!holds(absent), "appeared");

  const d = dirInput(tmp.dir);
  assert.ok(holds(d));
  tmp.write("b.txt", "");
  assert.ok(!holds(d), "a new entry");

  const s = statInput(f);
  assert.ok(holds(s));
  utimesSync(f, later, new Date(Date.now() + 9000));
  assert.ok(!holds(s), "a program by inode and time: rebuilt is changed");
});

test("the host fingerprint covers every host fact the plan reads, and is stable", () => {
  assert.deepEqual(Object.keys(FINGERPRINT_COVERS).sort(), Object.keys(hostFacts()).sort());
  assert.equal(hostFingerprint(), hostFingerprint());
  assert.match(hostFingerprint(), /^[0-9a-f]{16}$/);
  assert.notEqual(fnv64("a"), fnv64("b"));
  assert.equal(fnv64(""), fnv64(""));
});

test("the warm path takes `run APP` with --config, --cgroup-parent, --verbose and --quiet, nothing else", () => {
  assert.deepEqual(parseWarmRun(["run", "a.yaml"], {}), { app: "a.yaml" });
  assert.deepEqual(parseWarmRun(["run", "--verbose", "--quiet", "a.yaml"], {}), {
    app: "a.yaml",
    verbose: true,
    quiet: true,
  });
  assert.deepEqual(parseWarmRun(["run", "--config=c.yaml", "--cgroup-parent", "p", "a.yaml"], {}), {
    app: "a.yaml",
    config: "c.yaml",
    cgroupParent: "p",
  });
  assert.deepEqual(parseWarmRun(["run", "a.yaml"], { SECURE_RUN_CONFIG: "o.yaml" }), {
    app: "a.yaml",
    config: "o.yaml",
  });
  for (const argv of [
    ["run", "--report", "a.yaml"],
    ["run", "--explain", "a.yaml"],
    ["run", "a.yaml", "b.yaml"],
    ["run"],
    ["plan", "a.yaml"],
    ["run", "--help"],
    ["run", "--config"],
  ])
    assert.equal(parseWarmRun(argv, {}), undefined, argv.join(" "));
  assert.equal(parseWarmRun(["run", "a.yaml"], { SECURE_RUN_NO_CACHE: "1" }), undefined);
});

/** Issue 14, items 8 and 9a: every bundle file secure-run reads back is hostile. A damaged
 * bundle is refused with exit 125 and a clear message, never a signal; a cached bundle changed
 * after it was written is not what runs; a cache directory others control is not used. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, root, rootOnly, rootlessBestEffort, tempDir } from "../helpers.js";
import { assertNothingLeft, launch, skipUnlessRoot, snapshot } from "./common.js";

const tmp = tempDir("hostile-bundle");
after(() => tmp.remove());

/** examples/hello.yaml, its limits accepted as best effort in the rootless pass on a host that
 * delegates no cgroup to the user. */
const hello = (): string =>
  readFileSync(join(root, "examples/hello.yaml"), "utf8") + rootlessBestEffort;

/** A real bundle for this host (secure-run compile), as bytes. */
function compiled(name: string, extra: string[] = []): Buffer {
  const file = join(tmp.dir, name);
  const r = cli(["compile", tmp.write("hello.yaml", hello()), "-o", file, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(file);
}

const valid = compiled("hello.bundle");
const argsAt = valid.indexOf("\nargs ") + 1;
const filterAt = valid.indexOf("\nfilter ") + 1;
const notifyAt = valid.indexOf("\nnotify ") + 1;
const fixesAt = valid.indexOf("\nfixes ") + 1;
const endAt = valid.lastIndexOf("end\n");

/** The valid bundle with its fix table replaced by `pairs` (count as given, or the true one). */
function withFixes(pairs: string[][], count = pairs.length): Buffer {
  const body = Buffer.from(pairs.map((p) => p.map((s) => `${s}\0`).join("")).join(""), "latin1");
  return Buffer.concat([
    valid.subarray(0, fixesAt),
    Buffer.from(`fixes ${count} ${body.length}\n`),
    body,
    Buffer.from("\n"),
    valid.subarray(endAt),
  ]);
}

const damaged: { name: string; data: Buffer; message: RegExp }[] = [
  {
    name: "a bundle with a duplicated args section (it crashed the launcher: exit 139)",
    data: Buffer.concat([
      valid.subarray(0, filterAt),
      valid.subarray(argsAt, filterAt),
      valid.subarray(filterAt),
    ]),
    message: /damaged \(two args lines\)/,
  },
  {
    name: "a bundle with a filter of 4097 instructions (over BPF_MAXINSNS; its length was cast to 16 bits)",
    data: Buffer.concat([
      valid.subarray(0, filterAt),
      Buffer.from(`filter x86_64 ${4097 * 8}\n`),
      Buffer.alloc(4097 * 8, Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f])),
      Buffer.from("\n"),
      valid.subarray(endAt),
    ]),
    message: /from 1 to 4096 instructions/,
  },
  {
    name: "a truncated bundle",
    data: valid.subarray(0, Math.floor(valid.length / 2)),
    message: /damaged \(.*(cut short|no end line)/,
  },
  {
    name: "a bundle whose filter size is not a multiple of 8",
    data: Buffer.from(
      valid
        .toString("latin1")
        .replace(/filter x86_64 (\d+)\n/, (_m, n: string) => `filter x86_64 ${Number(n) - 4}\n`),
      "latin1",
    ),
    message: /not a multiple of 8 bytes/,
  },
  {
    name: "a bundle with two filters for the same architecture",
    data: Buffer.concat([
      valid.subarray(0, endAt),
      valid.subarray(filterAt, endAt),
      valid.subarray(endAt),
    ]),
    message: /two filter sections for x86_64/,
  },
  {
    name: "a bundle of format 1 (no notifying filter, no fix table)",
    data: Buffer.from(
      valid.toString("latin1").replace("secure-run-bundle 2\n", "secure-run-bundle 1\n"),
      "latin1",
    ),
    message: /format 1, made by an older secure-run: compile it again/,
  },
  {
    name: "a bundle without the notifying filter of this host's architecture",
    data: Buffer.concat([valid.subarray(0, notifyAt), valid.subarray(fixesAt)]),
    message: /no notify section/,
  },
  {
    name: "a bundle without a fix table",
    data: Buffer.concat([valid.subarray(0, fixesAt), valid.subarray(endAt)]),
    message: /no fixes section/,
  },
  {
    name: "a fix that would write escape sequences to the terminal",
    data: withFixes([["clone", "\x1b]0;owned\x07 --profile process"]]),
    message: /not printable ASCII/,
  },
  {
    name: "a fix table out of order (its lookup is a binary search)",
    data: withFixes([
      ["wait4", "--profile process"],
      ["clone", "--profile process"],
    ]),
    message: /out of order or repeated/,
  },
  {
    name: "a fix table whose count lies",
    data: withFixes([["clone", "--profile process"]], 2),
    message: /holds 2 strings, not its count of pairs/,
  },
  {
    name: "a fix table entry that is no syscall name",
    data: withFixes([["../clone", "--profile process"]]),
    message: /is not a syscall name/,
  },
  {
    name: "a bundle for the wrong architecture",
    data: compiled("aarch64.bundle", ["--arch", "aarch64"]),
    message: /no seccomp filter for x86_64, this host's architecture/,
  },
];

for (const d of damaged) {
  test(`${d.name}: refused with 125 and a clear message`, () => {
    const file = join(tmp.dir, "damaged.bundle");
    writeFileSync(file, d.data);
    const before = snapshot([tmp.dir]);
    const r = launch(["--bundle", file]);
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, d.message);
    assert.match(r.stderr, /^secure-run-launch: --bundle /);
    assertNothingLeft(before, d.name);
  });
}

const say = "TAMPERED, NOT THE APP";

/** The app in a directory of its own (its own cache key), with its own cache. */
function app(name: string): { yaml: string; cache: string; env: NodeJS.ProcessEnv } {
  const dir = join(tmp.dir, name);
  spawnSync("mkdir", ["-p", dir]);
  const yaml = join(dir, "hello.yaml");
  writeFileSync(yaml, hello());
  const cache = join(dir, "cache");
  return { yaml, cache, env: { SECURE_RUN_BUNDLE_CACHE: cache, SECURE_RUN_CACHE_DEBUG: "1" } };
}

function cacheFiles(cache: string, ext: string): string[] {
  return readdirSync(cache).filter((n) => n.endsWith(ext));
}

test(
  "a cached bundle changed after it was written is not launched: the entry is rebuilt",
  { skip: skipUnlessRoot },
  () => {
    const a = app("tampered");
    const first = cli(["run", a.yaml], { env: a.env });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Hello from hello/);
    const [bundle] = cacheFiles(a.cache, ".bundle");
    assert.ok(bundle, "no bundle was cached");
    const file = join(a.cache, bundle);
    const original = readFileSync(file);
    // Same length, so every size in the file still holds: only the hash tells.
    const text = original.toString("latin1");
    const at = text.indexOf("Hello from $(hostname), running as");
    assert.ok(at > 0);
    const tampered = Buffer.from(text.slice(0, at) + say + text.slice(at + say.length), "latin1");
    writeFileSync(file, tampered);

    // The launcher itself: the bytes it reads are not the ones verified.
    const sha = createHash("sha256").update(original).digest("hex");
    const before = snapshot([a.cache]);
    const direct = launch(["--bundle", file, "--bundle-sha256", sha]);
    assert.equal(direct.signal, null);
    assert.equal(direct.status, 125, direct.stderr);
    assert.match(
      direct.stderr,
      /its sha256 is .*, not the .* it was verified with: the file changed since \(not launched\)/,
    );
    assert.doesNotMatch(direct.stdout, /TAMPERED/);
    assertNothingLeft(before, "the launcher given a tampered bundle");

    // secure-run run: the entry does not hold, the bundle is rebuilt and the app's own runs.
    const second = cli(["run", a.yaml], { env: a.env });
    assert.doesNotMatch(second.stdout, /TAMPERED/, "the tampered bundle ran");
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /Hello from hello/);
    assert.match(second.stderr, /cache: miss: the bundle file does not match its recorded sha256/);
    assert.deepEqual(readFileSync(file).subarray(0, 40), original.subarray(0, 40));
    assert.doesNotMatch(
      readFileSync(file).toString("latin1"),
      /TAMPERED/,
      "the entry was not rebuilt",
    );
  },
);

for (const bad of [
  {
    name: "group-writable",
    apply: (d: string) => chmodSync(d, 0o770),
    why: /is writable by its group \(mode 770\)/,
    skip: false as string | false,
  },
  {
    name: "owned by another uid",
    apply: (d: string) => chownSync(d, 4242, 4242),
    why: /is owned by uid 4242, not by you/,
    skip: rootOnly("giving a directory to another uid takes root"),
  },
]) {
  test(
    `a bundle cache directory ${bad.name} is not used: a notice, and the app runs supervised`,
    { skip: skipUnlessRoot || bad.skip },
    () => {
      const a = app(`cache-${bad.name.replace(/\W+/g, "-")}`);
      const first = cli(["run", a.yaml], { env: a.env });
      assert.equal(first.status, 0, first.stderr);
      assert.equal(cacheFiles(a.cache, ".bundle").length, 1);
      bad.apply(a.cache);
      // Someone else's entry: whatever is there now must not be what runs.
      const [bundle] = cacheFiles(a.cache, ".bundle");
      const file = join(a.cache, bundle ?? "");
      const text = readFileSync(file, "latin1");
      const at = text.indexOf("Hello from $(hostname), running as");
      writeFileSync(
        file,
        Buffer.from(text.slice(0, at) + say + text.slice(at + say.length), "latin1"),
      );
      const before = snapshot([a.cache]);
      const r = cli(["run", a.yaml], { env: a.env });
      assert.doesNotMatch(r.stdout, /TAMPERED/);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Hello from hello/);
      assert.match(r.stderr, /cache: miss: the cache is not safe to use: /);
      assert.match(r.stderr, bad.why);
      assert.match(
        r.stderr,
        /secure-run: notice: not cached \(the bundle cache is not safe to use: .*chmod 700 .*\); running supervised/,
      );
      assertNothingLeft(before, `a cache ${bad.name}`);
    },
  );
}

/** The writable layer, for real: `secure-run run` of an app whose root is writable (host view and
 * rootfs), its layer removed after the run; a compiled bundle launched twice with one layer
 * directory keeps what the app wrote; without root.writable the root stays read-only. As root,
 * and again as the test user in the rootless pass. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { paths, runtimeDir } from "../../src/paths.cjs";
import { canLaunch, cli, leftoverCgroups, rootlessBestEffort, tempDir } from "../helpers.js";

const skip = canLaunch
  ? false
  : "real launches run as root, or as the test user in the rootless pass (SECURE_RUN_TEST_AS=user)";
const tmp = tempDir("layer");
const vol = join(tmp.dir, "vol");
const rootfs = join(tmp.dir, "rootfs");

function app(name: string, script: string, extra = ""): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\nuser: root\n` +
      `command: ["/bin/sh", "-c", ${JSON.stringify(script)}]\nsyscalls: { hints: [shell] }\n` +
      `${extra}${rootlessBestEffort}`,
  );
}

/** The foreground runs' layers of this app still in the runtime directory. */
function layersOf(name: string): string[] {
  const dir = join(runtimeDir(), "layers");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${name}-`)) : [];
}

describe("the writable layer", { skip }, () => {
  before(() => {
    mkdirSync(vol);
    chmodSync(vol, 0o777); // the app's uid is not the caller's for root's launches
    // A rootfs whose programs come from the host's /usr (an app mount): links bin, lib, lib64,
    // an empty usr, an etc with a file of its own.
    mkdirSync(join(rootfs, "usr"), { recursive: true });
    mkdirSync(join(rootfs, "etc"));
    tmp.write("rootfs/etc/motd", "from the rootfs\n");
    tmp.write("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    tmp.write("rootfs/etc/group", "root:x:0:\n");
    for (const d of ["bin", "lib", "lib64"]) symlinkSync(`usr/${d}`, join(rootfs, d));
  });
  after(() => {
    tmp.remove();
    // Only this file's apps (others' tests may run on this host at the same time).
    assert.deepEqual(
      leftoverCgroups().filter((c) => c.includes("secure-run-layer-")),
      [],
      "no cgroup is left behind",
    );
  });

  test("run: a writable host root takes writes to /etc; a volume keeps its file; nothing written runs; /proc stays read-only; the layer is gone after", () => {
    const file = app(
      "layer-host",
      "echo one >/etc/x && cat /etc/x; echo v >/vol/v; mkdir -p /var/lib && cp /bin/true /var/lib/t; " +
        "/var/lib/t 2>/dev/null; echo exec=$?; (echo x >/proc/self/comm) 2>/dev/null && echo proc=yes || echo proc=no; " +
        "(echo x >/usr/x) 2>/dev/null && echo usr=yes || echo usr=no",
      `root: { host: true, writable: true }\nmounts:\n  - { source: ${vol}, target: /vol, readOnly: false }\n`,
    );
    const r = cli(["run", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["one", "exec=126", "proc=no", "usr=no"]);
    assert.equal(readFileSync(join(vol, "v"), "utf8"), "v\n");
    assert.deepEqual(layersOf("layer-host"), [], "the run's layer is removed at its end");
  });

  test("run: the layer is removed also when the launch fails", () => {
    const file = app(
      "layer-fails",
      "exit 0",
      "root: { host: true, writable: true }\nworkdir: /no/such/dir\n",
    );
    const r = cli(["run", file]);
    assert.equal(r.status, 125, r.stderr);
    assert.deepEqual(layersOf("layer-fails"), []);
  });

  test("run: without root.writable the root is read-only", () => {
    const r = cli(["run", app("layer-none", "echo x >/etc/x", "root: { host: true }\n")]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Read-only file system/);
  });

  test("run: a writable rootfs is the layer's lower: a write to / and a changed copy of its file; the rootfs is untouched", () => {
    const file = app(
      "layer-rootfs",
      "echo top >/top && cat /top /etc/motd; ls /etc | tr '\\n' ' '",
      `root: { rootfs: ${rootfs}, writable: true }\nmounts:\n  - { source: /usr, target: /usr, readOnly: true }\n`,
    );
    const r = cli(["run", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["top", "from the rootfs", "group motd passwd"]);
    assert.ok(!existsSync(join(rootfs, "top")), "the rootfs itself is not written");
    assert.deepEqual(layersOf("layer-rootfs"), []);
  });

  test("a compiled bundle launched twice with one layer directory keeps what the app wrote, in DIR/upper", () => {
    const file = app(
      "layer-bundle",
      "if [ -e /etc/count ]; then echo again; else echo first; fi; echo run >>/etc/count",
      "root: { host: true, writable: true }\n",
    );
    const bundle = join(tmp.dir, "layer-bundle.bundle");
    const c = cli(["compile", file, "-o", bundle]);
    assert.equal(c.status, 0, c.stderr);
    const layer = join(tmp.dir, "layer");
    mkdirSync(layer, { mode: 0o700 });
    const launch = (): string => {
      const r = spawnSync(paths.launcher, ["--writable-layer", layer, "--bundle", bundle], {
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(launch(), "first");
    assert.equal(launch(), "again");
    assert.equal(readFileSync(join(layer, "upper/etc/count"), "utf8"), "run\nrun\n");
    // Without the layer the same bundle's root is read-only.
    const ro = spawnSync(paths.launcher, ["--bundle", bundle], { encoding: "utf8" });
    assert.match(ro.stdout + ro.stderr, /Read-only file system/);
  });

  test("plan shows where writes persist", () => {
    const file = app(
      "layer-plan",
      "true",
      `root: { host: true, writable: true }\nmounts:\n  - { source: ${vol}, target: /vol, readOnly: false }\n`,
    );
    const r = cli(["plan", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/ +the writable layer: kept per instance until `rm`/);
    assert.match(r.stdout, new RegExp(`/vol +volume ${vol}: always kept`));
    assert.match(r.stdout, /\/tmp +tmpfs: lost at every stop/);
  });
});

/** An image app's root is an overlay of the image's layers (issue 19), for real, as root and in
 * the rootless pass: `/` is an overlay and read-only; whiteouts, an opaque directory, a hard link
 * and a chain of symbolic links show through it as the image says; two images that share a layer
 * share its directory; a writable layer on top keeps the app's writes out of the store; the
 * fallback (a read-only bind of the layers applied into one directory, made on first use) still
 * runs the app; a layer directory swapped for a link, writable by its group, or another user's
 * is refused before anything is mounted. The store is a temporary one (SECURE_RUN_STATE_DIR). */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  canLaunch,
  cli,
  isRoot,
  root as packageRoot,
  rootlessBestEffort,
  tempDir,
} from "../helpers.js";
import { launch } from "../hostile/common.js";
import { testImage, writeOci } from "./build.js";

const tmp = tempDir("image-overlay");
const state = join(tmp.dir, "state");
const env = {
  SECURE_RUN_STATE_DIR: state,
  SECURE_RUN_BUNDLE_CACHE: join(tmp.dir, "cache"),
  SECURE_RUN_IMAGE_ROOT: "",
};
const run = (args: string[], extra: Record<string, string> = {}): ReturnType<typeof cli> =>
  cli(args, { env: { ...env, ...extra }, timeout: 120_000 });
const skip = canLaunch ? false : "real launches run as root (or as the test user)";

function app(name: string, body: string): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\nsyscalls: { profiles: [process] }\n${rootlessBestEffort}${body}`,
  );
}

/** The app's output, which must succeed. */
function output(file: string, extra: Record<string, string> = {}): string {
  const r = run(["run", file], extra);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The mountinfo line of the app's "/". */
const rootLine = (mountinfo: string): string =>
  mountinfo.split("\n").find((l) => l.split(" ")[4] === "/") ?? "";

const layersDir = join(state, "images/layers");
const layerDirs = (): string[] =>
  readdirSync(layersDir)
    .filter((n) => !n.endsWith(".json"))
    .map((n) => join(layersDir, n));

const SHOW =
  "ls /srv/opaque; test -e /etc/gone.txt || echo gone; test -e /srv/removed || echo removed; " +
  "readlink /usr/bin/hello; cat /usr/bin/hello >/dev/null && echo chain; " +
  "[ $(stat -c %i /etc/motd) = $(stat -c %i /etc/motd-link) ] && echo hard-link; " +
  "touch /etc/x 2>/dev/null || echo read-only";
const SHOWN = "new.txt\ngone\nremoved\n/bin/hi\nchain\nhard-link\nread-only\n";

describe("an image app's root: an overlay of its layers", { skip }, () => {
  let show = "";
  let mounts = "";
  before(async () => {
    await writeOci(join(tmp.dir, "oci"), testImage(), "v1");
    const def = testImage();
    await writeOci(join(tmp.dir, "other"), { ...def, config: { ...def.config, Cmd: ["x"] } }, "v2");
    for (const ref of ["oci:./oci:v1", "oci:./other:v2"]) {
      const r = cli(["load", ref.replace("./", `${tmp.dir}/`)], { env, timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    show = app("ov-show", `root: { image: v1 }\nuser: "0"\ncommand: [/bin/sh, -c, "${SHOW}"]\n`);
    mounts = app(
      "ov-mounts",
      `root: { image: v1 }\nuser: "0"\ncommand: [/bin/cat, /proc/self/mountinfo]\n`,
    );
  });
  after(() => {
    // The rootless store's layers are the test user's; root's are root's: removed either way.
    tmp.remove();
  });

  test("the host says the root is an overlay (doctor), and the plan names the layers", () => {
    const d = run(["doctor"]);
    assert.match(d.stdout, /image roots +an overlay of the image's layers/);
    const plan = JSON.parse(run(["plan", "--json", show]).stdout) as {
      filesystem: { imageLayers: { layers: string[] }; readOnlyRoot: boolean };
    };
    assert.equal(plan.filesystem.imageLayers.layers.length, 2);
    assert.equal(plan.filesystem.readOnlyRoot, true);
    assert.deepEqual(readdirSync(join(state, "images/roots")), [], "no flattened root is made");
  });

  test("inside, / is an overlay of the store's layers, mounted read-only", () => {
    const line = rootLine(output(mounts));
    assert.match(line, / - overlay /, line);
    assert.match(line.split(" ")[5] ?? "", /^ro,/, `the mount is read-only: ${line}`);
    for (const l of layerDirs()) assert.ok(line.includes(l), `${l} is a lower layer: ${line}`);
  });

  test("whiteouts, an opaque directory, a hard link and a symbolic link chain show through it", () => {
    assert.equal(output(show), SHOWN);
  });

  test("two images that share a layer share its directory", () => {
    const layersOf = (ref: string): string[] => {
      const f = app(`ov-share-${ref}`, `root: { image: ${ref} }\n`);
      const r = run(["plan", "--json", f]);
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { filesystem: { imageLayers: { layers: string[] } } })
        .filesystem.imageLayers.layers;
    };
    assert.deepEqual(layersOf("v1"), layersOf("v2"));
    assert.equal(layerDirs().length, 2, "two images, two layers in the store");
  });

  test("a writable layer on top takes the app's writes; the store's layers stay as they were", () => {
    const before = execFileSync("find", layerDirs(), { encoding: "utf8" });
    const rw = app(
      "ov-rw",
      `root: { image: v1, writable: true }\nuser: "0"\ncommand: [/bin/sh, -c, "echo written > /etc/x && cat /etc/x && cat /proc/self/mountinfo"]\n`,
    );
    const out = output(rw);
    assert.match(out, /^written\n/);
    const line = rootLine(out);
    assert.match(line, / - overlay .*upperdir=/, line);
    assert.ok(!line.includes(`upperdir=${state}`), "the upper is not in the store");
    for (const l of layerDirs()) assert.ok(line.includes(l), `${l} is a lower layer: ${line}`);
    assert.equal(execFileSync("find", layerDirs(), { encoding: "utf8" }), before);
    assert.equal(output(show), SHOWN, "the next run sees the image as it was");
  });

  test("the fallback: a read-only bind of the layers applied into one directory, made on first use", () => {
    const roots = join(state, "images/roots");
    assert.deepEqual(readdirSync(roots), []);
    const force = { SECURE_RUN_IMAGE_ROOT: "bind" };
    assert.match(
      run(["doctor"], force).stdout,
      /image roots +a read-only bind .*SECURE_RUN_IMAGE_ROOT=bind/,
    );
    assert.equal(output(show, force), SHOWN);
    assert.equal(readdirSync(roots).length, 1, "the flattened root, made now");
    const line = rootLine(output(mounts, force));
    assert.doesNotMatch(line, / - overlay /, line);
  });

  test("export --format oci gives the runtime the image's root as one directory (made for it)", () => {
    const out = join(tmp.dir, "oci-bundle");
    const r = run(["export", "--format", "oci", "-o", out, show]);
    assert.equal(r.status, 0, r.stderr);
    const config = readFileSync(join(out, "config.json"), "utf8");
    assert.match(config, new RegExp(`"source": "${state}/images/roots/[0-9a-f]{64}/bin"`));
  });

  test("where the kernel refuses the caller an overlay, the probe says at which step (doctor and the plan then bind)", () => {
    // Inside a sandbox, whose seccomp filter refuses clone into a namespace and the mount API.
    const addon = join(packageRoot, "build/Release");
    const probe = tmp.write(
      "ov-probe.yaml",
      `apiVersion: secure-run/v1\nkind: App\nname: ov-probe\n${rootlessBestEffort}` +
        `command: [${process.execPath}, -e, 'console.log(JSON.stringify(require("${addon}/exec.node").overlayProbe()))']\n` +
        `mounts: [{ source: ${addon}, target: ${addon}, readOnly: true }]\nsyscalls: { profiles: [node] }\n`,
    );
    const refused = JSON.parse(output(probe)) as { step: string; code: string } | null;
    assert.ok(refused, "refused in the sandbox");
    assert.match(refused.step, /^(clone into a user namespace|fsopen tmpfs)$/);
    assert.match(refused.code, /^E[A-Z]+$/);
    // And here, outside, the same probe passes (doctor said overlay above).
    const here = execFileSync(
      process.execPath,
      ["-e", `console.log(JSON.stringify(require("${addon}/exec.node").overlayProbe()))`],
      { encoding: "utf8" },
    );
    assert.equal(here.trim(), "null");
  });

  // The launcher's own checks: a bundle compiled before the store was tampered with is launched
  // directly (the CLI would plan again, and refuse the layer itself).
  describe("a tampered store is refused by the launcher before anything is mounted", () => {
    let bundle = "";
    let sha = "";
    before(() => {
      bundle = join(tmp.dir, "show.bundle");
      const r = run(["compile", show, "-o", bundle]);
      assert.equal(r.status, 0, r.stderr);
      sha = createHash("sha256").update(readFileSync(bundle)).digest("hex");
      const ok = launch(["--bundle", bundle, "--bundle-sha256", sha]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.stdout, SHOWN);
    });
    const refused = (pattern: RegExp): void => {
      const r = launch(["--bundle", bundle, "--bundle-sha256", sha]);
      assert.equal(r.status, 125, `refused: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, "", "the app did not run");
    };

    test("a layer directory swapped for a symbolic link", () => {
      const layer = layerDirs()[0] ?? "";
      const moved = `${layer}-moved`;
      renameSync(layer, moved);
      symlinkSync(moved, layer);
      try {
        assert.ok(lstatSync(layer).isSymbolicLink());
        refused(/image layer `.*` is not a directory reached without symbolic links/);
        const r = run(["run", show]);
        assert.equal(r.status, 2, "the CLI refuses it too, when it plans");
        assert.match(r.stderr, /is a symbolic link, not the layer's directory/);
      } finally {
        unlinkSync(layer);
        renameSync(moved, layer);
      }
    });

    test("a layer directory writable by its group", () => {
      const layer = layerDirs()[1] ?? "";
      chmodSync(layer, 0o775);
      try {
        refused(/image layer `.*` is writable by its group or others \(mode 0775\)/);
      } finally {
        chmodSync(layer, 0o755);
      }
    });

    test(
      "a layer directory of another user's",
      { skip: isRoot ? false : "only root can give a directory to another user" },
      () => {
        const layer = layerDirs()[0] ?? "";
        chownSync(layer, 4242, 4242);
        try {
          refused(/image layer `.*` belongs to uid 4242, not to the caller \(uid 0\)/);
        } finally {
          chownSync(layer, 0, 0);
        }
      },
    );

    test("restored, the bundle launches again", () => {
      const r = launch(["--bundle", bundle, "--bundle-sha256", sha]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, SHOWN);
    });
  });
});

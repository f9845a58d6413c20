/** zstd layers (`application/vnd.oci.image.layer.v1.tar+zstd`, told by their magic number as gzip
 * is): compressed in the test by Debian's zstd, loaded into a store of their own, and the same
 * root results as from the gzip layers; an app runs from such an image. Damaged zstd layers are
 * the hostile suite's (test/hostile/tar.test.ts). */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ensureRoot, imageStore, loadImage } from "../../src/images/store.js";
import { canLaunch, cli, tempDir } from "../helpers.js";
import { testImage, writeDockerArchive, writeOci, type ImageDef } from "./build.js";

const tmp = tempDir("image-zstd");
const state = join(tmp.dir, "state");

let zstd: string | false = false;
try {
  execFileSync("zstd", ["--version"], { stdio: "ignore" });
} catch {
  zstd = "the zstd command is not installed (Debian package zstd: scripts/setup.sh --test)";
}

/** The test image with every layer zstd-compressed, the lower one in three frames. */
function zstdImage(cmd: string): ImageDef {
  const def = testImage();
  const [lower, upper] = def.layers;
  return {
    layers: [
      { entries: lower?.entries ?? [], zstd: { frames: 3 } },
      { entries: upper?.entries ?? [], zstd: true },
    ],
    config: { ...def.config, Cmd: [cmd] },
  };
}

describe("zstd layers", { skip: zstd }, () => {
  after(() => tmp.remove());

  test("an OCI layout of zstd layers loads: the same root as its gzip twin", async () => {
    process.env.SECURE_RUN_STATE_DIR = state;
    try {
      const at = join(tmp.dir, "oci");
      const id = await writeOci(at, zstdImage("echo zstd"), "z");
      const index = JSON.parse(readFileSync(join(at, "index.json"), "utf8")) as {
        manifests: { digest: string }[];
      };
      const manifest = JSON.parse(
        readFileSync(join(at, "blobs/sha256", (index.manifests[0]?.digest ?? "").slice(7)), "utf8"),
      ) as { layers: { mediaType: string; digest: string }[] };
      assert.deepEqual(
        manifest.layers.map((l) => l.mediaType),
        Array(2).fill("application/vnd.oci.image.layer.v1.tar+zstd"),
      );
      const first = readFileSync(
        join(at, "blobs/sha256", (manifest.layers[0]?.digest ?? "").slice(7)),
      );
      assert.deepEqual([...first.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], "zstd's magic");

      const s = imageStore({ create: true });
      const r = await loadImage(s, { kind: "oci", dir: at, tag: "z" });
      assert.equal(r.image.id, id);
      assert.equal(r.unpacked, 2);
      const root = ensureRoot(s, r.image);
      assert.equal(readFileSync(join(root, "etc/motd"), "utf8"), "hello from the image\n");
      assert.equal(statSync(join(root, "etc/motd-link")).ino, statSync(join(root, "etc/motd")).ino);
      assert.deepEqual(readdirSync(join(root, "srv/opaque")), ["new.txt"]);
      assert.throws(() => lstatSync(join(root, "etc/gone.txt")), /ENOENT/);
      assert.deepEqual(
        readFileSync(join(root, "bin/busybox")),
        readFileSync("/bin/busybox"),
        "the three frames are one stream",
      );

      // The gzip twin has the same layers (diff_ids): nothing to unpack again.
      const gz = join(tmp.dir, "gzip.tar");
      const def = testImage();
      await writeDockerArchive(gz, { ...def, config: { ...def.config, Cmd: ["echo gzip"] } });
      const twin = await loadImage(s, { kind: "docker-archive", file: gz });
      assert.equal(twin.unpacked, 0, "the zstd and gzip layers are the same layers");
      assert.deepEqual(readdirSync(join(s.root, "tmp")), []);
    } finally {
      delete process.env.SECURE_RUN_STATE_DIR;
    }
  });

  test(
    "an app runs from an image of zstd layers",
    { skip: canLaunch ? false : "real launches run as root (or as the test user)" },
    async () => {
      const at = join(tmp.dir, "oci-run");
      await writeOci(at, zstdImage('echo "from zstd as $(id -u)"; cat /etc/motd'), "run");
      const file = tmp.write(
        "zstd.yaml",
        `apiVersion: secure-run/v1\nkind: App\nname: zstd\nroot: { image: "oci:./oci-run:run" }\n` +
          `syscalls: { profiles: [process] }\n`,
      );
      const r = cli(["run", file], {
        env: { SECURE_RUN_STATE_DIR: join(tmp.dir, "state-run") },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "from zstd as 1000\nhello from the image\n");
    },
  );
});

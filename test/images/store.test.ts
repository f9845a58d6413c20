/** The image store, through the library: an OCI layout and a docker archive made in the test are
 * loaded, their layers unpacked once and shared, whiteouts, the opaque directory, the hard link
 * and the symbolic links as overlayfs would show them; names, removal and prune. */
import assert from "node:assert/strict";
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { pathInRoot, readAccounts } from "../../src/host/identity.js";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ImageError } from "../../src/images/errors.js";
import { layerFormat } from "../../src/images/format.js";
import { execAddon } from "../../src/native/exec.cjs";
import {
  ensureRoot,
  findImage,
  imageLayers,
  imageStore,
  listImages,
  loadImage,
  parseSource,
  pruneImages,
  removeImages,
  rootOf,
} from "../../src/images/store.js";
import { tempDir } from "../helpers.js";
import { testImage, writeDockerArchive, writeOci } from "./build.js";

const tmp = tempDir("image-store");
const oci = join(tmp.dir, "oci");
const archive = join(tmp.dir, "busybox.tar");
let ociId = "";
let archiveId = "";

describe("image store", () => {
  before(async () => {
    process.env.SECURE_RUN_STATE_DIR = join(tmp.dir, "state");
    ociId = await writeOci(oci, testImage(), "v1");
    // The same layers, another config: another image that shares both layers.
    const def = testImage();
    archiveId = await writeDockerArchive(archive, {
      ...def,
      config: { ...def.config, Cmd: ["echo archive"] },
    });
  });
  after(() => {
    delete process.env.SECURE_RUN_STATE_DIR;
    tmp.remove();
  });

  test("references: oci:DIR[:TAG], docker-archive:FILE, else a name", () => {
    assert.deepEqual(parseSource("oci:/a/b:v1"), { kind: "oci", dir: "/a/b", tag: "v1" });
    assert.deepEqual(parseSource("oci:/a/b"), { kind: "oci", dir: "/a/b" });
    assert.deepEqual(parseSource("docker-archive:/x.tar"), {
      kind: "docker-archive",
      file: "/x.tar",
    });
    assert.equal(parseSource("busybox:latest"), undefined);
  });

  test("an OCI layout loads: layers applied with whiteouts, opaque dir, hard link, link chain", async () => {
    const s = imageStore({ create: true });
    const r = await loadImage(s, { kind: "oci", dir: oci, tag: "v1" });
    assert.equal(r.image.id, ociId);
    assert.deepEqual(r.image.names, ["v1"]);
    assert.equal(r.unpacked, 2);
    // The root as the fallback shows it: the layers applied into one directory, on first use.
    assert.ok(!existsSync(rootOf(s, r.image.id)), "no flattened root is made by a load");
    const root = ensureRoot(s, r.image);
    assert.equal(readFileSync(join(root, "etc/motd"), "utf8"), "hello from the image\n");
    assert.equal(
      statSync(join(root, "etc/motd-link")).ino,
      statSync(join(root, "etc/motd")).ino,
      "the hard link",
    );
    assert.throws(
      () => lstatSync(join(root, "etc/gone.txt")),
      /ENOENT/,
      "a whiteout removes a file",
    );
    assert.throws(
      () => lstatSync(join(root, "srv/removed")),
      /ENOENT/,
      "a whiteout removes a directory",
    );
    assert.deepEqual(
      readdirSync(join(root, "srv/opaque")),
      ["new.txt"],
      "an opaque directory hides the lower one's",
    );
    assert.equal(readlinkSync(join(root, "usr/bin/hello")), "/bin/hi");
    assert.equal(readlinkSync(join(root, "bin/hi")), "sh");
    assert.equal(readlinkSync(join(root, "bin/sh")), "busybox");
    assert.ok(
      !readdirSync(join(root, "etc")).some((n) => n.startsWith(".wh.")),
      "no whiteout file is left in the root",
    );
    // Root's store shifts the ids into the sandboxes' range; a user's keeps every file its own.
    const shift = lstatSync(join(root, "etc")).uid;
    assert.equal(
      lstatSync(join(root, "home/app")).uid - shift,
      process.geteuid?.() === 0 ? 1000 : 0,
    );
    if (process.geteuid?.() === 0) assert.ok(shift >= 65536, `root's store maps uid 0 to ${shift}`);
    assert.deepEqual(r.image.config.Entrypoint, ["/bin/sh", "-c"]);
  });

  test("a docker archive of the same layers loads, sharing the unpacked layers", async () => {
    const s = imageStore({ create: true });
    const before = readdirSync(join(s.root, "layers")).length;
    const r = await loadImage(s, { kind: "docker-archive", file: archive });
    assert.equal(r.image.id, archiveId);
    assert.equal(r.unpacked, 0, "both layers were in the store already");
    assert.equal(readdirSync(join(s.root, "layers")).length, before);
    assert.deepEqual(r.image.names, ["test/busybox:latest"]);
    assert.equal(findImage(s, "test/busybox:latest").id, archiveId);
    assert.equal(
      readFileSync(join(ensureRoot(s, r.image), "srv/opaque/new.txt"), "utf8"),
      "only this one\n",
    );
    assert.deepEqual(readdirSync(join(s.root, "tmp")), [], "nothing left in staging");
  });

  test("a docker archive in Docker 25's layout (blobs/sha256/) loads too", async () => {
    const file = join(tmp.dir, "blobs.tar");
    const def = testImage();
    const id = await writeDockerArchive(
      file,
      { ...def, config: { Cmd: ["blobs"] } },
      "blobs:1",
      true,
    );
    const r = await loadImage(imageStore({ create: true }), { kind: "docker-archive", file });
    assert.equal(r.image.id, id);
    assert.deepEqual(r.image.config.Cmd, ["blobs"]);
    assert.equal(r.unpacked, 0, "the layers were in the store already");
    await removeImages(imageStore(), ["blobs:1"]);
  });

  test("layers are stored as overlayfs reads them: whiteouts, the opaque attribute, the format", () => {
    const s = imageStore();
    const r = findImage(s, "v1");
    const [top, bottom] = imageLayers(s, r);
    assert.ok(top && bottom);
    const gone = lstatSync(join(top, "etc/gone.txt"));
    assert.ok(gone.isCharacterDevice() && gone.rdev === 0, "a whiteout is a character device 0:0");
    assert.ok(lstatSync(join(top, "srv/removed")).isCharacterDevice());
    assert.ok(!readdirSync(join(top, "srv/opaque")).includes(".wh..wh..opq"));
    const xattr = process.geteuid?.() === 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
    const fs = execAddon();
    assert.ok(fs);
    assert.equal(fs.getXattr(join(top, "srv/opaque"), xattr), "y");
    assert.equal(fs.getXattr(join(top, "srv"), xattr), null);
    assert.equal(fs.getXattr(join(bottom, "srv/opaque"), xattr), null);
    for (const l of r.layers) {
      const path = `${join(s.root, "layers", l.slice(7))}.json`;
      const meta = JSON.parse(readFileSync(path, "utf8")) as { format?: string };
      assert.equal(meta.format, layerFormat());
    }
  });

  test("a layer of an older store is never read as this format: refused with the fix, loaded anew", async () => {
    const s = imageStore({ create: true });
    const r = findImage(s, "v1");
    const top = r.layers[1] ?? "";
    const meta = `${join(s.root, "layers", top.slice(7))}.json`;
    const old = JSON.parse(readFileSync(meta, "utf8")) as Record<string, unknown>;
    delete old.format;
    writeFileSync(meta, JSON.stringify(old));
    assert.throws(
      () => imageLayers(s, r),
      (e: unknown) =>
        e instanceof ImageError &&
        /stored in format \(none\), not overlay-(trusted|user)\/1/.test(e.message) &&
        /load the image again, which unpacks its layers anew: secure-run load /.test(e.hint ?? ""),
    );
    assert.throws(() => ensureRoot(s, r), /stored in format \(none\)/, "nor flattened");
    const again = await loadImage(s, { kind: "oci", dir: oci, tag: "v1" });
    assert.equal(again.existed, false, "not taken as loaded");
    assert.equal(again.unpacked, 1, "the old layer is unpacked anew, the other kept");
    assert.equal(imageLayers(s, r).length, 2);
  });

  test("loading again changes nothing; rmi keeps shared layers; prune removes the unused", async () => {
    const s = imageStore({ create: true });
    const again = await loadImage(s, { kind: "oci", dir: oci, tag: "v1" });
    assert.equal(again.existed, true);
    await loadImage(s, { kind: "oci", dir: oci, tag: "v1" }, { names: ["second"] });
    await removeImages(s, ["v1"]);
    assert.deepEqual(
      findImage(s, "second").names,
      ["second"],
      "a name of several is only untagged",
    );
    await removeImages(s, [ociId]);
    assert.equal(listImages(s).length, 1);
    assert.equal(
      readdirSync(join(s.root, "layers")).filter((f) => !f.endsWith(".json")).length,
      2,
      "the archive's image still uses both layers",
    );
    assert.throws(() => findImage(s, "v1"), /No such image: v1/);
    const pruned = await pruneImages(s, { all: true });
    assert.equal(pruned.images.length, 1);
    assert.equal(pruned.layers.length, 2);
    assert.deepEqual(readdirSync(join(s.root, "layers")), []);
    assert.deepEqual(readdirSync(join(s.root, "roots")), []);
  });

  test("what a launch holds is not removed: rmi of images sharing it refuses all; prune keeps it", async () => {
    const s = imageStore({ create: true });
    await loadImage(s, { kind: "oci", dir: oci, tag: "v1" });
    await loadImage(s, { kind: "docker-archive", file: archive });
    const [top] = imageLayers(s, findImage(s, "v1"));
    const addon = execAddon();
    assert.ok(addon && top);
    // The launcher's hold (native/launcher/rootfs.c): a shared flock on a layer it opened.
    const fd = openSync(top, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      assert.equal(addon.flock(fd, false, false), true);
      // Both images have the layer: the second to go is the one that would take it with it.
      await assert.rejects(removeImages(s, [ociId, archiveId]), (e: Error) => {
        assert.equal(e.name, "ImageHeld");
        assert.match(
          e.message,
          new RegExp(
            `^image ${archiveId} \\(${archiveId.slice(7, 19)}\\) is being used by a running launch \\(process ${process.pid}\\); it was left as it is$`,
          ),
        );
        return true;
      });
      assert.equal(listImages(s).length, 2, "nothing was removed");
      // One of them may go: the other keeps the layer.
      await removeImages(s, [ociId]);
      assert.deepEqual(
        listImages(s).map((r) => r.id),
        [archiveId],
      );
      const pruned = await pruneImages(s, { all: true });
      assert.deepEqual(pruned.images, []);
      assert.deepEqual(
        pruned.held.map((r) => r.id),
        [archiveId],
      );
      assert.ok(existsSync(top), "the held layer is there");
    } finally {
      closeSync(fd);
    }
    const pruned = await pruneImages(s, { all: true });
    assert.deepEqual(
      pruned.images.map((r) => r.id),
      [archiveId],
    );
    assert.equal(pruned.layers.length, 2);
    assert.deepEqual(readdirSync(join(s.root, "layers")), []);
  });

  test("a flattened root half made by a process gone is cleared by the next load; a live one's is kept", async () => {
    const s = imageStore({ create: true });
    const dead = join(s.root, "roots/.tmp-999999999-0123");
    const live = join(s.root, `roots/.tmp-${process.pid}-4567`);
    mkdirSync(join(dead, "usr"), { recursive: true });
    mkdirSync(live, { recursive: true });
    await loadImage(s, { kind: "oci", dir: oci, tag: "v1" });
    assert.ok(!existsSync(dead), "the dead process's is removed");
    assert.ok(existsSync(live), "a running process's is left to it");
    rmSync(live, { recursive: true });
    await pruneImages(s, { all: true });
  });

  test("two loads at once: one unpacks, the other waits for the lock and finds the image", async () => {
    const s = imageStore({ create: true });
    const src = { kind: "oci", dir: oci, tag: "v1" } as const;
    const [a, b] = await Promise.all([loadImage(s, src), loadImage(s, src)]);
    assert.deepEqual([a.existed, b.existed].sort(), [false, true]);
    assert.equal(a.unpacked + b.unpacked, 2);
    assert.equal(listImages(s).length, 1);
  });

  test("an image's /etc/passwd is read as the sandbox sees it: its links never lead to the host's files", () => {
    const r = join(tmp.dir, "links");
    mkdirSync(join(r, "etc"), { recursive: true });
    writeFileSync(join(r, "etc/real"), "app:x:7:7::/:/bin/sh\n");
    symlinkSync("/etc/real", join(r, "etc/passwd"));
    symlinkSync("../../../../../etc/shadow", join(r, "etc/group"));
    assert.equal(pathInRoot(r, "etc/passwd"), join(r, "etc/real"));
    assert.equal(pathInRoot(r, "etc/group"), undefined, "the image has no /etc/shadow");
    assert.deepEqual(readAccounts(r), { passwd: "app:x:7:7::/:/bin/sh\n", group: "" });
  });
});

/** Hostile images: tar-level attacks on the image store. Each archive is refused with an error
 * that names the entry and why, and nothing is left behind: no file outside the store, nothing in
 * its staging, no layer, root or image record. Every case is tried as an OCI layout and as a
 * docker archive. */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ImageError } from "../../src/images/errors.js";
import { imageStore, loadImage, type Source } from "../../src/images/store.js";
import { tempDir } from "../helpers.js";
import {
  busyboxEntries,
  writeDockerArchive,
  writeOci,
  type Entry,
  type ImageDef,
} from "../images/build.js";

const tmp = tempDir("image-hostile");
const state = join(tmp.dir, "state");

/** Every name below `dir`, recursively. */
function names(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" });
}

function assertNothingLeft(): void {
  const store = join(state, "images");
  for (const d of ["tmp", "layers", "roots", "images"])
    assert.deepEqual(names(join(store, d)), [], `nothing is left in the store's ${d}/`);
  assert.ok(!existsSync(join(store, "lock")), "the lock is released");
  const outside = names(tmp.dir).filter((n) => /evil|pwned/.test(n) && !n.startsWith("src-"));
  assert.deepEqual(outside, [], "no entry landed outside its layer");
}

let n = 0;
async function refused(def: ImageDef, pattern: RegExp): Promise<void> {
  for (const kind of ["oci", "docker-archive"] as const) {
    const at = join(tmp.dir, `src-${n++}`);
    let src: Source;
    if (kind === "oci") {
      await writeOci(at, def);
      src = { kind, dir: at };
    } else {
      await writeDockerArchive(at, def);
      src = { kind, file: at };
    }
    await assert.rejects(
      loadImage(imageStore({ create: true }), src),
      (e: unknown) => {
        assert.ok(e instanceof ImageError, `an ImageError, not ${String(e)}`);
        assert.match(e.message, pattern);
        assert.equal(e.exitCode, 2);
        return true;
      },
      `${kind}: refused`,
    );
    assertNothingLeft();
  }
}

/** A harmless first layer, so that a refusal also has to remove a layer already unpacked. */
const base = { entries: busyboxEntries().slice(0, 3) };
const file = (name: string, body = "x"): Entry => ({ name, mode: 0o644, body });

describe("hostile image archives", () => {
  before(() => {
    process.env.SECURE_RUN_STATE_DIR = state;
  });
  after(() => {
    delete process.env.SECURE_RUN_STATE_DIR;
    tmp.remove();
  });

  test('a "../" name is refused', async () => {
    await refused(
      { layers: [base, { entries: [file("../../../evil")] }] },
      /entry "\.\.\/\.\.\/\.\.\/evil": a "\.\." component/,
    );
    await refused({ layers: [{ entries: [file("a/../../evil")] }] }, /a "\.\." component/);
  });

  test("an absolute name is refused", async () => {
    await refused({ layers: [base, { entries: [file(`${tmp.dir}/evil`)] }] }, /an absolute name/);
  });

  test("a symbolic link, then a file through it, is refused (the link is never followed)", async () => {
    await refused(
      {
        layers: [
          {
            entries: [{ name: "escape", type: "symlink", linkname: tmp.dir }, file("escape/pwned")],
          },
        ],
      },
      /entry "escape\/pwned": its parent "escape" is a symbolic link/,
    );
    await refused(
      {
        layers: [
          {
            entries: [
              { name: "up", type: "symlink", linkname: ".." },
              { name: "up/evil/", type: "directory", mode: 0o755 },
            ],
          },
        ],
      },
      /its parent "up" is a symbolic link/,
    );
  });

  test("a hard link out of the layer, or to a link, is refused", async () => {
    await refused(
      { layers: [{ entries: [{ name: "evil", type: "link", linkname: "../../etc/passwd" }] }] },
      /a hard link to "\.\.\/\.\.\/etc\/passwd": a "\.\." component/,
    );
    await refused(
      {
        layers: [
          {
            entries: [
              { name: "l", type: "symlink", linkname: "/etc/shadow" },
              { name: "evil", type: "link", linkname: "l" },
            ],
          },
        ],
      },
      /not a regular file earlier in the same layer/,
    );
  });

  test("device nodes are refused", async () => {
    await refused(
      {
        layers: [
          base,
          {
            entries: [
              { name: "evil-mem", type: "character-device", devmajor: 1, devminor: 1, mode: 0o666 },
            ],
          },
        ],
      },
      /entry "evil-mem": a character device \(1:1\): device nodes are refused/,
    );
    await refused(
      {
        layers: [
          {
            entries: [
              { name: "evil-sda", type: "block-device", devmajor: 8, devminor: 0, mode: 0o660 },
            ],
          },
        ],
      },
      /a block device \(8:0\)/,
    );
  });

  test("whiteouts: only plain files, never of the layer's own entries, never through a link", async () => {
    await refused(
      { layers: [base, { entries: [file("x"), file(".wh.x", "")] }] },
      /entry "\.wh\.x": a whiteout of "x", an entry of its own layer/,
    );
    await refused(
      { layers: [base, { entries: [file(".wh.etc", ""), file("etc/evil")] }] },
      /entry "etc\/evil": its parent "etc" is not a directory/,
    );
    await refused(
      {
        layers: [base, { entries: [{ name: ".wh.x", type: "symlink", linkname: "/etc/passwd" }] }],
      },
      /entry "\.wh\.x": a whiteout that is not a plain file/,
    );
    await refused(
      { layers: [base, { entries: [file("etc/.wh..", "")] }] },
      /entry "etc\/\.wh\.\.": a whiteout of no name of its directory/,
    );
    await refused(
      {
        layers: [
          base,
          {
            entries: [
              { name: "escape", type: "symlink", linkname: tmp.dir },
              file("escape/.wh.pwned", ""),
              file("escape/.wh..wh..opq", ""),
            ],
          },
        ],
      },
      /entry "escape\/\.wh\.pwned": its parent "escape" is a symbolic link/,
    );
  });

  test("a layer whose digest does not match is refused", async () => {
    const at = join(tmp.dir, "src-digest");
    await writeOci(at, { layers: [base], tamperedWith: { entries: [file("evil")] } });
    await assert.rejects(
      loadImage(imageStore({ create: true }), { kind: "oci", dir: at }),
      /the blob's digest is sha256:[0-9a-f]{64}, the manifest says sha256:/,
    );
    assertNothingLeft();
  });

  test("a docker archive whose layer does not match the config's diff_id is refused", async () => {
    const at = join(tmp.dir, "src-diffid.tar");
    await writeDockerArchive(at, { layers: [base], tamperedWith: { entries: [file("evil")] } });
    await assert.rejects(
      loadImage(imageStore({ create: true }), { kind: "docker-archive", file: at }),
      /layer\.tar: the uncompressed layer's digest is sha256:[0-9a-f]{64}, the config's diff_id is sha256:/,
    );
    assertNothingLeft();
  });

  test("a damaged zstd layer is refused, naming the error; nothing is kept", async () => {
    // The blob's digest is the damaged blob's: only the decompression can tell.
    const zstdLayer = (damage: (b: Buffer) => Buffer) => ({
      entries: [file("etc/evil-zstd"), ...busyboxEntries()],
      zstd: true,
      damage,
    });
    const cannot = "a zstd-compressed layer that cannot be decompressed";
    // A reserved bit of the frame header set.
    await refused(
      {
        layers: [
          base,
          zstdLayer((b) =>
            Buffer.concat([b.subarray(0, 4), Buffer.from([(b[4] ?? 0) | 8]), b.subarray(5)]),
          ),
        ],
      },
      new RegExp(`${cannot}: invalid zstd data`),
    );
    // Cut short in the middle of a block.
    await refused(
      { layers: [base, zstdLayer((b) => b.subarray(0, b.length >> 1))] },
      new RegExp(`${cannot}: unexpected EOF`),
    );
    // A valid frame followed by bytes that are not one.
    await refused(
      {
        layers: [
          base,
          zstdLayer((b) => Buffer.concat([b, Buffer.from("not a zstd frame at all")])),
        ],
      },
      new RegExp(`${cannot}: invalid zstd data`),
    );
  });

  test("what a killed load left (staging, its lock) is cleared by the next one", async () => {
    const s = imageStore({ create: true });
    mkdirSync(join(s.root, "tmp/0123456789abcdef/layer-0/usr"), { recursive: true });
    writeFileSync(join(s.root, "lock"), "999999999");
    const at = join(tmp.dir, "src-after-kill");
    await writeOci(at, { layers: [base] });
    const r = await loadImage(s, { kind: "oci", dir: at });
    assert.equal(r.unpacked, 1);
    assert.deepEqual(readdirSync(join(s.root, "tmp")), []);
    assert.ok(!existsSync(join(s.root, "lock")));
  });
});

/** Removing an instance's tree (src/instances/remove.ts): a link planted in it is unlinked, not
 * followed; a mount in it — a bind of the same file system too, made in a private mount namespace
 * (unshare -m, root only) — is refused, not emptied. The launcher's own walk (--remove-tree) has
 * its tests in native/tests/rmtree_test.sh. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { removeOwnTree, removeTree } from "../../src/host/remove-tree.js";
import { isRoot, root, tempDir } from "../helpers.js";

const tmp = tempDir("remove");
after(() => tmp.remove());

function outside(name: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "sub"), { recursive: true });
  tmp.write(`${name}/file`, "keep\n");
  tmp.write(`${name}/sub/file`, "keep\n");
  return dir;
}

test("removeTree: links planted in the tree are unlinked; what they point to is kept", () => {
  const out = outside("out-links");
  const tree = join(tmp.dir, "links");
  mkdirSync(join(tree, "upper/etc/deep"), { recursive: true });
  symlinkSync(out, join(tree, "upper/etc/to-dir"));
  symlinkSync(join(out, "file"), join(tree, "upper/etc/deep/to-file"));
  symlinkSync("../../../out-links", join(tree, "upper/relative"));
  removeTree(tree);
  assert.equal(existsSync(tree), false);
  assert.deepEqual(readdirSync(out).sort(), ["file", "sub"]);
  assert.equal(readFileSync(join(out, "sub/file"), "utf8"), "keep\n");
  // The tree itself a link: the link goes, not its target.
  const link = join(tmp.dir, "tree-link");
  symlinkSync(out, link);
  removeOwnTree(link);
  assert.equal(existsSync(link), false);
  assert.deepEqual(readdirSync(out).sort(), ["file", "sub"]);
});

test(
  "removeTree: a bind mount in the tree (same file system) is refused, not emptied; so is a tree that is a mount point",
  { skip: isRoot ? false : "root makes the mounts (unshare -m)" },
  () => {
    const out = outside("out-bind");
    const tree = join(tmp.dir, "bind");
    mkdirSync(join(tree, "upper/bound"), { recursive: true });
    tmp.write("bind/upper/f", "x\n");
    const remove = join(root, "dist/src/host/remove-tree.js");
    const script =
      `import(${JSON.stringify(remove)}).then((m) => { for (const d of process.argv.slice(1)) ` +
      `try { m.removeTree(d); console.log("removed"); } catch (e) { ` +
      `console.log(e instanceof m.RemoveError ? e.message : "other: " + e.message); } })`;
    const r = spawnSync(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind "$1" "$2/upper/bound" && mount --bind "$1" "$1" && ' +
          'exec "$3" -e "$4" "$2" "$1"',
        "sh",
        out,
        tree,
        process.execPath,
        script,
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `cannot remove ${join(tree, "upper/bound")}: it is a mount point`,
      `cannot remove ${out}: it is a mount point`,
    ]);
    assert.deepEqual(readdirSync(out).sort(), ["file", "sub"], "what the bind showed is kept");
    assert.equal(readFileSync(join(out, "sub/file"), "utf8"), "keep\n");
    // Outside that namespace there is no mount: the rest goes.
    removeTree(tree);
    assert.equal(existsSync(tree), false);
  },
);

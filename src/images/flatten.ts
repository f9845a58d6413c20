/** An image's root assembled from its unpacked layers, lowest first, as overlayfs would show them:
 * a whiteout `.wh.NAME` removes NAME of the layers below, an opaque marker `.wh..wh..opq` empties
 * its directory of them; files are hard links to the layer's own (no data is copied, the layers
 * stay shared). `root` is a fresh private directory; no link is ever followed (every step is an
 * lstat, and only real directories made or checked by this walk are entered). */
import { promises as fsp, type Stats } from "node:fs";
import { join } from "node:path";

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";

async function lstatOr(path: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Directory metadata is set last (deepest first), once the tree below is complete. */
type DirMeta = { path: string; st: Stats };

async function apply(layer: string, root: string, rel: string, dirs: DirMeta[]): Promise<void> {
  const from = join(layer, rel);
  const to = join(root, rel);
  const names = await fsp.readdir(from);
  if (names.includes(OPAQUE))
    for (const n of await fsp.readdir(to)) await fsp.rm(join(to, n), { recursive: true });
  for (const n of names) {
    if (n === OPAQUE || !n.startsWith(WH)) continue;
    await fsp.rm(join(to, n.slice(WH.length)), { recursive: true, force: true });
  }
  for (const n of names) {
    if (n.startsWith(WH)) continue;
    const src = join(from, n);
    const dst = join(to, n);
    const st = await fsp.lstat(src);
    const have = await lstatOr(dst);
    if (st.isDirectory()) {
      if (have && !have.isDirectory()) await fsp.rm(dst, { recursive: true });
      if (!have || !have.isDirectory()) await fsp.mkdir(dst, { mode: 0o700 });
      await fsp.lchown(dst, st.uid, st.gid).catch(ignoreEperm);
      dirs.push({ path: dst, st });
      await apply(layer, root, join(rel, n), dirs);
      continue;
    }
    if (have) await fsp.rm(dst, { recursive: true });
    if (st.isSymbolicLink()) {
      await fsp.symlink(await fsp.readlink(src), dst);
      await fsp.lchown(dst, st.uid, st.gid).catch(ignoreEperm);
    } else {
      await fsp.link(src, dst);
    }
  }
}

/** A rootless store cannot give files away: they stay the caller's. */
function ignoreEperm(e: NodeJS.ErrnoException): void {
  if (e.code !== "EPERM") throw e;
}

export async function flatten(layers: string[], root: string): Promise<void> {
  const dirs: DirMeta[] = [];
  for (const l of layers) await apply(l, root, "", dirs);
  // A directory listed twice (in two layers) takes the upper layer's metadata: the later entry.
  const last = new Map<string, Stats>();
  for (const d of dirs) last.set(d.path, d.st);
  for (const [path, st] of [...last].reverse()) {
    // Removed by a whiteout of a later layer.
    if (!(await lstatOr(path))?.isDirectory()) continue;
    await fsp.chmod(path, st.mode & 0o1777);
    await fsp.utimes(path, st.atime, st.mtime);
  }
  await fsp.chmod(root, 0o755);
}

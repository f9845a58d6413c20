/** An image's root assembled from its stored layers, lowest first, as overlayfs shows them (the
 * fallback where the root cannot be an overlay of the layers): a whiteout (a character device
 * 0:0, format.ts) removes its name of the layers below, a directory with the opaque attribute
 * hides theirs; files are hard links to the layer's own (no data is copied, the layers stay
 * shared). `root` is a fresh private directory; no link is ever followed (every step is an
 * lstat, and only real directories made or checked by this walk are entered). */
import {
  chmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  type Stats,
} from "node:fs";
import { join } from "node:path";
import { isOpaque, isWhiteout } from "./format.js";

function lstatOr(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Directory metadata is set last (deepest first), once the tree below is complete. */
type DirMeta = { path: string; st: Stats };

function apply(layer: string, root: string, rel: string, dirs: DirMeta[]): void {
  const from = join(layer, rel);
  const to = join(root, rel);
  const names = readdirSync(from);
  if (rel !== "" && isOpaque(from))
    for (const n of readdirSync(to)) rmSync(join(to, n), { recursive: true });
  for (const n of names) {
    const src = join(from, n);
    const dst = join(to, n);
    const st = lstatSync(src);
    if (isWhiteout(st)) {
      rmSync(dst, { recursive: true, force: true });
      continue;
    }
    const have = lstatOr(dst);
    if (st.isDirectory()) {
      if (have && !have.isDirectory()) rmSync(dst, { recursive: true });
      if (!have || !have.isDirectory()) mkdirSync(dst, { mode: 0o700 });
      chownKeep(dst, st);
      dirs.push({ path: dst, st });
      apply(layer, root, join(rel, n), dirs);
      continue;
    }
    if (have) rmSync(dst, { recursive: true });
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dst);
      chownKeep(dst, st);
    } else {
      linkSync(src, dst);
    }
  }
}

/** The layer's owner; a rootless store cannot give files away (they stay the caller's). */
function chownKeep(path: string, st: Stats): void {
  try {
    lchownSync(path, st.uid, st.gid);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") throw e;
  }
}

export function flatten(layers: string[], root: string): void {
  const dirs: DirMeta[] = [];
  for (const l of layers) apply(l, root, "", dirs);
  // A directory listed twice (in two layers) takes the upper layer's metadata: the later entry.
  const last = new Map<string, Stats>();
  for (const d of dirs) last.set(d.path, d.st);
  for (const [path, st] of [...last].reverse()) {
    // Removed by a whiteout of a later layer.
    if (!lstatOr(path)?.isDirectory()) continue;
    chmodSync(path, st.mode & 0o1777);
    utimesSync(path, st.atime, st.mtime);
  }
  chmodSync(root, 0o755);
}

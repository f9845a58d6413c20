/** Removing an instance's directory — with a writable layer, a tree the app wrote. The walk is our
 * own rather than fs.rmSync: it never follows a link (lstat; a link is unlinked, not entered), it
 * never crosses into another file system (a mount left in the tree, e.g. an overlay or a bind of
 * the host, is refused, not emptied), and a directory that is replaced while it is walked is
 * refused. It runs only once no process of the instance is left. */
import { SecureRunError } from "../errors.js";
import {
  chmodSync,
  lstatSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
  type BigIntStats,
} from "node:fs";
import { join } from "node:path";

export class RemoveError extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_REMOVE";
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`cannot remove ${path}: ${why}`);
    this.name = "RemoveError";
  }
}

const lst = (p: string): BigIntStats | undefined =>
  lstatSync(p, { bigint: true, throwIfNoEntry: false });

export function removeTree(root: string): void {
  const st = lst(root);
  if (!st) return;
  if (!st.isDirectory()) {
    unlinkSync(root);
    return;
  }
  walk(root, st, st.dev);
}

function walk(dir: string, st: BigIntStats, dev: bigint): void {
  if (st.dev !== dev) throw new RemoveError(dir, "another file system is mounted there");
  const uid = BigInt(process.geteuid?.() ?? 0);
  // A directory the app made read-only (its own, as a user) is opened up to be emptied.
  if (uid !== 0n && st.uid === uid && (st.mode & 0o700n) !== 0o700n)
    chmodSync(dir, Number(st.mode & 0o7777n) | 0o700);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const again = lst(dir);
  if (!again) return;
  if (!again.isDirectory() || again.ino !== st.ino || again.dev !== st.dev)
    throw new RemoveError(dir, "it was replaced while it was removed");
  for (const name of entries) {
    const p = join(dir, name);
    const child = lst(p);
    if (!child) continue;
    if (child.isDirectory()) walk(p, child, dev);
    else
      try {
        unlinkSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
  }
  try {
    rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

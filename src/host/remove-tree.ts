/** Removing an instance's directory — with a writable layer, a tree the app wrote. The walk is our
 * own rather than fs.rmSync: it never follows a link (lstat; a link is unlinked, not entered), it
 * never crosses into another file system or mount (a mount left in the tree, e.g. an overlay or a
 * bind of the host — of the same file system too — is refused, not emptied), and a directory that
 * is replaced while it is walked is refused. It runs only once no process of the instance is left.
 *
 * A user's app with a range of ids (/etc/subuid, /etc/subgid) may leave files of those ids in its
 * layer (a chown inside), which the user cannot remove as itself: removeOwnTree then has the
 * launcher remove the tree in a user namespace mapped with the user's ranges, where the user is
 * root over them (`secure-run-launch --remove-tree`, native/launcher/rmtree.c), as `podman
 * unshare rm -rf` does. */
import { spawnSync } from "node:child_process";
import { SecureRunError } from "../errors.js";
import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  unlinkSync,
  type BigIntStats,
} from "node:fs";
import { join } from "node:path";
import { paths } from "../paths.cjs";

export class RemoveError extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_REMOVE";
  constructor(
    readonly path: string,
    why: string,
    readonly hint?: string,
  ) {
    super(`cannot remove ${path}: ${why}`);
    this.name = "RemoveError";
  }
}

const lst = (p: string): BigIntStats | undefined =>
  lstatSync(p, { bigint: true, throwIfNoEntry: false });

/** The mount points at or below `root` (a canonical path), from /proc/self/mountinfo: a bind of
 * the same file system has the same st_dev, and is told from its directory only there. */
function mountsAt(root: string): Set<string> {
  const below = new Set<string>();
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return below;
  }
  const prefix = root === "/" ? "/" : `${root}/`;
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (!field) continue;
    // Spaces, tabs, newlines and backslashes are octal escapes there.
    const point = field.replace(/\\([0-7]{3})/g, (_m, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    if (point === root || point.startsWith(prefix)) below.add(point);
  }
  return below;
}

export function removeTree(root: string): void {
  const st = lst(root);
  if (!st) return;
  if (!st.isDirectory()) {
    unlinkSync(root);
    return;
  }
  const real = realpathSync(root);
  walk(root, st, st.dev, { real, mounts: mountsAt(real) });
}

/** Where the walk is in canonical terms (`real`), to be compared with the mount points below. */
interface Mounts {
  real: string;
  mounts: Set<string>;
}

function walk(dir: string, st: BigIntStats, dev: bigint, m: Mounts): void {
  if (st.dev !== dev) throw new RemoveError(dir, "another file system is mounted there");
  if (m.mounts.has(m.real)) throw new RemoveError(dir, "it is a mount point");
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
    if (child.isDirectory()) walk(p, child, dev, { real: join(m.real, name), mounts: m.mounts });
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

/** removeTree for what an instance leaves; for a user whose removal was refused (EACCES, EPERM:
 * files of its subordinate ids, made by its app in the layer), again with the launcher in a user
 * namespace mapped with the user's ranges. When even that fails, says what was left and why. */
export function removeOwnTree(root: string): void {
  let first: NodeJS.ErrnoException;
  try {
    removeTree(root);
    return;
  } catch (e) {
    first = e as NodeJS.ErrnoException;
    const uid = process.geteuid?.() ?? 0;
    if (uid === 0 || (first.code !== "EACCES" && first.code !== "EPERM")) throw e;
  }
  const r = spawnSync(paths.launcher, ["--remove-tree", root], {
    encoding: "utf8",
    env: {},
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 300_000,
    killSignal: "SIGKILL",
  });
  if (r.status === 0) return;
  // What the launcher left, a line each, and its summary (it shows control characters of the
  // app's names escaped; Node's messages do not).
  const said = (r.stderr ?? "")
    .split("\n")
    .map((l) => l.replace(/^secure-run-launch: (--remove-tree: )?/, "").trim())
    .filter(Boolean);
  const shown =
    said.length > 11 ? [...said.slice(0, 10), `… (${said.length - 10} lines more)`] : said;
  const how = r.error
    ? [r.error.message]
    : r.signal
      ? [`the launcher was ended by ${r.signal}`]
      : shown.length > 0
        ? shown
        : [`the launcher exited with ${r.status}`];
  throw new RemoveError(
    root,
    `${printable(first.message)}\n  and removing it in a user namespace with your subordinate ids ` +
      `(/etc/subuid, /etc/subgid) failed too:\n    ${how.map(printable).join("\n    ")}`,
    "files of your subordinate ids can be removed by root, or with `podman unshare rm -rf DIR` " +
      "where Podman is installed",
  );
}

/** A message naming the app's files, fit for a terminal: control characters (C0, DEL, C1) as
 * \xNN. */
function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** What a launch holds of the image store, and what its removal must get first. A launch holds
 * each layer of its image's root, or its flattened root, for as long as it runs: the launcher
 * takes a shared flock(2) on the directory it opened (native/launcher/rootfs.c hold_image_dir).
 * `rmi` and `image prune` take it exclusively, without waiting, before they remove one: an image
 * a launch holds is refused (rmi) or left (prune), and a launch started during a removal fails,
 * saying so, rather than run on a root losing its files. */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { SecureRunError } from "../errors.js";
import { needExecAddon } from "../native/exec-addon.js";

/** The directory `path`, opened (not followed) and locked for its removal; "absent" when there
 * is no such directory, "held" when a launch holds it. Close the descriptor once it is removed. */
export function lockForRemoval(path: string): number | "absent" | "held" {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A link or a file where a directory should be holds nothing: it is removed as it is.
    if (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR") return "absent";
    throw e;
  }
  try {
    if (needExecAddon("locks the image store's directories").flock(fd, true, false)) return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  closeSync(fd);
  return "held";
}

/** The processes holding `path` (flock read locks on its inode, from /proc/locks); best effort,
 * for the message only. */
export function holders(path: string): number[] {
  let ino: number;
  let dev: number;
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      ({ ino, dev } = fstatSync(fd));
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  // /proc/locks names a file MAJOR:MINOR:INODE, the device numbers in hex (dev_t's glibc layout).
  const major = (Math.floor(dev / 2 ** 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | (Math.floor(dev / 2 ** 12) & 0xfff00);
  const file = `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}:${ino}`;
  let text = "";
  try {
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const pids = new Set<number>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // "1: FLOCK  ADVISORY  READ 1234 fe:01:5678 0 EOF" (a waiter's line has "->" after the number)
    const at = f.indexOf("FLOCK");
    if (at < 0 || f[at + 2] !== "READ" || f[at + 4] !== file) continue;
    const pid = Number(f[at + 3]);
    if (Number.isInteger(pid) && pid > 0) pids.add(pid);
  }
  return [...pids].sort((a, b) => a - b);
}

/** An image a running launch holds (exit 1, as an image an instance uses). */
export class ImageHeld extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_IMAGE_IN_USE";
  readonly hint: string;
  constructor(
    readonly ref: string,
    readonly imageId: string,
    readonly pids: number[],
  ) {
    super(
      `image ${ref} (${imageId.replace(/^sha256:/, "").slice(0, 12)}) is being used by a running ` +
        `launch${pids.length ? ` (process ${pids.join(", ")})` : ""}; it was left as it is`,
    );
    this.name = "ImageHeld";
    this.hint =
      "remove it once that launch has ended (a foreground secure-run run of it, or an instance " +
      "starting: secure-run ps)";
  }
}

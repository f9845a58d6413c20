/** Host paths as the kernel will find them: every symlink followed, so that what the plan binds,
 * what the review judges and what the launcher opens (with RESOLVE_NO_SYMLINKS) are one path. */
import { lstatSync, readlinkSync } from "node:fs";

export type HostPathResult =
  { ok: true; real: string } | { ok: false; reason: "missing" | "proc" | "loop"; at: string };

const MAX_LINKS = 40;

/** Under /proc: its links (/proc/<pid>/root, cwd, fd/…, /proc/self/…) are magic, resolved by
 * the kernel per process, not by their text. */
const underProc = (p: string): boolean => p === "/proc" || p.startsWith("/proc/");

/** Resolves an absolute path component by component (as the kernel does: a symlink first, then
 * "..") and refuses one whose resolution passes through /proc. */
export function resolveHostPath(path: string): HostPathResult {
  const pending = path.split("/").filter((c) => c !== "" && c !== ".");
  let current = "/";
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "..") {
      current = current === "/" ? "/" : current.slice(0, current.lastIndexOf("/")) || "/";
      continue;
    }
    const next = current === "/" ? `/${part}` : `${current}/${part}`;
    if (underProc(next)) return { ok: false, reason: "proc", at: next };
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      return { ok: false, reason: "missing", at: next };
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return { ok: false, reason: "loop", at: next };
    const target = readlinkSync(next);
    pending.unshift(...target.split("/").filter((c) => c !== "" && c !== "."));
    if (target.startsWith("/")) current = "/";
  }
  return { ok: true, real: current };
}

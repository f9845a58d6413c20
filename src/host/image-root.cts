/** What an image app's root is on this host (issue 19): an overlay of the image's layers, or,
 * where overlayfs is not available to this caller, a read-only bind of the image's layers
 * applied into one directory (made the first time it is needed). `doctor` shows it, the plan
 * follows it, and the host fingerprint covers it. SECURE_RUN_IMAGE_ROOT=bind forces the bind
 * (tests of the fallback; a host where the overlay is refused for a reason not seen here).
 * CommonJS: the fingerprint (warm path) reads it. */
import { readFileSync } from "node:fs";
import { execAddon } from "../native/exec.cjs";
import { kernelRelease } from "./kernel-release.cjs";

export interface ImageRootFacts {
  mode: "overlay" | "bind";
  /** Why, in words. */
  why: string;
}

/** What an export plans an image app's root as: one directory, which other engines take. */
export const EXPORT_IMAGE_ROOT: ImageRootFacts = {
  mode: "bind",
  why: "an export gives other engines the image's root as one directory",
};

export const IMAGE_ROOT_ENV = "SECURE_RUN_IMAGE_ROOT";
const FILESYSTEMS = "/proc/filesystems";

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/** `usernsAvailable`: the caller may create a user namespace (HostFacts.userns.available). */
export function imageRootFacts(usernsAvailable: boolean): ImageRootFacts {
  const forced = process.env[IMAGE_ROOT_ENV];
  if (forced === "bind")
    return { mode: "bind", why: `${IMAGE_ROOT_ENV}=bind asks for the read-only bind` };
  if (!overlayListed())
    return {
      mode: "bind",
      why: "the kernel has no overlayfs (not in /proc/filesystems; modprobe overlay)",
    };
  if ((process.geteuid?.() ?? 0) === 0)
    return { mode: "overlay", why: "overlayfs is available; root mounts it (trusted.overlay.*)" };
  if (!usernsAvailable)
    return { mode: "bind", why: "no user namespace for this user, where it would mount overlayfs" };
  if (!kernelAtLeast(5, 11))
    return { mode: "bind", why: "overlayfs in a user namespace needs Linux 5.11 or later" };
  return {
    mode: "overlay",
    why: "overlayfs is mounted in the user's own user namespace (Linux 5.11+, userxattr)",
  };
}

let probed: { step: string; code: string } | null | undefined;

/** `facts` confirmed by trying: an overlay such as an image root's is made (detached, on a
 * tmpfs; in a user namespace of the caller's own unless root) and dropped. Where the kernel
 * refuses it, the bind, and why. Run once per process, only when an image app is planned (or
 * `doctor` asks): it costs a clone and a few mounts. Without the exec addon nothing is tried
 * (an image cannot be loaded without it either). */
export function probeImageRoot(facts: ImageRootFacts | undefined): ImageRootFacts {
  if (!facts) return { mode: "bind", why: "no facts of this host's overlayfs" };
  if (facts.mode !== "overlay") return facts;
  if (probed === undefined) probed = execAddon()?.overlayProbe() ?? null;
  if (!probed) return facts;
  return {
    mode: "bind",
    why: `the kernel refuses this caller an overlay like an image root's (${probed.step}: ${probed.code})`,
  };
}

/** What the fingerprint reads of it (the user namespace part is covered by its own files). */
export function imageRootFingerprint(): string {
  return `imageRoot=${process.env[IMAGE_ROOT_ENV] ?? ""}:${overlayListed() ? "o" : "-"}`;
}

/** Whether /proc/filesystems lists overlay (unreadable: as if it did not). */
function overlayListed(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync(FILESYSTEMS, "utf8"));
  } catch {
    return false;
  }
}

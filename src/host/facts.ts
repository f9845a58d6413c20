/** Facts about this host that the policy takes into account and that `plan` shows. Where each
 * is read from, and the fingerprint of them that the bundle cache compares, are fingerprint.cts's:
 * a fact read here from anywhere else would escape the cache's check. */
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import { join } from "node:path";
import { arch as nodeArch, userInfo } from "node:os";
import { fromNodeArch } from "../seccomp/arches.js";
import { loadNative } from "../native/seccomp.js";
import { cgroupHierarchies } from "./cgroups.js";
import {
  HOST_FILES,
  idmapHelper,
  LIMIT_NAMES,
  readText,
  ROOT_DIRS,
  V2_DELEGATED_FILES,
} from "./fingerprint.cjs";
import { kernelRelease } from "./kernel-release.cjs";
import { imageRootFacts, type ImageRootFacts } from "./image-root.cjs";
import { privateResolvConf } from "../paths.cjs";

export interface RootEntry {
  type: "dir" | "file" | "symlink";
  target?: string;
}

export interface HostFacts {
  /** Kernel architecture name as libseccomp spells it: x86_64, aarch64. */
  arch: string;
  kernel: string;
  /** The top-level system directories and what they are on this host. */
  root: Record<string, RootEntry>;
  landlock: { abi: number | null };
  /** Hard resource limits secure-run runs with: a plan cannot raise them without
   * CAP_SYS_RESOURCE, so the policy stays within them. null: unlimited. */
  rlimits: Record<string, { hard: number | null }>;
  selinux: "enforcing" | "permissive" | "disabled";
  userns: {
    available: boolean;
    callerUid: number;
    callerGid: number;
    /** The caller's range in /etc/subuid and /etc/subgid (root: where sandbox ids map to). */
    subuid: { start: number; count: number } | null;
    subgid: { start: number; count: number } | null;
    /** newuidmap and newgidmap (shadow's setuid helpers) are installed: with the caller's ranges
     * above, a user's app gets a full range of ids, else its own one. */
    newuidmap?: boolean;
    newgidmap?: boolean;
  };
  cgroup: {
    /** 1 or 2: the version that has all the controllers below; 0 when there is none. */
    version: number;
    /** Controllers usable for the app's cgroup. */
    available: string[];
    /** The own cgroup can have children created by this user, with the controllers: root on v1
     * or v2; another user on v2 only, where the own cgroup is delegated to it (its directory,
     * cgroup.procs and cgroup.subtree_control writable). */
    writable: boolean;
  };
  swap: { total: number; accounting: boolean };
  libseccomp: string | null;
  /** The symbolic links directly in /etc and the real path each leads to (dangling ones are left
   * out): the plan binds the real file, because the launcher opens bind sources without following
   * links (a link swapped in by a host process must not choose what is bound). */
  etcLinks?: Record<string, string>;
  /** What an image app's root is here: an overlay of its layers, or a read-only bind of them
   * applied into one directory, and why (image-root.cts). */
  imageRoot?: ImageRootFacts;
  /** The resolv.conf file a private network's app is given (written by each launch: see
   * src/network/resolv.ts); undefined where the state directory cannot be used. */
  privateResolvConf?: string;
}

function entry(path: string): RootEntry | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return { type: "symlink", target: readlinkSync(path) };
    if (st.isDirectory()) return { type: "dir" };
    if (st.isFile()) return { type: "file" };
  } catch {
    // absent
  }
  return undefined;
}

export function rootLayout(dirs: readonly string[] = ROOT_DIRS): Record<string, RootEntry> {
  const out: Record<string, RootEntry> = {};
  for (const d of dirs) {
    const e = entry(d);
    if (e && e.type !== "file") out[d] = e;
  }
  return out;
}

export function etcLinks(dir: string = HOST_FILES.etc): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[] = [];
  try {
    // The links only, by the directory's own entry types (Node asks lstat where the file
    // system gives none): not an lstat of each of /etc's hundreds of entries.
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isSymbolicLink())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const real = realpathSync(path);
      // /etc/mtab -> ../proc/self/mounts: a file of whoever reads it, never bound.
      if (!real.startsWith("/proc/")) out[path] = real;
    } catch {
      // leads nowhere: the plan's optional bind of it finds nothing
    }
  }
  return out;
}

/** The top-level entries of a rootfs directory (name → what it is). */
export function rootfsEntries(dir: string): Record<string, RootEntry> {
  const out: Record<string, RootEntry> = {};
  for (const name of readdirSync(dir).sort()) {
    const e = entry(join(dir, name));
    if (e) out[name] = e;
  }
  return out;
}

export function selinuxState(): HostFacts["selinux"] {
  try {
    return readFileSync(HOST_FILES.selinuxEnforce, "utf8").trim() === "1"
      ? "enforcing"
      : "permissive";
  } catch {
    return "disabled";
  }
}

/** Hard limits from /proc/self/limits ("Max open files  1024  4096  files"). */
export function parseLimits(text: string): Record<string, { hard: number | null }> {
  const out: Record<string, { hard: number | null }> = {};
  for (const line of text.split("\n")) {
    for (const [label, name] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(label)) continue;
      const hard = line.slice(label.length).trim().split(/\s+/)[1];
      out[name] = { hard: hard === undefined || hard === "unlimited" ? null : Number(hard) };
    }
  }
  return out;
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** "name:start:count" lines of /etc/subuid or /etc/subgid, for the user or uid given. */
export function parseSubIds(
  text: string,
  name: string,
  id: number,
): { start: number; count: number } | null {
  for (const line of text.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if ((who === name || who === String(id)) && start && count)
      return { start: Number(start), count: Number(count) };
  }
  return null;
}

export function usernsFacts(): HostFacts["userns"] {
  // The effective ids: what the kernel checks when the launcher creates the namespace.
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  let name = "";
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry
  }
  const max = readNumber(HOST_FILES.maxUserNamespaces) ?? 0;
  const unprivileged = readNumber(HOST_FILES.unprivilegedUserns) ?? 1;
  return {
    available: max > 0 && (uid === 0 || unprivileged !== 0),
    callerUid: uid,
    callerGid: gid,
    subuid: parseSubIds(readText(HOST_FILES.subuid), name, uid),
    subgid: parseSubIds(readText(HOST_FILES.subgid), name, uid),
    newuidmap: idmapHelper("newuidmap") !== undefined,
    newgidmap: idmapHelper("newgidmap") !== undefined,
  };
}

/** The cgroup version the launcher will use and what it offers (as native/launcher/cgroup.c
 * chooses: v1 when every limit controller has a v1 hierarchy, else v2). */
export function cgroupFacts(
  hierarchies = cgroupHierarchies(),
  uid: number = process.geteuid?.() ?? 0,
): HostFacts["cgroup"] {
  const wanted = ["memory", "pids", "cpu"];
  const canWrite = (path: string): boolean => {
    try {
      accessSync(path, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  // cgroup v1 delegates nothing to a user (its controllers' files stay root's); on v2 the own
  // cgroup is delegated when its directory and the files the launcher writes are the user's.
  const writable = (dir: string, version: 1 | 2): boolean =>
    uid === 0
      ? canWrite(dir)
      : version === 2 &&
        [dir, ...V2_DELEGATED_FILES.map((f) => join(dir, f))].every((p) => canWrite(p));
  const v1 = wanted.filter((c) =>
    hierarchies.some((h) => h.version === 1 && h.controllers.includes(c)),
  );
  if (v1.length === wanted.length) {
    const dirs = hierarchies.filter(
      (h) => h.version === 1 && h.controllers.some((c) => wanted.includes(c)),
    );
    return { version: 1, available: v1, writable: dirs.every((h) => writable(h.ownDir, 1)) };
  }
  const v2 = hierarchies.find((h) => h.version === 2);
  if (v2)
    return {
      version: 2,
      available: wanted.filter((c) => v2.controllers.includes(c)),
      writable: writable(v2.ownDir, 2),
    };
  return { version: 0, available: [], writable: false };
}

export function swapFacts(): HostFacts["swap"] {
  const lines = readText(HOST_FILES.swaps).trim().split("\n").slice(1);
  const total = lines.reduce((sum, l) => sum + (Number(l.split(/\s+/)[2]) || 0) * 1024, 0);
  const accounting = cgroupHierarchies().some((h) =>
    h.version === 1
      ? existsSync(join(h.ownDir, "memory.memsw.limit_in_bytes"))
      : existsSync(join(h.ownDir, "memory.swap.max")),
  );
  return { total, accounting };
}

function optionalPrivateResolvConf(): { privateResolvConf?: string } {
  try {
    return { privateResolvConf: privateResolvConf() };
  } catch {
    return {}; // an unsafe state directory: a launch says so
  }
}

/** Gathers the facts; the native layer adds Landlock and libseccomp when it is built. */
export function hostFacts(): HostFacts {
  const native = loadNative({ optional: true });
  const nf = native?.hostFacts();
  const userns = usernsFacts();
  return {
    arch: fromNodeArch(nodeArch()) ?? nodeArch(),
    kernel: kernelRelease(),
    root: rootLayout(),
    landlock: { abi: nf ? nf.landlockAbi : null },
    libseccomp: nf ? nf.libseccomp : null,
    rlimits: parseLimits(readFileSync(HOST_FILES.limits, "utf8")),
    selinux: selinuxState(),
    userns,
    cgroup: cgroupFacts(),
    swap: swapFacts(),
    etcLinks: etcLinks(),
    imageRoot: imageRootFacts(userns.available),
    ...optionalPrivateResolvConf(),
  };
}

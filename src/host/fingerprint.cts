/** The host facts a plan depends on, where each is read from, and one digest of them all: the
 * fingerprint the bundle cache compares on every warm run of `secure-run run`. facts.ts builds
 * HostFacts from the same sources (and the native layer's probes); this module reads them raw
 * and cheaply. CommonJS, with Node's own modules only: the warm path loads it. */
import {
  accessSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statfsSync,
} from "node:fs";
import { arch } from "node:os";
import { fnv64 } from "../digest.cjs";
import { imageRootFingerprint } from "./image-root.cjs";
import { kernelRelease } from "./kernel-release.cjs";
import { privateResolvConf } from "../paths.cjs";

/** The files the host facts are read from. */
export const HOST_FILES = {
  cmdline: "/proc/cmdline",
  lsm: "/sys/kernel/security/lsm",
  selinuxEnforce: "/sys/fs/selinux/enforce",
  limits: "/proc/self/limits",
  ownCgroup: "/proc/self/cgroup",
  mountinfo: "/proc/self/mountinfo",
  subuid: "/etc/subuid",
  subgid: "/etc/subgid",
  maxUserNamespaces: "/proc/sys/user/max_user_namespaces",
  unprivilegedUserns: "/proc/sys/kernel/unprivileged_userns_clone",
  swaps: "/proc/swaps",
  cgroupFs: "/sys/fs/cgroup",
  etc: "/etc",
} as const;

/** Where newuidmap and newgidmap are looked for (not $PATH: a user's PATH does not choose a
 * setuid helper). */
export const IDMAP_HELPER_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** The path of newuidmap or newgidmap, or undefined when it is not installed. */
export function idmapHelper(name: "newuidmap" | "newgidmap"): string | undefined {
  for (const d of IDMAP_HELPER_DIRS) {
    const path = `${d}/${name}`;
    try {
      if (lstatSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The files of a cgroup v2 directory a user must be able to write for it to be delegated: the
 * launcher moves itself to a leaf (cgroup.procs) and enables the controllers for the app's
 * cgroup (cgroup.subtree_control). */
export const V2_DELEGATED_FILES = ["cgroup.procs", "cgroup.subtree_control"];

/** The top-level system directories whose layout (directory or link) the plan follows. */
export const ROOT_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** The lines of /proc/self/limits the plan reads, and the rlimit each one is. */
export const LIMIT_NAMES: Readonly<Record<string, string>> = {
  "Max core file size": "core",
  "Max open files": "nofile",
  "Max processes": "nproc",
};

/** HostFacts fields (facts.ts) and what in the fingerprint covers each; a test keeps this list
 * equal to the fields, so a new fact cannot be forgotten here. */
export const FINGERPRINT_COVERS: Readonly<Record<string, string>> = {
  arch: "process.arch",
  kernel: "/proc/sys/kernel/osrelease",
  root: "the root directories' types and link targets",
  landlock: "the kernel, its command line and the active LSMs",
  libseccomp: "the addon and launcher binaries (the filter itself is compiled into the bundle)",
  rlimits: "the hard limits in /proc/self/limits",
  selinux: "/sys/fs/selinux/enforce",
  userns:
    "effective uid and gid, /etc/subuid, /etc/subgid, newuidmap and newgidmap, and the user namespace sysctls",
  cgroup:
    "/sys/fs/cgroup's type, the cgroup mounts, /proc/self/cgroup and whether the own v2 cgroup is writable (delegated)",
  swap: "/proc/swaps (devices and sizes) and the kernel command line",
  etcLinks: "the symbolic links directly in /etc and their targets",
  imageRoot:
    "overlay in /proc/filesystems, SECURE_RUN_IMAGE_ROOT, and the kernel and user namespace facts above",
  privateResolvConf:
    "the path itself (the state directory's: SECURE_RUN_STATE_DIR, XDG_DATA_HOME, HOME, uid)",
};

/** A file's text, or `absent` when it cannot be read. */
export function readText(path: string, absent = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return absent;
  }
}

/** What is at a path, in one word: d, f, o (other), l:TARGET (a link), - (nothing). */
export function entryType(path: string): string {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return `l:${readlinkSync(path)}`;
    return st.isDirectory() ? "d" : st.isFile() ? "f" : "o";
  } catch {
    return "-";
  }
}

/** What /sys/fs/cgroup is, as the launcher checks it for a bundle: cgroup2 (pure v2), tmpfs (v1
 * or hybrid), other, none. */
export function cgroupFsType(): string {
  try {
    const t = statfsSync(HOST_FILES.cgroupFs).type;
    return t === 0x63677270 ? "cgroup2" : t === 0x01021994 ? "tmpfs" : "other";
  } catch {
    return "none";
  }
}

/** "path -> link" for each symbolic link directly in /etc (what HostFacts.etcLinks resolves). */
function etcLinkTargets(): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    // The links, by the directory's entry types (as etcLinks in facts.ts): no lstat of each.
    names = readdirSync(HOST_FILES.etc, { withFileTypes: true })
      .filter((d) => d.isSymbolicLink())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = `${HOST_FILES.etc}/${name}`;
    try {
      out.push(`${path} -> ${readlinkSync(path)}`);
    } catch {
      out.push(`${path} -> \0absent`);
    }
  }
  return out;
}

/** Whether the own cgroup v2 directory and its delegated files are writable by this process
 * ("-" without a cgroup2 mount): a cgroup chowned to the user changes no file the fingerprint
 * reads otherwise. `mounts` are "mountpoint fstype source" lines. */
function ownV2Delegated(procCgroup: string, mounts: readonly string[]): string {
  const own = /^0::(.*)$/m.exec(procCgroup)?.[1];
  const point = mounts.find((m) => m.split(" ")[1] === "cgroup2")?.split(" ")[0];
  if (own === undefined || point === undefined) return "-";
  const dir = `${point}${own === "/" ? "" : own}`;
  try {
    for (const p of [dir, ...V2_DELEGATED_FILES.map((f) => `${dir}/${f}`)]) accessSync(p, 2);
    return "w";
  } catch {
    return "r";
  }
}

function optionalPrivateResolvConf(): string {
  try {
    return privateResolvConf();
  } catch {
    return "-"; // an unsafe state directory (facts.ts leaves the fact out)
  }
}

/** A digest of the host facts a plan depends on, read without the native layer. */
export function hostFingerprint(): string {
  const text = (p: string): string => readText(p, "\0absent");
  const cgroupMounts = text(HOST_FILES.mountinfo)
    .split("\n")
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => {
      const f = l.split(" ");
      const sep = f.indexOf("-");
      return `${f[4] ?? ""} ${f[sep + 1] ?? ""} ${f[sep + 3] ?? ""}`;
    });
  const labels = Object.keys(LIMIT_NAMES);
  const limits = text(HOST_FILES.limits)
    .split("\n")
    .filter((l) => labels.some((label) => l.startsWith(label)))
    .map((l) => l.replace(/\s+/g, " "));
  const swaps = text(HOST_FILES.swaps)
    .split("\n")
    .slice(1)
    .map((l) => l.split(/\s+/).slice(0, 3).join(" "));
  let ownWritable = "";
  try {
    accessSync(HOST_FILES.cgroupFs, 2);
    ownWritable = "w";
  } catch {
    // read-only cgroup file system
  }
  const facts = [
    process.arch,
    arch(),
    kernelRelease(),
    String(process.geteuid?.() ?? -1),
    String(process.getegid?.() ?? -1),
    `newuidmap=${idmapHelper("newuidmap") ?? "-"}`,
    `newgidmap=${idmapHelper("newgidmap") ?? "-"}`,
    `v2delegated=${ownV2Delegated(text(HOST_FILES.ownCgroup), cgroupMounts)}`,
    text(HOST_FILES.cmdline),
    text(HOST_FILES.lsm),
    text(HOST_FILES.selinuxEnforce),
    text(HOST_FILES.ownCgroup),
    text(HOST_FILES.subuid),
    text(HOST_FILES.subgid),
    text(HOST_FILES.maxUserNamespaces),
    text(HOST_FILES.unprivilegedUserns),
    cgroupFsType(),
    ownWritable,
    ...cgroupMounts,
    ...limits,
    ...swaps,
    ...ROOT_DIRS.map((d) => `${d}=${entryType(d)}`),
    ...etcLinkTargets(),
    imageRootFingerprint(),
    `privateResolvConf=${optionalPrivateResolvConf()}`,
  ];
  return fnv64(facts.join("\n\0"));
}

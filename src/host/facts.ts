/** Facts about this host that the policy takes into account and that `plan` shows. */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { arch as nodeArch, release } from "node:os";
import { loadNative } from "../seccomp/native.js";

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
  libseccomp: string | null;
}

const archNames: Record<string, string> = {
  x64: "x86_64",
  arm64: "aarch64",
  ia32: "x86",
  arm: "arm",
};

export const ROOT_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

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
    return readFileSync("/sys/fs/selinux/enforce", "utf8").trim() === "1"
      ? "enforcing"
      : "permissive";
  } catch {
    return "disabled";
  }
}

const limitNames: Record<string, string> = {
  "Max core file size": "core",
  "Max open files": "nofile",
  "Max processes": "nproc",
};

/** Hard limits from /proc/self/limits ("Max open files  1024  4096  files"). */
export function parseLimits(text: string): Record<string, { hard: number | null }> {
  const out: Record<string, { hard: number | null }> = {};
  for (const line of text.split("\n")) {
    for (const [label, name] of Object.entries(limitNames)) {
      if (!line.startsWith(label)) continue;
      const hard = line.slice(label.length).trim().split(/\s+/)[1];
      out[name] = { hard: hard === undefined || hard === "unlimited" ? null : Number(hard) };
    }
  }
  return out;
}

/** Gathers the facts; the native layer adds Landlock and libseccomp when it is built. */
export function hostFacts(): HostFacts {
  const native = loadNative({ optional: true });
  const nf = native?.hostFacts();
  return {
    arch: archNames[nodeArch()] ?? nodeArch(),
    kernel: release(),
    root: rootLayout(),
    landlock: { abi: nf ? nf.landlockAbi : null },
    libseccomp: nf ? nf.libseccomp : null,
    rlimits: parseLimits(readFileSync("/proc/self/limits", "utf8")),
    selinux: selinuxState(),
  };
}

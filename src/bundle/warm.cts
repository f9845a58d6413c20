/** The warm path of `secure-run run APP`: when the app's cached bundle still holds, this process
 * becomes the launcher (execve) — no policy, no YAML, no command-line library is loaded, and
 * no Node process stays behind. Also what the cache needs to judge an entry: inputs (files by
 * signature and content, directories by listing, programs by inode) and a fingerprint of the
 * host facts a plan depends on. Imports Node's own modules and paths.cts only: every module
 * loaded here is paid on every warm run. CommonJS (.cts), like the entry point cli/main.cts:
 * Node starts a CommonJS entry several milliseconds faster than an ES module one. */
import {
  accessSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { arch, release } from "node:os";
import { join } from "node:path";
import { cacheHome, packageVersion, paths } from "../paths.cjs";

export interface FileInput {
  kind: "file";
  path: string;
  sig: string;
  sha256: string;
}
export interface DirInput {
  kind: "dir";
  path: string;
  sha256: string;
}
export interface StatInput {
  kind: "stat";
  path: string;
  sig: string;
}
export type Input = FileInput | DirInput | StatInput;

/** sha256, for file contents: node:crypto is loaded only when a file needs hashing (loading it
 * costs more than the rest of the warm path). */
export function sha256(data: string | Buffer): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(data).digest("hex");
}

/** FNV-1a, 64 bits as two 32-bit lanes: a fast digest for keys and the host fingerprint, which
 * are checked on every warm run and guard against change, not against an adversary. */
export function fnv64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

function readOr(path: string, absent: string): string | Buffer {
  try {
    return readFileSync(path);
  } catch {
    return absent;
  }
}

/** Which file, which version of it: device, inode, size and modification time. */
function signature(path: string): string {
  try {
    const st = lstatSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.mode}:${st.size}:${st.mtimeNs}`;
  } catch {
    return "absent";
  }
}

/** A file by content ("absent" when it cannot be read: its appearing is a change too); its
 * signature spares reading it again while it is untouched. */
export function fileInput(path: string): FileInput {
  return { kind: "file", path, sig: signature(path), sha256: sha256(readOr(path, "\0absent")) };
}

function entryType(path: string): string {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return `l:${readlinkSync(path)}`;
    return st.isDirectory() ? "d" : st.isFile() ? "f" : "o";
  } catch {
    return "-";
  }
}

/** A directory by its entries' names and types (symlinks with their targets). */
export function dirInput(path: string): DirInput {
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch {
    names = ["\0absent"];
  }
  return {
    kind: "dir",
    path,
    sha256: sha256(names.map((n) => `${n}\0${entryType(join(path, n))}`).join("\n")),
  };
}

/** A program or mount source by what it is and which inode: a rebuild or replacement shows. */
export function statInput(path: string): StatInput {
  return { kind: "stat", path, sig: signature(path) };
}

/** Whether the input is as it was: files by signature, else by content (touched, not changed). */
export function holds(i: Input): boolean {
  switch (i.kind) {
    case "stat":
      return signature(i.path) === i.sig;
    case "dir":
      return dirInput(i.path).sha256 === i.sha256;
    case "file":
      return signature(i.path) === i.sig || sha256(readOr(i.path, "\0absent")) === i.sha256;
  }
}

/** The first input that no longer holds, or undefined when all do. */
export function changedInput(inputs: readonly Input[]): Input | undefined {
  return inputs.find((i) => !holds(i));
}

/** HostFacts fields (src/host/facts.ts) and what in the fingerprint covers each; a test keeps
 * this list equal to the fields, so a new fact cannot be forgotten here. */
export const FINGERPRINT_COVERS: Readonly<Record<string, string>> = {
  arch: "process.arch",
  kernel: "os.release()",
  root: "the root directories' types and link targets",
  landlock: "the kernel, its command line and the active LSMs",
  libseccomp: "the addon and launcher binaries (the filter itself is compiled into the bundle)",
  rlimits: "the hard limits in /proc/self/limits",
  selinux: "/sys/fs/selinux/enforce",
  userns: "uid, gid, /etc/subuid, /etc/subgid and the user namespace sysctls",
  cgroup: "/sys/fs/cgroup's type, the cgroup mounts and /proc/self/cgroup",
  swap: "/proc/swaps (devices and sizes) and the kernel command line",
  etcLinks: "the symbolic links directly in /etc and their targets",
};

const ROOT_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** What /sys/fs/cgroup is, as the launcher checks it for a bundle: cgroup2 (pure v2), tmpfs (v1
 * or hybrid), other, none. */
export function cgroupFsType(): string {
  try {
    const t = statfsSync("/sys/fs/cgroup").type;
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
    names = readdirSync("/etc").sort();
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      if (lstatSync(`/etc/${name}`).isSymbolicLink())
        out.push(`/etc/${name} -> ${readlinkSync(`/etc/${name}`)}`);
    } catch {
      out.push(`/etc/${name} -> \0absent`);
    }
  }
  return out;
}

/** A digest of the host facts a plan depends on, read without the native layer. */
export function hostFingerprint(): string {
  const text = (p: string): string => String(readOr(p, "\0absent"));
  const cgroupFs = cgroupFsType();
  const cgroupMounts = text("/proc/self/mountinfo")
    .split("\n")
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => {
      const f = l.split(" ");
      const sep = f.indexOf("-");
      return `${f[4] ?? ""} ${f[sep + 1] ?? ""} ${f[sep + 3] ?? ""}`;
    });
  const limits = text("/proc/self/limits")
    .split("\n")
    .filter((l) => /^Max (core file size|open files|processes)/.test(l))
    .map((l) => l.replace(/\s+/g, " "));
  const swaps = text("/proc/swaps")
    .split("\n")
    .slice(1)
    .map((l) => l.split(/\s+/).slice(0, 3).join(" "));
  let ownWritable = "";
  try {
    accessSync("/sys/fs/cgroup", 2);
    ownWritable = "w";
  } catch {
    // read-only cgroup file system
  }
  const facts = [
    process.arch,
    arch(),
    release(),
    String(process.getuid?.() ?? -1),
    String(process.getgid?.() ?? -1),
    text("/proc/cmdline"),
    text("/sys/kernel/security/lsm"),
    text("/sys/fs/selinux/enforce"),
    text("/proc/self/cgroup"),
    text("/etc/subuid"),
    text("/etc/subgid"),
    text("/proc/sys/user/max_user_namespaces"),
    text("/proc/sys/kernel/unprivileged_userns_clone"),
    cgroupFs,
    ownWritable,
    ...cgroupMounts,
    ...limits,
    ...swaps,
    ...ROOT_DIRS.map((d) => `${d}=${entryType(d)}`),
    ...etcLinkTargets(),
  ];
  return fnv64(facts.join("\n\0"));
}

/** One digest of everything: what the bundle's header records as its inputs. */
export function inputsDigest(version: string, host: string, inputs: readonly Input[]): string {
  return sha256(JSON.stringify({ version, host, inputs }));
}

export interface CacheEntry {
  /** 2: with bundleSha256. */
  format: 2;
  version: string;
  app: string;
  config: string | null;
  /** hostFingerprint() when the bundle was made. */
  host: string;
  inputs: Input[];
  /** What `run` says before launching (parts accepted as best-effort, …). */
  notices: string[];
  name: string;
  created: string;
  /** sha256 of the bundle file: checked before launching, and by the launcher on what it reads. */
  bundleSha256: string;
}

/** Where the entries are (created when first written). */
export function bundleCacheDir(): string {
  const dir = process.env.SECURE_RUN_BUNDLE_CACHE;
  return dir && dir.startsWith("/") ? dir : join(cacheHome(), "bundles");
}

export function entryKey(version: string, app: string, config: string | null): string {
  return fnv64(`${version}\0${app}\0${config ?? ""}`);
}

/** Why the cache directory cannot be trusted, or undefined when it can: it and the directory
 * secure-run made it in (the default location) must be the caller's own, not symbolic links and
 * writable by nobody else (secure-run creates them 0700; absent is fine). Anyone else who could
 * write there could choose what is launched. */
export function unsafeCacheDir(dir: string): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const chain = dir === join(cacheHome(), "bundles") ? [dir, cacheHome()] : [dir];
  for (const d of chain) {
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    const fix = `fix it with: chown ${uid} ${d} && chmod 700 ${d}`;
    if (!st.isDirectory()) return `${d} is not a directory (a symbolic link?); remove it`;
    if (st.uid !== uid) return `${d} is owned by uid ${st.uid}, not by you (uid ${uid}); ${fix}`;
    if (st.mode & 0o022) {
      const who = st.mode & 0o020 ? "its group" : "others";
      return `${d} is writable by ${who} (mode ${(st.mode & 0o777).toString(8)}); ${fix}`;
    }
  }
  return undefined;
}

export type Lookup =
  { hit: true; entry: CacheEntry; bundle: string; sha256: string } | { hit: false; why: string };

/** The entry for this key, if it is still valid: a cache directory only the caller controls, the
 * same version, host and inputs, and a bundle file with the hash the entry recorded. */
export function lookup(dir: string, version: string, app: string, config: string | null): Lookup {
  const unsafe = unsafeCacheDir(dir);
  if (unsafe) return { hit: false, why: `the cache is not safe to use: ${unsafe}` };
  const key = entryKey(version, app, config);
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as CacheEntry;
  } catch {
    return { hit: false, why: "not in the cache" };
  }
  if (entry.format !== 2 || entry.version !== version)
    return { hit: false, why: "made by another secure-run version" };
  if (entry.app !== app || entry.config !== config)
    return { hit: false, why: "the entry is another app's" };
  if (entry.host !== hostFingerprint()) return { hit: false, why: "the host changed" };
  const changed = changedInput(entry.inputs);
  if (changed) return { hit: false, why: `${changed.path} changed` };
  const bundle = join(dir, `${key}.bundle`);
  let data: Buffer;
  try {
    data = readFileSync(bundle);
  } catch {
    return { hit: false, why: "the bundle file is gone" };
  }
  // The launcher checks the digest again on the bytes it reads (--bundle-sha256): a file changed
  // after this point is refused there, not launched.
  if (sha256(data) !== entry.bundleSha256)
    return { hit: false, why: "the bundle file does not match its recorded sha256" };
  return { hit: true, entry, bundle, sha256: entry.bundleSha256 };
}

interface ExecAddon {
  exec(path: string, argv: string[], env: string[]): never;
}

let addon: ExecAddon | null | undefined;

/** The exec addon, or null when it is not built (the caller then supervises from Node). */
export function execAddon(): ExecAddon | null {
  if (addon === undefined) {
    try {
      addon = require(paths.execAddon) as ExecAddon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** The options of `run` the warm path takes; any other option means the full CLI. */
export interface WarmRun {
  app: string;
  config?: string;
  cgroupParent?: string;
}

export function parseWarmRun(argv: readonly string[], env = process.env): WarmRun | undefined {
  if (argv[0] !== "run" || env.SECURE_RUN_NO_CACHE) return undefined;
  const out: Partial<WarmRun> = {};
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const eq = a.indexOf("=");
    const [name, inline] =
      a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (name === "--config" || name === "--cgroup-parent") {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") return undefined;
      if (name === "--config") out.config = value;
      else out.cgroupParent = value;
    } else if (a.startsWith("-") || out.app !== undefined) {
      return undefined;
    } else out.app = a;
  }
  if (out.app === undefined) return undefined;
  const config = out.config ?? (env.SECURE_RUN_CONFIG || undefined);
  return {
    app: out.app,
    ...(config ? { config } : {}),
    ...(out.cgroupParent ? { cgroupParent: out.cgroupParent } : {}),
  };
}

/** The launcher's command line for a bundle. */
export function bundleLaunch(bundle: string, sha256: string, cgroupParent?: string): string[] {
  return [
    paths.launcher,
    ...(cgroupParent ? ["--cgroup-parent", cgroupParent] : []),
    "--bundle",
    bundle,
    "--bundle-sha256",
    sha256,
  ];
}

/** Says the notices as `run` does, then becomes the launcher. Throws if execve fails. */
export function execBundle(
  exec: ExecAddon,
  bundle: { file: string; sha256: string },
  notices: readonly string[],
  cgroupParent?: string,
): never {
  if (notices.length > 0) {
    const { isatty } = require("node:tty") as typeof import("node:tty");
    const color = isatty(2) && !process.env.NO_COLOR;
    const label = color ? "\x1b[33msecure-run: notice:\x1b[39m" : "secure-run: notice:";
    say(notices.map((n) => `${label} ${n}\n`).join(""));
  }
  const argv = bundleLaunch(bundle.file, bundle.sha256, cgroupParent);
  return exec.exec(paths.launcher, argv, []);
}

/** Returns when the warm path does not apply; never returns when it does. */
export function tryWarmRun(argv: readonly string[]): void {
  const run = parseWarmRun(argv);
  if (!run) return;
  const exec = execAddon();
  if (!exec) return;
  let app: string;
  let config: string | null = null;
  try {
    app = realpathSync(run.app);
    if (run.config) config = realpathSync(run.config);
  } catch {
    return; // the full CLI says what is missing
  }
  const version = packageVersion();
  const found = lookup(bundleCacheDir(), version, app, config);
  cacheDebug(found.hit ? `hit ${found.bundle}` : `miss: ${found.why}`);
  if (!found.hit) return;
  execBundle(
    exec,
    { file: found.bundle, sha256: found.sha256 },
    found.entry.notices,
    run.cgroupParent,
  );
}

/** SECURE_RUN_CACHE_DEBUG=1: what the bundle cache decided, on standard error. */
export function cacheDebug(message: string): void {
  if (process.env.SECURE_RUN_CACHE_DEBUG) say(`secure-run: cache: ${message}\n`);
}

/** A line on standard error, written at once: process.stderr costs milliseconds to set up, and
 * this process is about to become the launcher. */
function say(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // no standard error: nothing to say it on
  }
}

/** An instance's cgroups, as its state.json names them — hostile paths: a directory is used only
 * when it is below /sys/fs/cgroup, on a cgroup file system, in the hierarchy of its controller,
 * named as the launcher names its cgroups (secure-run-<name>-<pid>) and reached without a link.
 * Then: live figures for `stats` and `ps`, and the freezer for `pause`. */
import { SecureRunError } from "../errors.js";
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { basename, isAbsolute, join, normalize } from "node:path";
import type { StateDoc } from "./types.js";

const ROOT = "/sys/fs/cgroup/";
const LEAF = /^secure-run-[a-zA-Z0-9][a-zA-Z0-9_.-]*-\d+$/;
const CGROUP_SUPER_MAGIC = 0x27e0eb;
const CGROUP2_SUPER_MAGIC = 0x63677270;

export class UnsafeCgroupError extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_UNSAFE_CGROUP";
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`refusing the cgroup "${path}" named in state.json: ${why}`);
    this.name = "UnsafeCgroupError";
  }
}

/** Throws UnsafeCgroupError unless `dir` may be the `controller` cgroup of an instance. */
export function checkCgroupDir(controller: string, dir: string): string {
  if (!isAbsolute(dir) || normalize(dir) !== dir)
    throw new UnsafeCgroupError(dir, "not an absolute, normal path");
  if (!dir.startsWith(ROOT)) throw new UnsafeCgroupError(dir, `not below ${ROOT}`);
  if (!LEAF.test(basename(dir)))
    throw new UnsafeCgroupError(dir, "not named secure-run-<name>-<pid> as an instance's cgroup");
  const hierarchy = dir.slice(ROOT.length).split("/")[0] ?? "";
  if (controller !== "unified" && !hierarchy.split(",").includes(controller))
    throw new UnsafeCgroupError(dir, `not in the ${controller} hierarchy`);
  let real: string;
  try {
    real = realpathSync.native(dir); // one realpath(3), not a walk of lstat calls
  } catch (e) {
    throw new UnsafeCgroupError(dir, (e as Error).message);
  }
  if (real !== dir) throw new UnsafeCgroupError(dir, `reached through a link (it is ${real})`);
  if (!lstatSync(dir).isDirectory()) throw new UnsafeCgroupError(dir, "not a directory");
  const type = statfsSync(dir).type;
  if (type !== CGROUP_SUPER_MAGIC && type !== CGROUP2_SUPER_MAGIC)
    throw new UnsafeCgroupError(dir, "not on a cgroup file system");
  return dir;
}

/** An instance's cgroup directories, each checked by checkCgroupDir. */
export interface CheckedCgroup {
  driver: "v1" | "v2";
  dirs: Map<string, string>;
}

/** The state's cgroup directories, each checked (throws on the first that is not safe). */
export function cgroupDirs(state: StateDoc): CheckedCgroup | null {
  if (!state.cgroup) return null;
  const dirs = new Map<string, string>();
  for (const [c, d] of Object.entries(state.cgroup.dirs)) dirs.set(c, checkCgroupDir(c, d));
  return { driver: state.cgroup.driver, dirs };
}

/** One buffer for every cgroup file read (all reads are synchronous): allocating and zeroing
 * 64 KiB per read cost `ps` milliseconds. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** A cgroup file's text (no link followed), or undefined when absent. */
function read(dir: string | undefined, file: string): string | undefined {
  if (!dir) return undefined;
  let fd: number;
  try {
    fd = openSync(join(dir, file), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, null);
    return READ_BUFFER.toString("utf8", 0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function write(dir: string, file: string, value: string): void {
  const fd = openSync(join(dir, file), constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === "max") return -1;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
};

const key = (text: string | undefined, k: string): number | undefined => {
  for (const line of (text ?? "").split("\n")) {
    const [a, b] = line.trim().split(/\s+/);
    if (a === k) return num(b);
  }
  return undefined;
};

export interface CgroupSample {
  /** Cumulated CPU time in nanoseconds. */
  cpuNs?: number;
  memory?: number;
  /** -1: no limit. */
  memoryLimit?: number;
  pids?: number;
  pidsLimit?: number;
  blockRead?: number;
  blockWrite?: number;
}

/** v1's memory.limit_in_bytes says "no limit" with a huge number. */
const v1Limit = (n: number | undefined): number | undefined =>
  n !== undefined && n >= 2 ** 62 ? -1 : n;

/** `ps`'s figures: memory in use and the number of processes, nothing else read. */
export function samplePs(cg: CheckedCgroup): Pick<CgroupSample, "memory" | "pids"> {
  const d = cg.dirs;
  const u = d.get("unified");
  return cg.driver === "v2"
    ? {
        ...opt("memory", num(read(u, "memory.current"))),
        ...opt("pids", num(read(u, "pids.current"))),
      }
    : {
        ...opt("memory", num(read(d.get("memory"), "memory.usage_in_bytes"))),
        ...opt("pids", num(read(d.get("pids"), "pids.current"))),
      };
}

export function sampleCgroup(cg: CheckedCgroup): CgroupSample {
  const d = cg.dirs;
  if (cg.driver === "v2") {
    const u = d.get("unified");
    const usec = key(read(u, "cpu.stat"), "usage_usec");
    const io = io2(read(u, "io.stat"));
    return {
      ...(usec !== undefined ? { cpuNs: usec * 1000 } : {}),
      ...opt("memory", num(read(u, "memory.current"))),
      ...opt("memoryLimit", num(read(u, "memory.max"))),
      ...opt("pids", num(read(u, "pids.current"))),
      ...opt("pidsLimit", num(read(u, "pids.max"))),
      ...io,
    };
  }
  const cpuDir = d.get("cpuacct") ?? d.get("cpu");
  const blk = blkio(read(d.get("blkio"), "blkio.throttle.io_service_bytes"));
  // Without a cpuacct cgroup of its own (no CPU limit asked for), the CPU time of the processes
  // in its memory or pids cgroup, from /proc (clock ticks: coarser).
  const cpuNs =
    num(read(cpuDir, "cpuacct.usage")) ??
    procsCpuNs(read(d.get("memory") ?? d.get("pids") ?? d.get("freezer"), "cgroup.procs"));
  return {
    ...opt("cpuNs", cpuNs),
    ...opt("memory", num(read(d.get("memory"), "memory.usage_in_bytes"))),
    ...opt("memoryLimit", v1Limit(num(read(d.get("memory"), "memory.limit_in_bytes")))),
    ...opt("pids", num(read(d.get("pids"), "pids.current"))),
    ...opt("pidsLimit", num(read(d.get("pids"), "pids.max"))),
    ...blk,
  };
}

/** The CPU time of the processes listed (a cgroup.procs), their reaped children's included. */
function procsCpuNs(procs: string | undefined): number | undefined {
  if (procs === undefined) return undefined;
  let ticks = 0;
  for (const line of procs.split("\n")) {
    const pid = Number(line);
    if (!(pid > 0)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Fields 14 to 17 (utime, stime, cutime, cstime) are at 11 to 14 after the name.
      for (let i = 11; i <= 14; i++) ticks += Number(f[i]) || 0;
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1e9) / CLOCK_TICKS;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux architecture secure-run supports. */
const CLOCK_TICKS = 100;

function opt<K extends string>(k: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, number>);
}

/** io.stat: "8:0 rbytes=… wbytes=… …" per device. */
export function io2(text: string | undefined): Pick<CgroupSample, "blockRead" | "blockWrite"> {
  if (text === undefined) return {};
  let r = 0;
  let w = 0;
  for (const line of text.split("\n"))
    for (const f of line.split(/\s+/)) {
      const [k, v] = f.split("=");
      if (k === "rbytes") r += Number(v) || 0;
      if (k === "wbytes") w += Number(v) || 0;
    }
  return { blockRead: r, blockWrite: w };
}

/** blkio.throttle.io_service_bytes: "8:0 Read N" lines. */
export function blkio(text: string | undefined): Pick<CgroupSample, "blockRead" | "blockWrite"> {
  if (text === undefined) return {};
  let r = 0;
  let w = 0;
  for (const line of text.split("\n")) {
    const [dev, op, v] = line.trim().split(/\s+/);
    if (!dev?.includes(":")) continue;
    if (op === "Read") r += Number(v) || 0;
    if (op === "Write") w += Number(v) || 0;
  }
  return { blockRead: r, blockWrite: w };
}

/** Bytes received and sent on the interfaces of `pid`'s network namespace (not loopback). */
export function netIO(pid: number): { rx: number; tx: number } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    // On the host's network (network.mode host) these are the host's figures, not the app's:
    // none are given.
    if (readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync("/proc/self/ns/net")) return undefined;
    text = readFileSync(`/proc/${pid}/net/dev`, "utf8");
  } catch {
    return undefined;
  }
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    if (!rest || name?.trim() === "lo") continue;
    const f = rest.trim().split(/\s+/);
    rx += Number(f[0]) || 0;
    tx += Number(f[8]) || 0;
  }
  return { rx, tx };
}

/** Whether the instance's cgroup is frozen (v1 freezer.state FROZEN or FREEZING; v2
 * cgroup.freeze 1). */
export function frozen(cg: { driver: "v1" | "v2"; dirs: Map<string, string> } | null): boolean {
  if (!cg) return false;
  if (cg.driver === "v2") return read(cg.dirs.get("unified"), "cgroup.freeze")?.trim() === "1";
  const s = read(cg.dirs.get("freezer"), "freezer.state")?.trim();
  return s === "FROZEN" || s === "FREEZING";
}

/** Why the instance cannot be paused (undefined: it can). */
export function cannotFreeze(
  cg: { driver: "v1" | "v2"; dirs: Map<string, string> } | null,
): string | undefined {
  if (!cg) return "it has no cgroup (a user's instance on a host that delegates none)";
  if (cg.driver === "v1" && !cg.dirs.has("freezer"))
    return "it has no freezer cgroup (the freezer hierarchy is not mounted, or not writable)";
  if (cg.driver === "v2" && !cg.dirs.has("unified")) return "it has no cgroup v2 directory";
  return undefined;
}

/** Freezes (true) or thaws the instance's cgroup; returns once the kernel says it is done. */
export async function setFrozen(
  cg: { driver: "v1" | "v2"; dirs: Map<string, string> },
  freeze: boolean,
): Promise<void> {
  if (cg.driver === "v2") {
    const dir = cg.dirs.get("unified") as string;
    write(dir, "cgroup.freeze", freeze ? "1" : "0");
    for (let i = 0; i < 500; i++) {
      const frozenNow = key(read(dir, "cgroup.events"), "frozen");
      if (frozenNow === (freeze ? 1 : 0)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${dir}: the cgroup did not ${freeze ? "freeze" : "thaw"} within 5 s`);
  }
  const dir = cg.dirs.get("freezer") as string;
  write(dir, "freezer.state", freeze ? "FROZEN" : "THAWED");
  for (let i = 0; i < 500; i++) {
    if (read(dir, "freezer.state")?.trim() === (freeze ? "FROZEN" : "THAWED")) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${dir}: the freezer did not reach ${freeze ? "FROZEN" : "THAWED"} within 5 s`);
}

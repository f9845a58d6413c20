/** Creating, starting, stopping, killing, waiting for and removing instances. The supervisor (the
 * launcher in instance mode, detached in a session of its own) does the running; this module only
 * prepares its directory, starts it, waits for its ready line, and sends it signals. */
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { Socket } from "node:net";
import { launcherArgs } from "../bundle/argv.cjs";
import { NETWORK_FILE, writeNetworkDoc, type NetworkSpec } from "../network/doc.js";
import { networkDel } from "../network/hook.js";
import { netHook } from "../network/launch.js";
import { withHostDns } from "../network/resolv.js";
import { InternalError, LaunchError, SecureRunError } from "../errors.js";
import { formatPath, validateAgainst } from "../documents/validate.js";
import { killAndRemoveCgroup } from "../host/cgroups.js";
import { sha256 } from "../digest.cjs";
import { paths } from "../paths.cjs";
import { cgroupDirs, UnsafeCgroupError } from "./cgroup.js";
import { openOwned } from "./files.js";
import { bootId, lockHeldOn, openLock, sameSupervisor } from "./liveness.js";
import { readExit } from "./exits.js";
import { withInstanceLock } from "./lock.js";
import { needExecAddon } from "../native/exec-addon.js";
import { RemoveError, removeOwnTree, removeTree } from "../host/remove-tree.js";
import {
  instanceDir,
  NAME,
  newId,
  readInstance,
  releaseName,
  reserveName,
  type Store,
} from "./store.js";
import type { InstanceDoc, StateDoc } from "./types.js";
import { exitCodeOf, readState, viewInstance, type InstanceView } from "./view.js";

/** SIGRTMIN+3 (native/launcher/loop.h SR_SIG_KILL): "kill now" — glibc's SIGRTMIN is 34. */
export const SR_SIG_KILL = 37;

/** A request the instance's state refuses (exit 1): e.g. rm of a running one without -f. */
export class InstanceRefused extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_REFUSED";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "InstanceRefused";
  }
}

/** The name is another instance's (exit 125, as docker's "Conflict"). */
export class NameInUse extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_NAME_IN_USE";
  constructor(readonly instanceName: string) {
    super(`the name "${instanceName}" is already in use by another instance`);
    this.name = "NameInUse";
  }
}

export interface NewInstance {
  appName: string;
  app: string | null;
  command: string[];
  /** --name; default <appName>-<first 6 hex of the id>. */
  name?: string;
  bundle: Buffer;
  restart: InstanceDoc["restart"];
  stopSignal?: string;
  stopTimeout?: number;
  logMaxBytes?: number;
  remove?: boolean;
  writable?: boolean;
  /** The image id its root is made of. */
  image?: string;
  ports?: InstanceDoc["ports"];
  limits: InstanceDoc["limits"];
  /** A private network: its document, written as network.json with the instance's id. */
  network?: NetworkSpec;
}

export interface Ready {
  status: "running";
  supervisorPid: number;
  initPid: number;
}

export interface StartOptions {
  cgroupParent?: string;
  /** How long the ready line may take (default 30 s). */
  readyTimeoutMs?: number;
}

/** A name a default may be made from: the app's name, cut to what NAME allows. */
function defaultName(appName: string, id: string): string {
  const base = appName.replace(/[^a-zA-Z0-9_.-]/g, "-").replace(/^[^a-zA-Z0-9]+/, "") || "app";
  return `${base.slice(0, 55)}-${id.slice(0, 6)}`;
}

function writeExclusive(path: string, data: Buffer | string): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The launcher's arguments in instance mode (src/bundle/argv.cts says them), then the bundle's. */
export function instanceLauncherArgs(
  dir: string,
  doc: InstanceDoc,
  o: StartOptions = {},
): string[] {
  return launcherArgs(
    { bundle: join(dir, "bundle"), sha256: doc.bundleSha256 },
    {
      ...((o.cgroupParent ?? doc.cgroupParent)
        ? { cgroupParent: o.cgroupParent ?? doc.cgroupParent }
        : {}),
      instance: {
        dir,
        readyFd: 3,
        restart: doc.restart,
        stopSignal: doc.stopSignal,
        logMax: doc.log.maxBytes,
        removeWhenDone: doc.remove,
        name: doc.name,
      },
      // The app's writable root (root.writable): its layer is the instance's, kept across stop
      // and start, removed with the instance.
      ...(doc.writable ? { writableLayer: join(dir, "layer") } : {}),
      // A private network: the supervisor adds it before each run and removes it after.
      ...(doc.network ? { netHook: netHook(join(dir, NETWORK_FILE)) } : {}),
    },
  );
}

/** Makes the instance (directory, instance.json, its bundle, its name) and starts it; returns
 * once the first run's app has started. A failed first start leaves nothing: the directory and
 * the name are removed, and the error says why (LaunchError with the launcher's 125/126/127). */
export async function createInstance(
  s: Store,
  n: NewInstance,
  o: StartOptions = {},
): Promise<{ doc: InstanceDoc; ready: Ready }> {
  const id = newId();
  const name = n.name ?? defaultName(n.appName, id);
  if (!NAME.test(name))
    throw new InstanceRefused(`invalid name "${name}": expected ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`);
  const doc: InstanceDoc = {
    version: 1,
    id,
    name,
    app: n.app,
    command: n.command,
    created: new Date().toISOString(),
    bundleSha256: sha256(n.bundle),
    restart: n.restart,
    stopSignal: n.stopSignal ?? "SIGTERM",
    stopTimeout: n.stopTimeout ?? 10,
    log: { maxBytes: n.logMaxBytes ?? 10 * 1024 * 1024 },
    remove: Boolean(n.remove),
    writable: Boolean(n.writable),
    ...(n.image ? { image: n.image } : {}),
    ports: n.ports ?? [],
    ...(n.network ? { network: { publish: n.network.publish } } : {}),
    limits: n.limits,
    uid: process.geteuid?.() ?? 0,
    ...(o.cgroupParent ? { cgroupParent: o.cgroupParent } : {}),
  };
  // What it will be read back as (and some of it may come from the bundle cache's entry).
  const problems = validateAgainst("instance", doc);
  if (problems.length > 0)
    throw new InternalError(
      `the instance document would be invalid: ${problems
        .slice(0, 5)
        .map((p) => `${formatPath(p.path) || "(document)"}: ${p.message}`)
        .join("; ")}`,
      "if it came from the bundle cache, remove the cache (~/.cache/secure-run/bundles) and retry",
    );
  const dir = instanceDir(s, id);
  mkdirSync(dir, { mode: 0o700 });
  let named = false;
  try {
    if (!reserveName(s, name, id)) throw new NameInUse(name);
    named = true;
    writeExclusive(join(dir, "instance.json"), `${JSON.stringify(doc, null, 2)}\n`);
    writeExclusive(join(dir, "bundle"), n.bundle);
    if (doc.writable) mkdirSync(join(dir, "layer"), { mode: 0o700 });
    if (n.network) writeNetworkDoc(withHostDns({ ...n.network, id }), dir, NETWORK_FILE);
    const ready = await withInstanceLock(dir, () => startSupervisor(dir, doc, o));
    return { doc, ready };
  } catch (e) {
    // Nothing is left of a failed creation: not the directory, not the name.
    try {
      removeOwnTree(dir);
    } finally {
      if (named) releaseName(s, name, id);
    }
    throw e;
  }
}

/** Starts the supervisor detached and waits for its ready line. On a failure the supervisor has
 * ended (or was ended) when this throws. */
async function startSupervisor(dir: string, doc: InstanceDoc, o: StartOptions): Promise<Ready> {
  const addon = needExecAddon("starts instances");
  // posix_spawn (the addon): Node's spawn would first fork a copy of this whole process.
  let child: { pid: number; fd: number };
  try {
    child = addon.spawnDetached(
      paths.launcher,
      [paths.launcher, ...instanceLauncherArgs(dir, doc, o)],
      [],
    );
  } catch (e) {
    throw new LaunchError(`cannot start the supervisor: ${(e as Error).message}`, 125);
  }
  const pid = child.pid;
  const pipe = new Socket({ fd: child.fd, readable: true, writable: false });
  const line = await new Promise<string | undefined>((resolve) => {
    let buf = "";
    const timer = setTimeout(() => {
      resolve(undefined);
    }, o.readyTimeoutMs ?? 30_000);
    pipe.setEncoding("utf8");
    pipe.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0 || buf.length > 65536) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl >= 0 ? nl : undefined));
      }
    });
    pipe.on("error", () => undefined);
    pipe.on("close", () => {
      clearTimeout(timer);
      resolve(buf.length > 0 ? buf : "");
    });
  });
  let end: { code: number | null; signal: string | null } | null = null;
  /** The supervisor's end (its status collected), or undefined after `ms`. */
  const exitWithin = async (
    ms: number,
  ): Promise<{ code: number | null; signal: string | null } | undefined> => {
    const deadline = Date.now() + ms;
    for (;;) {
      end ??= addon.reap(pid);
      if (end) return end;
      if (Date.now() >= deadline) return undefined;
      await sleep(10);
    }
  };
  /** After a failure it reported, the supervisor ends by itself (it removes its cgroup first);
   * one that does not, or that never said it was ready, is killed. */
  const fail = async (
    message: string,
    code: 125 | 126 | 127 = 125,
    reported = false,
  ): Promise<never> => {
    if (!reported || !(await exitWithin(5000))) {
      try {
        process.kill(pid, SR_SIG_KILL);
      } catch {
        // gone already
      }
      if (!(await exitWithin(10_000))) process.kill(pid, "SIGKILL");
    }
    pipe.destroy();
    throw new LaunchError(message, code);
  };
  if (line === undefined)
    return fail("the supervisor did not say it was ready within the time allowed");
  let ready: Record<string, unknown>;
  try {
    ready = JSON.parse(line) as Record<string, unknown>;
  } catch {
    const end = await exitWithin(2000);
    const how = end ? ` (it ended with ${end.signal ?? `exit ${end.code}`})` : "";
    return fail(
      line === ""
        ? `the supervisor ended before it was ready${how}`
        : `the supervisor's ready line is not JSON: ${line.slice(0, 200)}`,
      end?.code === 126 || end?.code === 127 ? end.code : 125,
      true,
    );
  }
  if (ready.status !== "running") {
    const code = ready.exitCode === 126 || ready.exitCode === 127 ? ready.exitCode : 125;
    const step = typeof ready.step === "string" ? ready.step : "launch";
    const msg = typeof ready.message === "string" ? ready.message : "failed";
    const what =
      code === 127
        ? "command not found"
        : code === 126
          ? "command cannot be invoked"
          : `launch failed at step "${step}"`;
    return fail(`${what}: ${msg}`, code, true);
  }
  pipe.destroy();
  return {
    status: "running",
    supervisorPid: Number(ready.supervisorPid) || pid,
    initPid: Number(ready.initPid) || 0,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the instance's supervisor has released its lock (it ended); false after `ms`.
 * `lock` is its `lock` file opened (openLock) before the supervisor was told to end: a --rm
 * supervisor unlinks the file as it removes its directory, and lets go of the lock only once all
 * of it is gone. null: there was no lock file, so nothing to wait for. */
export async function waitReleased(lock: number | null, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let delay = 2;
  for (;;) {
    if (lock === null || !lockHeldOn(lock)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `body` with the instance's `lock` file open (see waitReleased), closed after. */
async function withLockOpen<T>(dir: string, body: (lock: number | null) => Promise<T>): Promise<T> {
  const lock = openLock(join(dir, "lock"));
  try {
    return await body(lock);
  } finally {
    if (lock !== null) closeSync(lock);
  }
}

/** The instance as its supervisor left it; null when that supervisor removed it (--rm). */
function viewAfterEnd(s: Store, id: string): InstanceView | null {
  if (!existsSync(join(instanceDir(s, id), "instance.json"))) return null;
  return viewInstance(s, id);
}

/** Sends `signal` to the supervisor of `v`, checking first that its pid is still that
 * supervisor (start time, boot id), so that a reused pid is never signalled. */
export function signalSupervisor(v: InstanceView, signal: NodeJS.Signals | number): boolean {
  const st = v.state;
  if (!st || !v.alive || !sameSupervisor(st)) return false;
  try {
    process.kill(st.supervisorPid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw e;
  }
}

/** Stops the instance: SIGTERM to the supervisor (which sends the app its stop signal and does
 * not restart it), then SR_SIG_KILL after `timeoutS`; returns once the supervisor has ended, with
 * the instance's view (null: it was started with --rm and its supervisor removed it). */
export async function stopInstance(
  s: Store,
  id: string,
  timeoutS?: number,
): Promise<InstanceView | null> {
  const dir = instanceDir(s, id);
  return withInstanceLock(dir, async () => {
    const v = viewInstance(s, id);
    if (!v.alive) return v;
    const t = timeoutS ?? v.doc.stopTimeout;
    return withLockOpen(dir, async (lock) => {
      if (v.state && signalSupervisor(v, "SIGTERM")) {
        if (await waitReleased(lock, t * 1000)) return viewAfterEnd(s, id);
        const now = viewAfterEnd(s, id);
        if (now) signalSupervisor(now, SR_SIG_KILL);
      }
      if (!(await waitReleased(lock, 15_000)))
        throw new LaunchError(`instance ${id.slice(0, 12)} did not stop within ${t + 15} s`);
      return viewAfterEnd(s, id);
    });
  });
}

/** Sends a signal: SIGKILL becomes SR_SIG_KILL to the supervisor (the whole sandbox dies);
 * SIGTERM is a stop without waiting; others are forwarded to the app by the supervisor. */
export function killInstance(s: Store, id: string, signal: string): InstanceView {
  const v = viewInstance(s, id);
  if (!v.alive)
    throw new InstanceRefused(`instance ${id.slice(0, 12)} is not running (${v.status})`);
  const sig = signal === "SIGKILL" || signal === "KILL" || signal === "9" ? SR_SIG_KILL : signal;
  const s2 = /^\d+$/.test(String(sig))
    ? Number(sig)
    : String(sig).startsWith("SIG")
      ? sig
      : `SIG${sig}`;
  if (!signalSupervisor(v, s2 as NodeJS.Signals | number))
    throw new InstanceRefused(`instance ${id.slice(0, 12)} is not running`);
  return v;
}

/** Starts a stopped instance again: same id, same bundle (verified against bundleSha256), same
 * writable layer. */
export async function startInstance(
  s: Store,
  id: string,
  o: StartOptions = {},
): Promise<Ready | null> {
  const dir = instanceDir(s, id);
  return withInstanceLock(dir, async () => {
    const v = viewInstance(s, id);
    if (v.alive) return null; // already running: as docker start, nothing to do
    const doc = readInstance(s, id);
    const fd = openOwned(dir, "bundle");
    let digest: string;
    try {
      const h = createHash("sha256");
      const buf = Buffer.alloc(1 << 16);
      for (;;) {
        const r = readSync(fd, buf, 0, buf.length, null);
        if (r === 0) break;
        h.update(buf.subarray(0, r));
      }
      digest = h.digest("hex");
    } finally {
      closeSync(fd);
    }
    if (digest !== doc.bundleSha256)
      throw new LaunchError(
        `instance ${id.slice(0, 12)}: its bundle changed (sha256 ${digest}, recorded ${doc.bundleSha256}); not started`,
      );
    if (v.status === "dead") await clearDead(v);
    return startSupervisor(dir, doc, o);
  });
}

/** Removes an instance: refused while it runs unless `force` (then it is killed first). */
export async function removeInstance(s: Store, id: string, force: boolean): Promise<void> {
  const dir = instanceDir(s, id);
  await withInstanceLock(dir, async () => {
    let v = viewInstance(s, id);
    if (v.alive) {
      if (!force)
        throw new InstanceRefused(
          `cannot remove the running instance ${id.slice(0, 12)} (${v.doc.name})`,
          "stop it first, or use rm -f",
        );
      const alive = v;
      const after = await withLockOpen(dir, async (lock) => {
        signalSupervisor(alive, SR_SIG_KILL);
        if (!(await waitReleased(lock, 15_000)))
          throw new LaunchError(`instance ${id.slice(0, 12)} did not end within 15 s`);
        return viewAfterEnd(s, id);
      });
      // An instance started with --rm was removed by its supervisor as it ended.
      if (!after) return;
      v = after;
    }
    if (v.status === "dead") await clearDead(v);
    // The writable layer first: what the app wrote may not be removable (files of ids the user
    // cannot remove even in a user namespace with its ranges), and then the instance is still
    // whole, for another rm. A user's files of its subordinate ids go in such a namespace.
    removeOwnTree(join(dir, "layer"));
    // The name next: once the directory is gone nothing says which id the name holds.
    releaseName(s, v.doc.name, id);
    for (const f of readdirSafe(dir)) if (f !== "cli.lock") removeOwnTree(join(dir, f));
  });
  // The lock file last, after the lock is released; a command that came meanwhile may have made
  // it again (it then finds no instance.json and says so): a few tries.
  for (let attempt = 0; ; attempt++) {
    removeTree(join(dir, "cli.lock"));
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "ENOTEMPTY" || attempt >= 20) throw new RemoveError(dir, (e as Error).message);
    }
    await sleep(10);
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** What a dead supervisor (killed with SIGKILL, or a reboot) left: what still runs in its
 * cgroups is killed and the cgroups removed (only directories that pass checkCgroupDir); its
 * state is marked failed (the supervisor cannot write it any more). Returns the cgroups removed. */
export async function clearDead(v: InstanceView): Promise<string[]> {
  const removed: string[] = [];
  const st = v.state;
  if (!st || v.alive) return removed;
  const same = st.bootId === bootId();
  let dirs: Map<string, string> | undefined;
  try {
    dirs = same ? cgroupDirs(st)?.dirs : undefined;
  } catch (e) {
    if (!(e instanceof UnsafeCgroupError)) throw e;
  }
  for (const d of dirs?.values() ?? []) {
    if (await killAndRemoveCgroup(d)) removed.push(d);
  }
  // Its private network, once nothing runs in it (the veth, rules, lease or forwarder).
  if (
    v.doc.network &&
    existsSync(join(v.dir, NETWORK_FILE)) &&
    networkDel(join(v.dir, NETWORK_FILE), 0)
  )
    removed.push(`network of instance ${v.id.slice(0, 12)}`);
  const marked: StateDoc = {
    ...st,
    status: "failed",
    initPid: 0,
    appPid: 0,
    cgroup: null,
    stopping: false,
    finishedAt: st.finishedAt ?? new Date().toISOString(),
    error: st.error ?? {
      step: "supervisor",
      message: same
        ? "the supervisor was killed (found by secure-run)"
        : "the host rebooted while the instance ran",
    },
  };
  // As the supervisor writes it: a fresh file (a link planted as state.json.tmp is not followed).
  const tmp = join(v.dir, "state.json.tmp");
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, `${JSON.stringify(marked, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(v.dir, "state.json"));
  return removed;
}

/** Waits until the instance has ended; its exit code (128+N after signal N), or undefined when
 * the supervisor died without saying. */
export async function waitInstance(
  s: Store,
  id: string,
): Promise<{ status: string; exitCode: number | undefined }> {
  const dir = instanceDir(s, id);
  let delay = 5;
  for (;;) {
    let v: InstanceView;
    try {
      v = viewInstance(s, id);
    } catch (e) {
      // Removed by its --rm supervisor, which kept its exit (exits.ts).
      const code = (e as NodeJS.ErrnoException).code;
      const st = code === "ENOENT" ? readExit(s, id) : null;
      if (!st) throw e;
      return { status: st.status, exitCode: exitCodeOf(st) };
    }
    if (!v.alive) {
      if (v.status === "dead") return { status: v.status, exitCode: undefined };
      const st = readState(dir);
      return { status: v.status, exitCode: exitCodeOf(st) };
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

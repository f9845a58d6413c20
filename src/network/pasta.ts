/** A rootless caller's private network: pasta (Debian's passt) joins the app's user and network
 * namespaces, gives the namespace the host's addresses and routes, and forwards the published
 * ports from the host into it; nothing else is forwarded (`-t none`…), and the gateway's address
 * does not lead to the host's loopback (--no-map-gw). It runs until `del` ends it. */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { procStartTime } from "../host/proc.js";
import type { PublishedPort } from "./doc.js";

const PASTA = ["/usr/bin/pasta", "/usr/local/bin/pasta"];

export class PastaError extends Error {
  constructor(message: string) {
    super(`pasta: ${message}`);
    this.name = "PastaError";
  }
}

/** pasta's options for the published ports: -t [ADDR/]HOST:CONTAINER, none when there are none. */
export function pastaPortArgs(publish: PublishedPort[]): string[] {
  const args: string[] = [];
  for (const proto of ["tcp", "udp"] as const) {
    const specs = publish
      .filter((p) => p.protocol === proto)
      .map((p) => `${p.hostIp !== "0.0.0.0" ? `${p.hostIp}/` : ""}${p.hostPort}:${p.port}`);
    const flag = proto === "tcp" ? "-t" : "-u";
    if (specs.length === 0) args.push(flag, "none");
    for (const s of specs) args.push(flag, s);
  }
  return [...args, "-T", "none", "-U", "none"];
}

/** Starts pasta on the app's namespaces: descriptors 3 (network) and 4 (user) of the hook,
 * which pasta inherits and opens as /proc/self/fd/N (after joining the user namespace it could
 * not open the hook's /proc/PID/fd/N). In the foreground of a session of its own (its pid is
 * the one to end: -P in the background would name the parent that exits), ready once it wrote
 * its pid file. */
export async function pastaStart(
  publish: PublishedPort[],
): Promise<{ pid: number; start: number }> {
  const exe = PASTA.find((p) => existsSync(p));
  if (!exe) throw new PastaError(`not found at ${PASTA.join(" or ")} (Debian package passt)`);
  const dir = mkdtempSync(join(tmpdir(), "secure-run-pasta-"));
  try {
    const pidFile = join(dir, "pid");
    const errFile = join(dir, "err");
    const err = openSync(errFile, "w", 0o600);
    const child = spawn(
      exe,
      [
        "--config-net",
        "--quiet",
        "--foreground",
        "--no-map-gw",
        "--ipv4-only",
        ...pastaPortArgs(publish),
        "-P",
        pidFile,
        "--userns",
        "/proc/self/fd/4",
        "--netns",
        "/proc/self/fd/3",
      ],
      {
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        detached: true,
        stdio: ["ignore", "ignore", err, 3, 4],
      },
    );
    closeSync(err);
    let ended: number | null | undefined;
    child.once("exit", (code) => (ended = code ?? -1));
    child.once("error", () => (ended = -1));
    for (const deadline = Date.now() + 10_000; ;) {
      if (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim()) break;
      if (ended !== undefined || Date.now() > deadline) {
        if (ended === undefined) child.kill("SIGKILL");
        // Without a syslog (a container, a minimal host) each line comes with a complaint of it.
        const said = readFileSync(errFile, "utf8")
          .split("\n")
          .filter((l) => l.trim() && !/^Failed to send \d+ bytes to syslog/.test(l))
          .slice(-3)
          .join("; ");
        throw new PastaError(
          (said || (ended === undefined ? "not ready after 10 s" : `exit ${ended}`)) +
            (/tun/.test(said)
              ? " (a rootless pasta opens /dev/net/tun: Debian makes it 0666)"
              : ""),
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    child.unref();
    const pid = child.pid ?? 0;
    const start = procStartTime(pid);
    if (start === undefined) throw new PastaError(`its process ${pid} is gone`);
    return { pid, start };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The state letter of /proc/PID/stat ("Z": ended, not reaped), undefined when gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** Ends the forwarder, if it is still the one started (same start time), and waits (2 s at most)
 * until it has ended. */
export function pastaStop(p: { pid: number; start: number }): void {
  if (procStartTime(p.pid) !== p.start) return;
  try {
    // pasta keeps no state to save, and does not end on SIGTERM while it forwards.
    process.kill(p.pid, "SIGKILL");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
  const until = Date.now() + 2000;
  for (
    let s = procState(p.pid);
    s !== undefined && s !== "Z" && Date.now() < until;
    s = procState(p.pid)
  )
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
}

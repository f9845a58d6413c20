/** A rootless caller's private network: pasta (Debian's passt) joins the app's user and network
 * namespaces, gives the namespace the host's addresses and routes, and forwards the published
 * ports from the host into it; nothing else is forwarded (`-t none`…), and the gateway's address
 * does not lead to the host's loopback (--no-map-gw). It runs until `del` ends it. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { procStartTime } from "../instances/liveness.js";
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
 * not open the hook's /proc/PID/fd/N). */
export function pastaStart(publish: PublishedPort[]): { pid: number; start: number } {
  const exe = PASTA.find((p) => existsSync(p));
  if (!exe) throw new PastaError(`not found at ${PASTA.join(" or ")} (Debian package passt)`);
  const dir = mkdtempSync(join(tmpdir(), "secure-run-pasta-"));
  try {
    const pidFile = join(dir, "pid");
    const r = spawnSync(
      exe,
      [
        "--config-net",
        "--quiet",
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
        encoding: "utf8",
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        timeout: 30_000,
        stdio: ["ignore", "pipe", "pipe", 3, 4],
      },
    );
    if (r.error || r.status !== 0) {
      // Without a syslog (a container, a minimal host) each line comes with a complaint of it.
      const said = r.stderr
        .split("\n")
        .filter((l) => l.trim() && !/^Failed to send \d+ bytes to syslog/.test(l))
        .slice(-3)
        .join("; ");
      throw new PastaError(
        r.error?.message ??
          (said || `exit ${r.status}`) +
            (/tun/.test(said) ? " (a rootless pasta opens /dev/net/tun: Debian makes it 0666)" : ""),
      );
    }
    const forwarder = Number(readFileSync(pidFile, "utf8").trim());
    const start = procStartTime(forwarder);
    if (start === undefined) throw new PastaError(`its process ${forwarder} is gone`);
    return { pid: forwarder, start };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ends the forwarder, if it is still the one started (same start time). */
export function pastaStop(p: { pid: number; start: number }): void {
  if (procStartTime(p.pid) !== p.start) return;
  try {
    process.kill(p.pid, "SIGTERM");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

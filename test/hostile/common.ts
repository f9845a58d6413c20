/** The hostile-image and hostile-host suite (issue 14): what every scenario shares. A scenario
 * takes a snapshot of the host before it runs and proves after it that nothing is left behind: no
 * new entry in the host's mount table, no cgroup, no process of the launcher's, no file created
 * outside the places the scenario itself made. */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { paths } from "../../src/paths.cjs";
import { canLaunch, leftoverCgroups, rootless } from "../helpers.js";

/** SECURE_RUN_TEST_LAUNCHER runs the scenarios against another build (e.g. an older commit's, to
 * show that a scenario fails there). */
export const launcher = process.env.SECURE_RUN_TEST_LAUNCHER ?? paths.launcher;
export const skipUnlessRoot = canLaunch
  ? false
  : "hostile scenarios launch for real: as root, or as the test user in the rootless pass";

/** The host's mount table, as "mountpoint fstype source" lines (ids left out: they are reused). */
export function hostMounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const f = l.split(" ");
      const sep = f.indexOf("-");
      return `${f[4]} ${f[sep + 1]} ${f[sep + 2]}`;
    })
    .sort();
}

/** Processes running the launcher (by the program they execute, so that a compiler building it
 * is not one), or whose command line names `marker`. */
export function launcherProcesses(marker?: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      let exe = "";
      try {
        exe = basename(readlinkSync(`/proc/${pid}/exe`));
      } catch {
        // a kernel thread, or gone
      }
      if (exe.startsWith("secure-run-launch") || (marker && cmd.includes(marker)))
        found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export interface HostSnapshot {
  mounts: string[];
  /** Directory listings that must not change (e.g. the parent of a scenario's rootfs). */
  listings: Map<string, string[]>;
  marker?: string;
}

/** What the host looks like before a scenario; `watch` are directories whose entries must not
 * change (a file created there by the launcher is a finding). */
export function snapshot(watch: string[] = [], marker?: string): HostSnapshot {
  const listings = new Map<string, string[]>();
  for (const d of watch) listings.set(d, listing(d));
  return { mounts: hostMounts(), listings, marker };
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Fails when the host differs from the snapshot: a mount, a cgroup, a process, a file. */
export function assertNothingLeft(before: HostSnapshot, what: string): void {
  const now = hostMounts();
  const added = now.filter((m) => !before.mounts.includes(m));
  assert.deepEqual(added, [], `${what}: the host's mount table gained entries`);
  assert.deepEqual(leftoverCgroups(), [], `${what}: cgroups left`);
  assert.deepEqual(launcherProcesses(before.marker), [], `${what}: processes left`);
  for (const [dir, entries] of before.listings)
    assert.deepEqual(listing(dir), entries, `${what}: ${dir} changed`);
}

/** Runs secure-run-launch with these arguments (the command after `--`). */
export function launch(
  args: string[],
  options: { timeout?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  return spawnSync(launcher, args, {
    encoding: "utf8",
    timeout: options.timeout ?? 30_000,
    input: options.input ?? "",
    env: options.env ?? { PATH: process.env.PATH },
  });
}

/** The variants every launch scenario runs in: with a user namespace (root inside is an
 * unprivileged range outside) and without one (uid 0 with the host's ids, as the plan does for an
 * app on the host's network that binds a port below 1024). Neither applies Landlock unless the
 * scenario asks for it, so a host without Landlock is what is tested. In the rootless pass
 * (issue 16) there is one: a user namespace mapping root inside to the caller's uid alone (no
 * newuidmap, no /etc/subuid here); without a user namespace an unprivileged caller can make no
 * mount namespace at all, so that variant is root's only. */
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
export const variants: { name: string; args: string[] }[] = rootless
  ? [
      {
        name: "rootless, with a user namespace (the caller's uid alone)",
        args: [
          "--unshare",
          "user,mount,pid,ipc,uts,net,cgroup",
          "--uid-map",
          `0:${uid}:1`,
          "--gid-map",
          `0:${gid}:1`,
          // Nothing is delegated to the user on cgroup v1: the launcher makes no cgroup.
          "--no-cgroup",
        ],
      },
    ]
  : [
      {
        name: "with a user namespace",
        args: [
          "--unshare",
          "user,mount,pid,ipc,uts,net,cgroup",
          "--uid-map",
          "0:100000:65536",
          "--gid-map",
          "0:100000:65536",
        ],
      },
      { name: "without a user namespace (uid 0)", args: ["--unshare", "mount,pid,ipc,uts,net"] },
    ];

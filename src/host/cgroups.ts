/** The cgroup hierarchies of this host and where the own process sits in each. The same
 * reading as the launcher's (native/launcher/cgroup.c), for `doctor`, tests and clean-up. */
import { readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_FILES } from "./fingerprint.cjs";

export interface CgroupHierarchy {
  version: 1 | 2;
  /** v1: the controllers of this hierarchy; v2: those offered to the own cgroup. */
  controllers: string[];
  mountPoint: string;
  /** The own cgroup's directory. */
  ownDir: string;
}

interface MountLine {
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const l = left.split(" ");
    const r = right.split(" ");
    out.push({
      root: l[3] ?? "/",
      point: (l[4] ?? "").replace(/\\040/g, " "),
      fstype: r[0] ?? "",
      superOptions: (r[2] ?? "").split(","),
    });
  }
  return out;
}

/** "4:memory:/a/b" lines → controller list (v2: []) and path. */
export function parseProcCgroup(
  text: string,
): { controllers: string[]; path: string; v2: boolean }[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id = "", ctrls = "", ...rest] = line.split(":");
      return {
        controllers: ctrls ? ctrls.split(",") : [],
        path: rest.join(":"),
        v2: id === "0" && ctrls === "",
      };
    });
}

function under(root: string, path: string): string | undefined {
  if (root === "/") return path;
  if (path === root) return "/";
  return path.startsWith(`${root}/`) ? path.slice(root.length) : undefined;
}

export function cgroupHierarchies(
  mountinfo: string = readFileSync(HOST_FILES.mountinfo, "utf8"),
  procCgroup: string = readFileSync(HOST_FILES.ownCgroup, "utf8"),
  readControllers: (dir: string) => string = (dir) =>
    readFileSync(join(dir, "cgroup.controllers"), "utf8"),
): CgroupHierarchy[] {
  const own = parseProcCgroup(procCgroup);
  const out: CgroupHierarchy[] = [];
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype === "cgroup2") {
      const line = own.find((o) => o.v2);
      const rel = line && under(m.root, line.path);
      if (rel === undefined) continue;
      const ownDir = join(m.point, rel);
      let controllers: string[] = [];
      try {
        controllers = readControllers(ownDir).trim().split(/\s+/).filter(Boolean);
      } catch {
        // not readable: no controllers usable
      }
      out.push({ version: 2, controllers, mountPoint: m.point, ownDir });
    } else if (m.fstype === "cgroup") {
      const controllers = m.superOptions.filter((o) => own.some((x) => x.controllers.includes(o)));
      const line = own.find((o) => o.controllers.some((c) => controllers.includes(c)));
      const rel = line && under(m.root, line.path);
      if (rel === undefined || controllers.length === 0) continue;
      out.push({ version: 1, controllers, mountPoint: m.point, ownDir: join(m.point, rel) });
    }
  }
  return out;
}

/** SIGKILL to every process in a cgroup: cgroup.kill (v2, Linux 5.14), else one by one from
 * cgroup.procs. */
function killAll(dir: string): void {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
  } catch {
    // cgroup v1, or an old kernel: one by one
  }
  try {
    for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
      const pid = Number(line);
      if (pid > 0) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
  } catch {
    // nothing to read
  }
}

/** Removes a cgroup whose supervisor is gone, killing what still runs in it (every 200 ms) until
 * it is empty; false when it was gone already. Throws EBUSY after about `tries` × 10 ms. */
export async function killAndRemoveCgroup(dir: string, tries = 300): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return true;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "ENOENT") return false;
      if (err.code !== "EBUSY" || attempt >= tries) throw err;
      if (attempt % 20 === 0) killAll(dir);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

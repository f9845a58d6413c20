/** SELinux MCS categories, two per running instance, never shared by two instances on a host:
 * each allocation is a file created exclusively in a registry directory, holding the owner's pid;
 * a file whose owner is gone is taken back. */
import { randomInt } from "node:crypto";
import {
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
} from "node:fs";
import { join } from "node:path";

export const DEFAULT_REGISTRY = "/run/secure-run/mcs";
const CATEGORIES = 1024;

export interface Categories {
  /** "c12,c345" */
  pair: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes back pairs whose owner is gone. */
export function reclaim(registry = DEFAULT_REGISTRY): number {
  let n = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(registry);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const file = join(registry, e);
    try {
      if (!alive(Number(readFileSync(file, "utf8").trim()))) {
        rmSync(file, { force: true });
        n++;
      }
    } catch {
      // taken meanwhile
    }
  }
  return n;
}

export function allocateCategories(registry = DEFAULT_REGISTRY, owner = process.pid): Categories {
  mkdirSync(registry, { recursive: true, mode: 0o700 });
  reclaim(registry);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const a = randomInt(CATEGORIES);
    const b = randomInt(CATEGORIES);
    if (a === b) continue;
    const pair = `c${Math.min(a, b)},c${Math.max(a, b)}`;
    const file = join(registry, pair);
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw e;
    }
    writeSync(fd, `${owner}\n`);
    closeSync(fd);
    return {
      pair,
      release: () => {
        rmSync(file, { force: true });
      },
    };
  }
  throw new Error("no free pair of SELinux categories");
}

export function selinuxLabels(
  plan: { processType: string; fileType: string; level: string },
  pair: string,
): { process: string; file: string } {
  return {
    process: `system_u:system_r:${plan.processType}:${plan.level}:${pair}`,
    file: `system_u:object_r:${plan.fileType}:${plan.level}:${pair}`,
  };
}

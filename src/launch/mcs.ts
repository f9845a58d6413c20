/** SELinux MCS categories, two per running instance, never the same two for two instances on a
 * host: each allocation is a file created exclusively in a registry directory, holding the
 * owner's pid; a file whose owner is gone is taken back.
 *
 * The instances of one app (`instances: N`) share its rootfs and volumes. They get one category
 * of their own app's, reserved for that app alone (a registry file "cN" that no other pair may
 * contain), and one each: the shared files are labelled with the app's category only, which every
 * instance's pair dominates and no other app's does; what an instance creates carries its whole
 * pair, which no other instance dominates. The launcher allocates for compiled bundles from the
 * same registry (native/launcher/mcs.c, --selinux-mcs-registry), by the same rules. */
import { randomInt } from "node:crypto";
import {
  existsSync,
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

/** Creates `file` holding the owner's pid; false when it exists. */
function claim(file: string, owner: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, `${owner}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

const pairName = (a: number, b: number): string => `c${Math.min(a, b)},c${Math.max(a, b)}`;

/** Whether category `c` is reserved for an app's instances (its single-category file exists). */
const reserved = (registry: string, c: number): boolean => existsSync(join(registry, `c${c}`));

/** Whether a pair in the registry contains category `c`. */
function inAPair(registry: string, c: number): boolean {
  return readdirSync(registry).some((e) => e.includes(",") && e.split(",").includes(`c${c}`));
}

/**
 * A pair of categories for one instance. With `shared` (from {@link allocateShared}) the pair is
 * that category and one of the instance's own. Claims come first and checks after, on both sides
 * (here and in allocateShared), so that two racing claims can both back off but never both hold.
 */
export function allocateCategories(
  registry = DEFAULT_REGISTRY,
  owner = process.pid,
  shared?: SharedCategory,
): Categories {
  mkdirSync(registry, { recursive: true, mode: 0o700 });
  reclaim(registry);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const a = shared?.category ?? randomInt(CATEGORIES);
    const b = randomInt(CATEGORIES);
    if (a === b) continue;
    const pair = pairName(a, b);
    const file = join(registry, pair);
    if (!claim(file, owner)) continue;
    // Another app's reserved category may not be part of this pair.
    if ((!shared && reserved(registry, a)) || reserved(registry, b)) {
      rmSync(file, { force: true });
      continue;
    }
    return {
      pair,
      release: () => {
        rmSync(file, { force: true });
      },
    };
  }
  throw new Error("no free pair of SELinux categories");
}

export interface SharedCategory {
  /** 17 for c17 */
  category: number;
  release(): void;
}

/** A category reserved for the instances of one app: no pair but theirs contains it. */
export function allocateShared(registry = DEFAULT_REGISTRY, owner = process.pid): SharedCategory {
  mkdirSync(registry, { recursive: true, mode: 0o700 });
  reclaim(registry);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const c = randomInt(CATEGORIES);
    const file = join(registry, `c${c}`);
    if (!claim(file, owner)) continue;
    if (inAPair(registry, c)) {
      rmSync(file, { force: true });
      continue;
    }
    return {
      category: c,
      release: () => {
        rmSync(file, { force: true });
      },
    };
  }
  throw new Error("no free SELinux category for the app's instances");
}

/**
 * The process label, and the label of the app's files: its pair, or with `shared` (instances of
 * one app sharing their rootfs and volumes) the shared category alone.
 */
export function selinuxLabels(
  plan: { processType: string; fileType: string; level: string },
  pair: string,
  shared?: number,
): { process: string; file: string } {
  return {
    process: `system_u:system_r:${plan.processType}:${plan.level}:${pair}`,
    file: `system_u:object_r:${plan.fileType}:${plan.level}:${shared === undefined ? pair : `c${shared}`}`,
  };
}

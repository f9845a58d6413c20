/** Which entries of a Docker profile apply to one architecture, capability set and kernel, the
 * way Docker and Podman resolve their profiles (moby profiles/seccomp, containers/common
 * pkg/seccomp): an entry applies when none of excludes.arches is the architecture, none of
 * excludes.caps is kept, the kernel is below excludes.minKernel (if given); every includes.caps
 * is kept, the architecture is one of includes.arches (if given) and the kernel is at least
 * includes.minKernel (if given). Architectures there are Go's names (arches.ts); capabilities
 * are compared without their CAP_ prefix. */
import type { Architecture } from "./arches.js";
import type { Entry } from "./docker-read.js";

/** "6.1.0-18-amd64" → [6, 1, 0]; undefined when it does not start with a number. */
export function parseVersion(v: string): number[] | undefined {
  const m = /^\d+(\.\d+)*/.exec(v.trim());
  return m ? m[0].split(".").map(Number) : undefined;
}

/** a ≥ b, component by component (missing components are 0). */
function versionAtLeast(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

const capName = (c: string): string => c.toUpperCase().replace(/^CAP_/, "");

export interface Selection {
  arch: Architecture;
  capabilities: string[];
  /** Without it, minKernel conditions are taken as met. */
  kernel: number[] | undefined;
}

/** The entries that apply, and the minKernel fields taken as met for want of a kernel. */
export function selectEntries(
  entries: readonly Entry[],
  selection: Selection,
): { entries: Entry[]; kernelUnknown: string[] } {
  const { arch, kernel } = selection;
  const caps = new Set(selection.capabilities.map(capName));
  const kernelUnknown: string[] = [];
  const meetsKernel = (min: string | undefined, path: string): boolean => {
    if (min === undefined) return true;
    if (!kernel) {
      kernelUnknown.push(path);
      return true;
    }
    return versionAtLeast(kernel, parseVersion(min) ?? []);
  };
  const applies = (e: Entry): boolean => {
    const { includes: inc, excludes: exc } = e;
    if (exc.arches.some((a) => arch.goNames.includes(a))) return false;
    if (exc.caps.some((c) => caps.has(capName(c)))) return false;
    if (
      exc.minKernel !== undefined &&
      kernel &&
      versionAtLeast(kernel, parseVersion(exc.minKernel) ?? [])
    )
      return false;
    if (inc.arches.length > 0 && !inc.arches.some((a) => arch.goNames.includes(a))) return false;
    if (!inc.caps.every((c) => caps.has(capName(c)))) return false;
    if (exc.minKernel !== undefined && !kernel) kernelUnknown.push(`${e.path}.excludes.minKernel`);
    return meetsKernel(inc.minKernel, `${e.path}.includes.minKernel`);
  };
  return { entries: entries.filter(applies), kernelUnknown };
}

/** A baseline to compare with: a Docker/OCI seccomp profile, read for each architecture with
 * Docker's default capabilities, and what it allows there. */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InputError } from "../errors.js";
import type { SeccompSpec } from "../plan/types.js";
import { importDockerProfile } from "../seccomp/docker.js";
import type { SeccompNative } from "../native/seccomp.js";
import { DOCKER_DEFAULT_CAPABILITIES } from "../plan/seccomp-source.js";
import { expectedVerdict, rulesFor } from "../seccomp/verdict.js";
import { argumentVectors } from "./check.js";
import type { NumberedSyscall } from "../seccomp/syscall-table.js";
import type { BaselineArch, BaselineComparison } from "./types.js";

export interface Baseline {
  label: string;
  file: string;
  capabilities: string[];
  specs: { arch: string; spec: SeccompSpec }[];
  notes: string[];
}

export function loadBaseline(
  file: string,
  arches: readonly string[],
  kernel: string,
  native: SeccompNative,
): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError([
      { file, path: "", message: `cannot read the baseline profile: ${(e as Error).message}` },
    ]);
  }
  const notes = new Set<string>();
  const specs = arches.map((arch) => {
    const r = importDockerProfile(json, {
      arch,
      capabilities: DOCKER_DEFAULT_CAPABILITIES,
      kernel,
      source: file,
      native,
    });
    for (const n of r.notes) notes.add(n);
    return { arch, spec: r.spec };
  });
  return {
    label: basename(file),
    file,
    capabilities: [...DOCKER_DEFAULT_CAPABILITIES],
    specs,
    notes: [...notes],
  };
}

/** The names a spec allows for some of the arguments that exercise its conditions. */
export function allowedBySpec(
  spec: SeccompSpec,
  arch: string,
  syscalls: readonly NumberedSyscall[],
): Set<string> {
  const out = new Set<string>();
  for (const { name } of syscalls)
    if (
      argumentVectors(rulesFor(spec, name), arch).some(
        (args) => expectedVerdict(spec, name, args).action === "allow",
      )
    )
      out.add(name);
  return out;
}

export function compareWithBaseline(
  baseline: Baseline,
  planAllowed: ReadonlyMap<string, ReadonlySet<string>>,
  syscalls: ReadonlyMap<string, readonly NumberedSyscall[]>,
  keptCapabilities: readonly string[],
): BaselineComparison {
  const arches = baseline.specs.map(({ arch, spec }): BaselineArch => {
    const base = allowedBySpec(spec, arch, syscalls.get(arch) ?? []);
    const plan = planAllowed.get(arch) ?? new Set<string>();
    const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
    return {
      arch,
      baselineAllowed: base.size,
      planAllowed: plan.size,
      both: [...plan].filter((n) => base.has(n)).length,
      onlyBaseline: sorted([...base].filter((n) => !plan.has(n))),
      onlyPlan: sorted([...plan].filter((n) => !base.has(n))),
    };
  });
  const kept = new Set(keptCapabilities);
  return {
    label: baseline.label,
    file: baseline.file,
    capabilities: {
      baseline: baseline.capabilities,
      onlyBaseline: baseline.capabilities.filter((c) => !kept.has(c)),
      onlyPlan: keptCapabilities.filter((c) => !baseline.capabilities.includes(c)),
    },
    arches,
    notes: baseline.notes,
  };
}

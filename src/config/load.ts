/** The organisation's configuration (schemas/config.schema.json): plain data for the policies. */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { locateProblems } from "../documents/locate.js";
import { parseSize } from "../documents/units.js";
import { validateAgainst, type SchemaProblem } from "../documents/validate.js";
import { parseYaml } from "../documents/yaml-source.js";
import { loadNative } from "../native/seccomp.js";
import { syscallNameChecker } from "../seccomp/names.js";
import type { FailOn } from "./fail-on.js";

/** As the policies read it (data.config): sizes in bytes. */
export interface OrgConfig {
  capabilities?: { allowed?: string[] };
  syscalls?: { forbidden?: string[]; allowed?: string[] };
  limits?: {
    required?: string[];
    max?: { memory?: number; swap?: number; cpu?: number; pids?: number };
  };
  defaults?: { memory?: number; pids?: number; tmpSize?: number };
  network?: { allowHost?: boolean; bridge?: string; subnet?: string };
  paths?: { forbidden?: string[]; readOnly?: string[] };
  selinux?: { processType?: string; fileType?: string };
  rules?: Record<string, "deny" | "warn" | "info" | "off">;
  diff?: { failOn?: FailOn[] };
}

export interface LoadedConfig {
  file: string;
  config: OrgConfig;
}

type Raw = Record<string, Record<string, unknown> | undefined>;

export function parseConfig(text: string, file: string): LoadedConfig {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) {
    throw new InputError([
      { file, ...parsed.position, path: "", message: `invalid YAML: ${parsed.message}` },
    ]);
  }
  const problems = validateAgainst("config", parsed.source.value ?? {});
  if (problems.length > 0) throw new InputError(locateProblems(parsed.source, problems));
  const raw = parsed.source.value as Raw;
  const sizeProblems: SchemaProblem[] = [];
  const sizes = (
    obj: Record<string, unknown> | undefined,
    path: string[],
  ): Record<string, unknown> | undefined => {
    if (!obj) return undefined;
    const out: Record<string, unknown> = { ...obj };
    for (const key of ["memory", "swap", "tmpSize"]) {
      const v = obj[key];
      if (v === undefined) continue;
      const bytes = parseSize(v as string | number);
      if (bytes === undefined)
        sizeProblems.push({
          path: [...path, key],
          at: "value",
          message: `expected a size; got ${JSON.stringify(v)}`,
        });
      else out[key] = bytes;
    }
    return out;
  };
  const config: OrgConfig = {};
  for (const key of [
    "capabilities",
    "syscalls",
    "network",
    "paths",
    "selinux",
    "rules",
    "diff",
  ] as const) {
    if (raw[key] !== undefined) (config as Record<string, unknown>)[key] = raw[key];
  }
  if (raw.defaults) config.defaults = sizes(raw.defaults, ["defaults"]);
  if (raw.limits) {
    const limits = raw.limits as { required?: string[]; max?: Record<string, unknown> };
    config.limits = { ...limits };
    if (limits.max)
      (config.limits as Record<string, unknown>).max = sizes(limits.max, ["limits", "max"]);
  }
  // A misspelt forbidden syscall would forbid nothing: every name must exist.
  const native = loadNative({ optional: true });
  if (native) {
    const names = syscallNameChecker(native);
    for (const key of ["forbidden", "allowed"] as const) {
      (config.syscalls?.[key] ?? []).forEach((name, i) => {
        if (!names.known(name))
          sizeProblems.push({
            path: ["syscalls", key, i],
            at: "value",
            message: `unknown syscall "${name}"`,
            hint: names.hint(name),
          });
      });
    }
  }
  if (sizeProblems.length > 0) throw new InputError(locateProblems(parsed.source, sizeProblems));
  return { file, config };
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError([
      {
        file,
        path: "",
        message: `cannot read the configuration: ${err.code === "ENOENT" ? "no such file" : err.message}`,
      },
    ]);
  }
  return parseConfig(text, file);
}

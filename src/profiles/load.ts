/** Syscall profiles: YAML files (profiles/ of the package, or files an app names), each a named
 * set of syscalls with, per syscall, why a program needs it and how risky it is. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Issue } from "../errors.js";
import { locateProblems } from "../documents/locate.js";
import { validateAgainst } from "../documents/validate.js";
import { parseYaml } from "../documents/yaml-source.js";
import { sha256 } from "../digest.cjs";
import { packageRoot, paths } from "../paths.cjs";
import type { SyscallNameChecker } from "../seccomp/names.js";

export type Risk = "low" | "medium" | "high";

export interface ProfileEntry {
  why: string;
  risk: Risk;
  /** Only on these architectures; absent: wherever the kernel has it. */
  arches?: string[];
}

export interface Profile {
  name: string;
  kind: "building-block" | "runtime" | "learned";
  description: string;
  syscalls: Record<string, ProfileEntry>;
  note?: string;
}

export type Profiles = Record<string, Profile>;

type RawProfile = Omit<Profile, "syscalls" | "kind"> & {
  kind?: Profile["kind"];
  syscalls: Record<string, string | { why: string; risk?: Risk; arches?: string[] }>;
};

export function normalizeProfile(raw: RawProfile): Profile {
  const syscalls: Record<string, ProfileEntry> = {};
  for (const [name, v] of Object.entries(raw.syscalls)) {
    syscalls[name] =
      typeof v === "string"
        ? { why: v, risk: "low" }
        : { why: v.why, risk: v.risk ?? "low", ...(v.arches ? { arches: v.arches } : {}) };
  }
  return {
    name: raw.name,
    kind: raw.kind ?? "building-block",
    description: raw.description,
    syscalls,
    ...(raw.note ? { note: raw.note } : {}),
  };
}

/** Reads a file's text (the default: from the file system; `diff --base` reads a git revision). */
export type ReadText = (file: string) => string;

const readFromDisk: ReadText = (file) => readFileSync(file, "utf8");

/** One profile file, validated; `expectName` checks that the name matches the file's; with
 * `names`, every syscall must be one libseccomp knows (a file a user names: fail closed). */
export function readProfile(
  file: string,
  expectName?: string,
  names?: SyscallNameChecker,
  read: ReadText = readFromDisk,
): { profile?: Profile; issues: Issue[] } {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      issues: [
        {
          file,
          path: "",
          message: `cannot read the profile: ${err.code === "ENOENT" ? "no such file" : err.message}`,
        },
      ],
    };
  }
  const parsed = parseYaml(text, file);
  if (!parsed.ok)
    return {
      issues: [{ file, ...parsed.position, path: "", message: `invalid YAML: ${parsed.message}` }],
    };
  const problems = validateAgainst("profile", parsed.source.value);
  if (problems.length > 0) return { issues: locateProblems(parsed.source, problems) };
  const profile = normalizeProfile(parsed.source.value as RawProfile);
  if (expectName !== undefined && profile.name !== expectName) {
    return {
      issues: [
        {
          file,
          ...parsed.source.locate(["name"]),
          path: "name",
          message: `the profile in ${expectName}.yaml must be named "${expectName}"; got "${profile.name}"`,
        },
      ],
    };
  }
  const unknown: Issue[] = Object.keys(profile.syscalls)
    .filter((name) => names && !names.known(name))
    .map((name) => ({
      file,
      ...parsed.source.locate(["syscalls", name], "key"),
      path: `syscalls.${name}`,
      message: `unknown syscall "${name}"`,
      hint: names?.hint(name) ?? "",
    }));
  if (unknown.length > 0) return { issues: unknown };
  return { profile, issues: [] };
}

let packageProfiles: Profiles | undefined;

/** dist/profiles.json (scripts/build-profiles.mjs): the package's profiles as the build read and
 * validated them, with the sha256 of each file they came from. */
interface PrebuiltProfiles {
  files: Record<string, string>;
  profiles: Profiles;
}

/** The package's profiles from the build, when every file is still the one it read (same names,
 * same bytes): parsing and validating the YAML again costs every command milliseconds. */
function prebuiltProfiles(dir: string, files: string[]): Profiles | undefined {
  let built: PrebuiltProfiles;
  try {
    built = JSON.parse(
      readFileSync(join(packageRoot, "dist/profiles.json"), "utf8"),
    ) as PrebuiltProfiles;
  } catch {
    return undefined; // not built (tsc alone)
  }
  const names = Object.keys(built.files).sort();
  if (names.length !== files.length || names.some((n, i) => n !== files[i])) return undefined;
  for (const f of files)
    if (sha256(readFileSync(join(dir, f))) !== built.files[f]) return undefined;
  return built.profiles;
}

/** Every profile in dir (default: the package's profiles/, read once), validated. */
export function loadProfiles(dir: string = paths.profiles): Profiles {
  if (dir === paths.profiles && packageProfiles) return packageProfiles;
  if (dir === paths.profiles) {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    const prebuilt = prebuiltProfiles(dir, files);
    if (prebuilt) return (packageProfiles = prebuilt);
  }
  const profiles: Profiles = {};
  const issues: Issue[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  for (const f of files) {
    const r = readProfile(join(dir, f), f.replace(/\.yaml$/, ""));
    issues.push(...r.issues);
    if (r.profile) profiles[r.profile.name] = r.profile;
  }
  if (issues.length > 0) throw new InputError(issues);
  if (dir === paths.profiles) packageProfiles = profiles;
  return profiles;
}

/** What the policy reads as data.profiles: name → {description, syscalls: name → why}. */
export function profilesForPolicy(
  profiles: Profiles,
): Record<string, { description: string; kind: string; syscalls: Record<string, string> }> {
  return Object.fromEntries(
    Object.entries(profiles).map(([key, p]) => [
      key,
      {
        description: p.description,
        kind: p.kind,
        syscalls: Object.fromEntries(Object.entries(p.syscalls).map(([n, e]) => [n, e.why])),
      },
    ]),
  );
}

/** The risk of a syscall as the profiles say (the highest any says), or undefined. */
export function riskOf(profiles: Profiles, name: string): Risk | undefined {
  const order: Risk[] = ["low", "medium", "high"];
  let risk: Risk | undefined;
  for (const p of Object.values(profiles)) {
    const r = p.syscalls[name]?.risk;
    if (r && (risk === undefined || order.indexOf(r) > order.indexOf(risk))) risk = r;
  }
  return risk;
}

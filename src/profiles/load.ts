/** Syscall profiles: YAML files in profiles/, each a named set of syscalls with reasons. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Issue } from "../errors.js";
import { locateProblems } from "../appspec/load.js";
import { validateAgainst } from "../appspec/validate.js";
import { parseYaml } from "../appspec/yaml-source.js";
import { paths } from "../paths.js";

export interface Profile {
  name: string;
  description: string;
  /** syscall name → why a program needs it */
  syscalls: Record<string, string>;
}

export type Profiles = Record<string, Profile>;

/** One profile file, validated; `expectName` checks that the name matches the file's. */
export function readProfile(
  file: string,
  expectName?: string,
): { profile?: Profile; issues: Issue[] } {
  const parsed = parseYaml(readFileSync(file, "utf8"), file);
  if (!parsed.ok)
    return {
      issues: [{ file, ...parsed.position, path: "", message: `invalid YAML: ${parsed.message}` }],
    };
  const problems = validateAgainst("profile", parsed.source.value);
  if (problems.length > 0) return { issues: locateProblems(parsed.source, problems) };
  const profile = parsed.source.value as Profile;
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
  return { profile, issues: [] };
}

/** Every profile in dir (default: the package's profiles/), validated. */
export function loadProfiles(dir: string = paths.profiles): Profiles {
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
  return profiles;
}

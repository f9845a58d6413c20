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

/** Every profile in dir (default: the package's profiles/), validated. */
export function loadProfiles(dir: string = paths.profiles): Profiles {
  const profiles: Profiles = {};
  const issues: Issue[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  for (const f of files) {
    const file = join(dir, f);
    const parsed = parseYaml(readFileSync(file, "utf8"), file);
    if (!parsed.ok) {
      issues.push({
        file,
        ...parsed.position,
        path: "",
        message: `invalid YAML: ${parsed.message}`,
      });
      continue;
    }
    const problems = validateAgainst("profile", parsed.source.value);
    if (problems.length > 0) {
      issues.push(...locateProblems(parsed.source, problems));
      continue;
    }
    const profile = parsed.source.value as Profile;
    if (`${profile.name}.yaml` !== f) {
      issues.push({
        file,
        ...parsed.source.locate(["name"]),
        path: "name",
        message: `the profile in ${f} must be named "${f.replace(/\.yaml$/, "")}"; got "${profile.name}"`,
      });
      continue;
    }
    profiles[profile.name] = profile;
  }
  if (issues.length > 0) throw new InputError(issues);
  return profiles;
}

/** Reads an app definition: YAML → schema → normalized App, with every problem located. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { normalizeApp, type ResolvedHostPath } from "./normalize.js";
import type { App, AppSpec } from "./types.js";
import { locateProblems } from "../documents/locate.js";
import { validateAgainst } from "../documents/validate.js";
import { parseYaml, type YamlSource } from "../documents/yaml-source.js";

export interface LoadedApp {
  file: string;
  /** As written (schema-valid). */
  spec: AppSpec;
  /** As the policy reads it. */
  app: App;
  source: YamlSource;
  /** Host paths given through symlinks, and what they resolve to (the app holds the latter). */
  resolved?: ResolvedHostPath[];
}

/** Parses text (read from `file`) as an app definition. Throws InputError with every problem. */
export function parseApp(text: string, file: string): LoadedApp {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) {
    throw new InputError([
      { file, ...parsed.position, path: "", message: `invalid YAML: ${parsed.message}` },
    ]);
  }
  const { source } = parsed;
  if (source.value === null || source.value === undefined) {
    throw new InputError([
      {
        file,
        line: 1,
        column: 1,
        path: "",
        message: "the file is empty",
        hint: "an app definition starts with apiVersion: secure-run/v1, kind: App, name and command",
      },
    ]);
  }
  const v = source.value as Record<string, unknown>;
  if (
    typeof v === "object" &&
    !("apiVersion" in v) &&
    !("command" in v) &&
    typeof v.syscalls === "object" &&
    "description" in v
  ) {
    // A profile given where an app definition belongs (e.g. examples/*.yaml): one clear error.
    throw new InputError([
      {
        file,
        line: 1,
        column: 1,
        path: "",
        message: "this is a syscall profile, not an app definition",
        hint: `an app names it in syscalls.profiles; see it with: secure-run profiles show ${file}`,
      },
    ]);
  }
  const problems = validateAgainst("app", source.value);
  if (problems.length > 0) throw new InputError(locateProblems(source, problems));
  const spec = source.value as AppSpec;
  const { app, problems: more, resolved } = normalizeApp(spec, dirname(resolve(file)));
  if (more.length > 0) throw new InputError(locateProblems(source, more));
  return { file, spec, app, source, resolved };
}

export function loadApp(file: string): LoadedApp {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError([
      {
        file,
        path: "",
        message: `cannot read the app definition: ${err.code === "ENOENT" ? "no such file" : err.message}`,
      },
    ]);
  }
  return parseApp(text, file);
}

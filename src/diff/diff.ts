/** `diff`: the plans of an app before and after a change, compared. The two sides are two app
 * files, or each app file and its version in a git revision (with the profile files it names
 * and the organisation's configuration as they were there). */
import { dirname, join, relative, resolve } from "node:path";
import { loadApp, parseApp, type LoadedApp } from "../appspec/load.js";
import { loadConfig, parseConfig, type OrgConfig } from "../config/load.js";
import { InputError, type Issue } from "../errors.js";
import { hostFacts, type HostFacts } from "../host/facts.js";
import { issueAt, makePlan } from "../plan/make.js";
import type { ReadText } from "../profiles/load.js";
import { comparePlans, deltas, reached, verdict, type DiffItem, type PlanDiff } from "./compare.js";
import type { FailOn } from "../config/fail-on.js";
import { appFiles, openRevision, type Revision } from "./git.js";

export interface AppDiff {
  /** The app file after the change, as given. */
  file: string;
  /** Before the change: a file, or `REF:path` in a revision; null when the app is new. */
  before: string | null;
  renamed: boolean;
  /** Undefined when a side could not be planned (see issues). */
  diff?: PlanDiff;
  verdict: string;
  /** The --fail-on thresholds this change reaches. */
  reached: FailOn[];
  issues: Issue[];
}

export interface DiffReport {
  /** The revision compared with (--base), or null for two files. */
  base: { ref: string; commit: string } | null;
  failOn: FailOn[];
  apps: AppDiff[];
}

export interface DiffOptions {
  /** The organisation's configuration file (the same for both sides of two files; with --base,
   * its version in the revision for the old side, when the revision has it). */
  configFile?: string;
  /** Thresholds; default: the configuration's diff.failOn. */
  failOn?: FailOn[];
  host?: HostFacts;
}

interface Planned {
  loaded: LoadedApp;
  side: Parameters<typeof comparePlans>[1];
}

function plan(loaded: LoadedApp, config: OrgConfig, host: HostFacts, readText?: ReadText): Planned {
  const r = makePlan(loaded, { config, host, check: false, ...(readText ? { readText } : {}) });
  return {
    loaded,
    side: {
      plan: r.plan,
      profiles: r.profiles,
      appProfiles: loaded.app.syscalls?.profiles ?? [],
    },
  };
}

/** Every added permission gets the line of the field it comes from in the new file. */
function locate(d: PlanDiff, loaded: LoadedApp): void {
  const at = (x: DiffItem | PlanDiff["limits"][number]): void => {
    const pos = issueAt(loaded, x.path, "");
    if (pos.line !== undefined) {
      x.line = pos.line;
      x.column = pos.column;
    }
  };
  for (const delta of deltas(d)) delta.added.forEach(at);
  d.limits.forEach(at);
  for (const [x, path] of [
    [d.user, "user"],
    [d.network, "network.mode"],
  ] as const) {
    if (!x) continue;
    const pos = issueAt(loaded, path, "");
    if (pos.line !== undefined) {
      x.line = pos.line;
      x.column = pos.column;
    }
  }
}

function compare(
  file: string,
  before: string | null,
  renamed: boolean,
  sides: () => { old: Planned | null; now: Planned },
  failOn: FailOn[],
): AppDiff {
  try {
    const { old, now } = sides();
    const diff = comparePlans(old?.side ?? null, now.side);
    locate(diff, now.loaded);
    return {
      file,
      before,
      renamed,
      diff,
      verdict: old ? verdict(diff) : `a new app: ${verdict(diff)}`,
      reached: reached(diff, failOn),
      issues: [],
    };
  } catch (e) {
    if (e instanceof InputError)
      return { file, before, renamed, verdict: "invalid", reached: [], issues: e.issues };
    throw e;
  }
}

const configOf = (file: string | undefined): OrgConfig => (file ? loadConfig(file).config : {});

/** Two app files: OLD before the change, NEW after it. */
export function diffFiles(oldFile: string, newFile: string, options: DiffOptions = {}): DiffReport {
  const config = configOf(options.configFile);
  const host = options.host ?? hostFacts();
  const failOn = options.failOn ?? config.diff?.failOn ?? [];
  const app = compare(
    newFile,
    oldFile,
    false,
    () => ({
      old: plan(loadApp(oldFile), config, host),
      now: plan(loadApp(newFile), config, host),
    }),
    failOn,
  );
  return { base: null, failOn, apps: [app] };
}

function missing(file: string): never {
  const e = new Error(`ENOENT: no such file at the revision: ${file}`) as NodeJS.ErrnoException;
  e.code = "ENOENT";
  throw e;
}

/** Each app file against its version in revision `ref` (following a rename). No files: every app
 * definition in the working tree (kind: App), so that a change to a profile alone shows up. */
export function diffBase(ref: string, files: string[], options: DiffOptions = {}): DiffReport {
  const rev: Revision = openRevision(ref);
  const config = configOf(options.configFile);
  // The configuration as it was, when the revision has the file.
  const oldConfigText = options.configFile ? rev.read(options.configFile) : undefined;
  const oldConfig =
    oldConfigText !== undefined && options.configFile
      ? parseConfig(oldConfigText, `${ref}:${options.configFile}`).config
      : config;
  const host = options.host ?? hostFacts();
  const failOn = options.failOn ?? config.diff?.failOn ?? [];
  const list = files.length > 0 ? files : appFiles(rev);
  const apps = list.map((file) => {
    const newPath = resolve(file);
    const oldPath = rev.pathAt(file);
    const shown = `${ref}:${relative(rev.top, oldPath)}`;
    const text = rev.read(oldPath);
    // The old version is read as if it were where the app is now: its host paths (mount
    // sources) are this host's, relative to today's directory; the profile files it names are
    // read from the revision, relative to where it was then.
    const readAt: ReadText = (f) =>
      rev.read(join(dirname(oldPath), relative(dirname(newPath), f))) ?? missing(f);
    return compare(
      file,
      text === undefined ? null : shown,
      oldPath !== newPath,
      () => {
        const now = plan(loadApp(file), config, host);
        if (text === undefined) return { old: null, now };
        try {
          return { old: plan(parseApp(text, newPath), oldConfig, host, readAt), now };
        } catch (e) {
          // Say where: the file at the revision.
          if (e instanceof InputError)
            throw new InputError(
              e.issues.map((i) => (resolve(i.file) === newPath ? { ...i, file: shown } : i)),
            );
          throw e;
        }
      },
      failOn,
    );
  });
  return { base: { ref, commit: rev.commit }, failOn, apps };
}

/** 2 when an app could not be compared, 1 when a change reaches a --fail-on threshold, else 0. */
export function diffExitCode(report: DiffReport): number {
  if (report.apps.some((a) => a.issues.length > 0)) return 2;
  return report.apps.some((a) => a.reached.length > 0) ? 1 : 0;
}

/** AppSpec + host facts + profiles + organisation config → Plan, through the policy. */
import { InputError, SecureRunError, type Issue } from "../errors.js";
import {
  ensureRoot,
  imageLayers,
  imageStore,
  lookupImage,
  type ImageRecord,
} from "../images/store.js";
import { imageAccounts, imageEntries } from "../images/view.js";
import type { LoadedApp } from "../appspec/load.js";
import { closest } from "../documents/suggest.js";
import { formatPath } from "../documents/validate.js";
import type { PathSegment } from "../documents/yaml-source.js";
import type { OrgConfig } from "../config/load.js";
import { hostFacts, rootfsEntries, type HostFacts } from "../host/facts.js";
import { probeImageRoot } from "../host/image-root.cjs";
import { DEFAULT_USER, readAccounts, resolveIdentity } from "../host/identity.js";
import { PolicyEngine } from "../policy/engine.js";
import { dirname, resolve } from "node:path";
import { realpathSync } from "node:fs";
import {
  loadProfiles,
  profilesForPolicy,
  readProfile,
  type Profiles,
  type ReadText,
} from "../profiles/load.js";
import type { Plan } from "./types.js";
import { assertPlan, orderPlan } from "./validate.js";
import { loadNative } from "../native/seccomp.js";
import {
  syscallNameChecker,
  type SyscallNameChecker,
  type SyscallNameSource,
} from "../seccomp/names.js";

export interface PlanOptions {
  /** Defaults to this host's facts. */
  host?: HostFacts;
  /** Defaults to /etc/passwd and /etc/group of the host (or of the rootfs). */
  accounts?: { passwd: string; group: string };
  profiles?: Profiles;
  config?: OrgConfig;
  engine?: PolicyEngine;
  /** Knows the syscall names; default: the native addon (without it, names are checked when
   * the filter is compiled). */
  native?: SyscallNameSource;
  /** Check the policy's output against the plan schema (default). Commands that only show the
   * plan (plan, review, audit) may leave it out: its first use in a process costs about 15 ms, and the
   * policy's output is checked wherever it is acted on (launch, compile, export, trace) and, for
   * every plan they make, by the tests. */
  check?: boolean;
  /** Reads the profile files the app names (default: from the file system; `diff --base`
   * reads them from a git revision). */
  readText?: ReadText;
}

export interface PlanResult {
  plan: Plan;
  host: HostFacts;
  profiles: Profiles;
  config: OrgConfig;
}

let sharedEngine: PolicyEngine | undefined;

/** The policy engine, loaded once per process. */
export function policyEngine(): PolicyEngine {
  return (sharedEngine ??= PolicyEngine.load());
}

/** "syscalls.profiles[1]" → ["syscalls", "profiles", 1] */
export function parseFieldPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/** An issue located in the app file at a field path (or its nearest existing ancestor). */
export function issueAt(loaded: LoadedApp, path: string, message: string, hint?: string): Issue {
  const issue: Issue = {
    file: loaded.file,
    ...loaded.source.locate(parseFieldPath(path)),
    path,
    message,
  };
  if (hint) issue.hint = hint;
  return issue;
}

/** Profile files the app names (paths ending in .yaml, relative to the app file), keyed by the
 * reference as written. */
export function appProfiles(
  loaded: LoadedApp,
  names?: SyscallNameChecker,
  read?: ReadText,
): Profiles {
  const out: Profiles = {};
  const issues: Issue[] = [];
  (loaded.app.syscalls?.profiles ?? []).forEach((ref, i) => {
    if (!/\.ya?ml$/.test(ref)) return;
    const r = readProfile(resolve(dirname(resolve(loaded.file)), ref), undefined, names, read);
    if (r.profile) out[ref] = r.profile;
    else if (r.issues.some((x) => x.message.startsWith("unknown syscall ")))
      // Located in the profile file itself.
      issues.push(...r.issues);
    else
      issues.push(
        issueAt(
          loaded,
          `syscalls.profiles[${i}]`,
          r.issues
            .map(
              (x) =>
                `${x.line !== undefined ? `${x.file}:${x.line}:${x.column ?? 1}: ` : ""}${x.path ? `${x.path}: ` : ""}${x.message}`,
            )
            .join("; "),
        ),
      );
  });
  if (issues.length > 0) throw new InputError(issues);
  return out;
}

function realRootfs(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // missing: rootfsEntries says so
  }
}

/** The image of an app whose root is one, from the store (the CLI loads an archive or layout
 * first: ensureAppImage); not there, the error names the field. Its root: the directories of its
 * layers (their real paths: the launcher opens them without following links) where this host
 * mounts it as an overlay of them, else its layers applied into one directory (host.imageRoot). */
function appImage(
  loaded: LoadedApp,
  ref: string,
  host: HostFacts,
): { record: ImageRecord; root?: string; layers?: string[] } {
  let record: ImageRecord | undefined;
  let why = "it is not in the image store";
  try {
    record = lookupImage(imageStore(), ref);
  } catch (e) {
    if (!(e instanceof SecureRunError)) throw e;
    why = e.message;
  }
  if (!record)
    throw new InputError([
      issueAt(
        loaded,
        "root.image",
        `image ${JSON.stringify(ref)}: ${why}`,
        "load it first: secure-run load FILE|DIR (secure-run images lists the store)",
      ),
    ]);
  const store = imageStore();
  if (probeImageRoot(host.imageRoot).mode !== "overlay")
    return { record, root: ensureRoot(store, record) };
  return { record, layers: imageLayers({ root: realpathSync(store.root) }, record) };
}

/** What the policy reads as `input`. */
export function planInput(
  loaded: LoadedApp,
  host: HostFacts,
  accounts?: { passwd: string; group: string },
): object {
  const { app } = loaded;
  const image = app.root?.type === "image" ? appImage(loaded, app.root.ref, host) : undefined;
  const rootfs = app.root?.type === "rootfs" ? app.root.path : image?.root;
  const acc =
    accounts ?? (image?.layers ? imageAccounts(image.layers) : readAccounts(rootfs ?? "/"));
  // The image's User, where the app names none (the policy gives it the image as its reason).
  const user = app.user ?? (image?.record.config.User || undefined);
  const id = resolveIdentity(user ?? DEFAULT_USER, acc.passwd, acc.group, app.group);
  if (!id.ok) {
    const field = app.group !== undefined && id.message.startsWith("no group") ? "group" : "user";
    throw new InputError([
      issueAt(loaded, app[field] === undefined ? "" : field, id.message, id.hint),
    ]);
  }
  const input: Record<string, unknown> = { app, host: { ...host, identity: id.identity } };
  if (rootfs) {
    // The launcher opens bind sources without following links: the entries are bound from the
    // rootfs's real path (an entry that is itself a link stays a link of the new root).
    const path = realRootfs(rootfs);
    input.rootfs = { path, entries: rootfsEntries(path) };
  }
  if (image)
    input.image = {
      ref: app.root?.type === "image" ? app.root.ref : "",
      id: image.record.id,
      config: image.record.config,
      ...(image.layers ? { layers: image.layers, entries: imageEntries(image.layers) } : {}),
    };
  return input;
}

/** Every syscall the app names in syscalls.allow and syscalls.deny must exist: a typo in allow
 * would be refused at run time, one in deny would deny nothing. */
export function checkAppSyscalls(loaded: LoadedApp, names: SyscallNameChecker): void {
  const issues: Issue[] = [];
  for (const field of ["allow", "deny"] as const) {
    (loaded.app.syscalls?.[field] ?? []).forEach((name, i) => {
      if (!names.known(name))
        issues.push(
          issueAt(loaded, `syscalls.${field}[${i}]`, `unknown syscall "${name}"`, names.hint(name)),
        );
    });
  }
  if (issues.length > 0) throw new InputError(issues);
}

export function makePlan(loaded: LoadedApp, options: PlanOptions = {}): PlanResult {
  const native = options.native ?? loadNative({ optional: true });
  const names = native ? syscallNameChecker(native) : undefined;
  if (names) checkAppSyscalls(loaded, names);
  const host = options.host ?? hostFacts();
  const profiles = options.profiles ?? loadProfiles();
  const config = options.config ?? {};
  const engine = options.engine ?? policyEngine();
  const all = { ...profiles, ...appProfiles(loaded, names, options.readText) };
  engine.setData({ profiles: profilesForPolicy(all), config });
  const result = engine.evaluatePlan(planInput(loaded, host, options.accounts));
  if (result.errors.length > 0) {
    throw new InputError(
      result.errors.map((e) => {
        const guess = e.got && e.expected ? closest(e.got, e.expected) : undefined;
        const hint = guess
          ? `did you mean "${guess}"?`
          : e.hint
            ? e.hint
            : e.expected
              ? `known: ${e.expected.join(", ")}`
              : undefined;
        return issueAt(loaded, e.path, e.message, hint);
      }),
    );
  }
  const plan = options.check === false ? orderPlan(result.plan) : assertPlan(result.plan);
  // The plan binds what a symlinked host path leads to (the launcher opens it without following
  // symlinks): say so.
  for (const r of loaded.resolved ?? [])
    plan.notices.push(
      `${formatPath(r.path)}: ${r.given} is reached through a symlink; the plan uses its target ${r.real}`,
    );
  return { plan, host, profiles: all, config };
}

/** Everything `run` does before launching: load, plan, compile. */
import { InputError, InternalError, LaunchError, type Issue } from "../errors.js";
import { loadApp, type LoadedApp } from "../appspec/load.js";
import { makePlan, parseFieldPath, type PlanOptions, type PlanResult } from "../plan/make.js";
import {
  compileFilters,
  notifyingSpec,
  UnknownSyscallError,
  type CompiledFilter,
} from "../seccomp/compile.js";
import { encodeFixes, fixContext, refusalFixes } from "../plan/fixes.js";

export interface Prepared extends PlanResult {
  loaded: LoadedApp;
  /** The plan's filter for this host's architecture: its verdicts answer the refusals. */
  filter: CompiledFilter;
  /** The filter the app runs under: the plan's, with its refusals notifying the supervisor. */
  notifying: CompiledFilter;
  /** The fix table of the refusals' summary (native/launcher/refusals.h). */
  fixes: Buffer;
}

export interface PrepareOptions extends PlanOptions {
  explain?: boolean;
}

export function prepareRun(file: string, options: PrepareOptions = {}): Prepared {
  return prepareLoaded(loadApp(file), options);
}

export function prepareLoaded(loaded: LoadedApp, options: PrepareOptions = {}): Prepared {
  const result = makePlan(loaded, options);
  const { plan, host } = result;
  let filters: CompiledFilter[];
  try {
    filters = compileFilters(plan.seccomp);
  } catch (e) {
    if (e instanceof UnknownSyscallError) throw unknownSyscall(e, loaded);
    throw e;
  }
  // Fail closed: a part the host cannot enforce runs only if the app accepts it as best-effort.
  const missing = plan.enforcement.filter((e) => !e.enforced && !e.bestEffort);
  if (missing.length > 0) {
    throw new LaunchError(
      `this host cannot enforce ${byDetail(missing)}`,
      125,
      `run where it can (secure-run doctor), or accept it in the app definition: bestEffort: [${[...new Set(missing.map((m) => (m.part.startsWith("landlock") ? "landlock" : m.part)))].join(", ")}]`,
    );
  }
  const filter = filters.find((f) => f.arch === host.arch);
  if (!filter)
    throw new InternalError(
      `the plan has no seccomp filter for this host's architecture (${host.arch})`,
    );
  const [notifying] = compileFilters(notifyingSpec(plan.seccomp), undefined, [host.arch]);
  if (!notifying) throw new InternalError("no notifying filter");
  const fixes = encodeFixes(
    refusalFixes(plan.seccomp, result.profiles, fixContext(loaded, plan.process.args, host.arch)),
  );
  return { ...result, loaded, filter, notifying, fixes };
}

/** "cpu, memory, pids (why)": parts refused for the same reason are named together. */
function byDetail(parts: { part: string; detail: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const p of parts) groups.set(p.detail, [...(groups.get(p.detail) ?? []), p.part]);
  return [...groups].map(([detail, names]) => `${names.join(", ")} (${detail})`).join("; ");
}

function unknownSyscall(e: UnknownSyscallError, loaded: LoadedApp): Error {
  const field = e.reasons.find((r) => r.kind === "field");
  if (field) {
    const issue: Issue = {
      file: loaded.file,
      ...loaded.source.locate(parseFieldPath(field.ref)),
      path: field.ref,
      message: `unknown syscall "${e.syscall}"`,
      hint: "syscall names are those of the kernel, e.g. getpid, openat, clock_gettime",
    };
    return new InputError([issue]);
  }
  const profile = e.reasons.find((r) => r.kind === "profile");
  return new InternalError(
    `profile "${profile?.ref ?? "?"}" lists an unknown syscall "${e.syscall}"`,
    "fix the profile in profiles/",
  );
}

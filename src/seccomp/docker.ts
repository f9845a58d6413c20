/**
 * Docker/moby and OCI (`linux.seccomp`) seccomp profiles → a SeccompSpec for one architecture,
 * resolved for one capability set and kernel the way Docker and Podman resolve their profiles,
 * and with rules as runc hands them to libseccomp. The document is read and checked by
 * docker-read.ts (schemas/docker-seccomp.schema.json), its entries selected by docker-select.ts,
 * and the rules of one syscall combined as libseccomp combines them (combine.ts).
 *
 * - Conditions of one entry are ANDed. libseccomp tests each argument once per rule, so when an
 *   entry has two conditions on one argument, runc adds EVERY condition of the entry as a rule
 *   of its own (ORed); so does this import, with a note.
 * - The spec keeps only rules that take effect, so that it reads as what is enforced, and the
 *   notes say what was left out.
 * - runc leaves out rules with the default action (libseccomp refuses them) and names
 *   libseccomp does not know; so does this import.
 */
import { InputError, type Issue } from "../errors.js";
import { architecture, KNOWN_ARCHITECTURES } from "./arches.js";
import {
  actionKey,
  combineRules,
  hasDefaultAction,
  repeatedArgument,
  rulesBySyscall,
} from "./combine.js";
import { readDockerProfile } from "./docker-read.js";
import { parseVersion, selectEntries } from "./docker-select.js";
import { loadNative, type SeccompNative } from "../native/seccomp.js";
import { syscallNameChecker } from "./names.js";
import type { Reason, SeccompSpec, SyscallRule } from "./types.js";

export interface DockerImportOptions {
  /** libseccomp-style name: x86_64, aarch64, x86, arm */
  arch: string;
  /** capabilities kept (bounding set), with or without the CAP_ prefix */
  capabilities: string[];
  /** kernel release (e.g. kernelRelease()); without it, minKernel conditions are taken as met */
  kernel?: string;
  /** the profile's file, for messages and reasons */
  source: string;
  native?: SeccompNative;
}

export interface DockerImport {
  spec: SeccompSpec;
  notes: string[];
}

/** Names in first-seen order, without repeats, as one line. */
const nameList = (names: Iterable<string>): string => [...new Set(names)].join(", ");

export function importDockerProfile(profile: unknown, options: DockerImportOptions): DockerImport {
  const { source } = options;
  const arch = architecture(options.arch);
  if (!arch)
    throw new InputError([
      {
        file: source,
        path: "",
        message: `cannot import for architecture "${options.arch}"`,
        hint: `known: ${KNOWN_ARCHITECTURES.join(", ")}`,
      },
    ]);
  let kernel: number[] | undefined;
  if (options.kernel !== undefined) {
    kernel = parseVersion(options.kernel);
    if (!kernel)
      throw new InputError([
        {
          file: source,
          path: "",
          message: `the kernel version "${options.kernel}" is not a dotted number`,
        },
      ]);
  }

  const parsed = readDockerProfile(profile, source);
  const notes: string[] = [];
  const listing = parsed.arches.filter((a) => a.arch === arch.scmp);
  if (parsed.arches.length === 0) {
    notes.push(
      `the profile lists no architectures (it applies to the runtime's native one); imported for ${options.arch}`,
    );
  } else if (listing.length === 0) {
    throw new InputError([
      {
        file: source,
        path: parsed.arches.some((a) => a.path.startsWith("archMap")) ? "archMap" : "architectures",
        message: `the profile does not list ${arch.scmp} (${options.arch}); it lists ${nameList(parsed.arches.map((a) => a.arch))}`,
      },
    ]);
  } else {
    const others = [...new Set(listing.flatMap((a) => a.with))].filter((a) => a !== arch.scmp);
    if (others.length > 0)
      notes.push(
        `the profile also admits ${others.join(", ")} with ${arch.scmp}; this filter is for ${options.arch} only: a syscall through another ABI kills the process`,
      );
  }

  const selected = selectEntries(parsed.entries, {
    arch,
    capabilities: options.capabilities,
    kernel,
  });
  const { kernelUnknown } = selected;

  const native = options.native ?? loadNative();
  const names = syscallNameChecker(native);
  const permissive = new Set<string>(["allow", "log"]);
  const unknownRefusals: Issue[] = [];
  const unknown: string[] = [];
  const split: string[] = [];
  const rules: SyscallRule[] = [];
  const origin = new Map<SyscallRule, string>();
  for (const e of selected.entries) {
    const reasons: Reason[] = [{ kind: "profile", ref: source, why: e.comment ?? e.actionName }];
    // runc: two conditions on one argument → each condition of the entry is a rule of its own.
    const repeated = repeatedArgument({ args: e.conditions }) !== undefined;
    const groups = repeated ? e.conditions.map((c) => [c]) : [e.conditions];
    for (const [i, name] of e.names.entries()) {
      if (native.syscallNumber(options.arch, name) === -1) {
        // Left out, the name gets the default action: safe when that is stricter than the
        // entry's, but a refusal under a permissive default would let the call through.
        if (permissive.has(parsed.defaultAction.action) && !permissive.has(e.action))
          unknownRefusals.push({
            file: source,
            path: e.namePaths[i] ?? e.path,
            message: `unknown syscall "${name}": leaving out this ${e.actionName} rule would let it through (the default action is ${parsed.defaultAction.action})`,
            hint: names.hint(name),
          });
        else unknown.push(name);
        continue;
      }
      if (repeated) split.push(name);
      for (const args of groups) {
        const rule: SyscallRule = {
          name,
          action: e.action,
          reasons: reasons.map((r) => ({ ...r })),
        };
        if (e.errno !== undefined) rule.errno = e.errno;
        if (args.length > 0) rule.args = args.map((c) => ({ ...c }));
        rules.push(rule);
        origin.set(rule, e.path);
      }
    }
  }
  if (unknownRefusals.length > 0) throw new InputError(unknownRefusals);
  if (unknown.length > 0) {
    let version = "";
    try {
      version = ` ${native.hostFacts().libseccomp}`;
    } catch {
      // the version only decorates the note
    }
    notes.push(`left out, unknown to libseccomp${version}: ${nameList(unknown)}`);
  }
  if (split.length > 0)
    notes.push(
      `entries with two conditions on one argument became one rule per condition (ORed, as runc does): ${nameList(split)}`,
    );
  if (kernelUnknown.length > 0)
    notes.push(`no kernel version given: minKernel taken as met (${kernelUnknown.join(", ")})`);

  const spec: SeccompSpec = {
    defaultAction: parsed.defaultAction,
    badArchAction: "kill_process",
    architectures: [options.arch],
    syscalls: resolve(rules, origin, parsed.defaultAction, notes, source),
  };
  return { spec, notes };
}

/** The rules that take effect, as libseccomp combines the rules of one syscall (combine.ts). */
function resolve(
  rules: SyscallRule[],
  origin: Map<SyscallRule, string>,
  defaultAction: SeccompSpec["defaultAction"],
  notes: string[],
  source: string,
): SyscallRule[] {
  const dropped = new Set<SyscallRule>();
  const asDefault = rules.filter((r) => hasDefaultAction({ defaultAction }, r));
  for (const r of asDefault) dropped.add(r);
  const shadowed: string[] = [];
  const subsumed: string[] = [];
  const overlapping: string[] = [];
  const issues: Issue[] = [];
  const effective = rules.filter((r) => !dropped.has(r));
  for (const [name, list] of rulesBySyscall(effective)) {
    const combined = combineRules(list);
    for (const r of combined.shadowed) {
      dropped.add(r);
      shadowed.push(name);
    }
    for (const r of combined.subsumed) {
      dropped.add(r);
      subsumed.push(name);
    }
    for (const [a, b] of combined.clashes)
      issues.push({
        file: source,
        path: origin.get(b) ?? "syscalls",
        message: `${name} has the same argument conditions as in ${origin.get(a) ?? "another entry"} with another action (${actionKey(b)}, there ${actionKey(a)}); libseccomp refuses that`,
      });
    if (combined.overlapping) overlapping.push(name);
  }
  if (issues.length > 0) throw new InputError(issues);
  if (asDefault.length > 0)
    notes.push(
      `rules with the default action left out (they change nothing): ${nameList(asDefault.map((r) => r.name))}`,
    );
  if (shadowed.length > 0)
    notes.push(
      `rules with another action than the syscall's unconditional rule left out (libseccomp lets the unconditional rule decide): ${nameList(shadowed)}`,
    );
  if (subsumed.length > 0)
    notes.push(
      `conditional rules left out because a less specific rule with another action decides (as libseccomp does): ${nameList(subsumed)}`,
    );
  if (overlapping.length > 0)
    notes.push(
      `conditional rules with different actions: ${nameList(overlapping)}; where their conditions overlap, libseccomp's order of checks decides, not the file's order`,
    );
  return rules.filter((r) => !dropped.has(r));
}

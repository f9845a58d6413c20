/**
 * Docker/moby and OCI (`linux.seccomp`) seccomp profiles → a SeccompSpec for one architecture,
 * resolved for one capability set and kernel the way Docker and Podman resolve their profiles,
 * and with rules as runc hands them to libseccomp.
 *
 * Semantics followed (moby profiles/seccomp, containers/common pkg/seccomp, runc
 * libcontainer/seccomp):
 * - An entry applies when none of excludes.arches is the architecture, none of excludes.caps is
 *   kept, the kernel is below excludes.minKernel (if given); every includes.caps is kept, the
 *   architecture is one of includes.arches (if given) and the kernel is at least
 *   includes.minKernel (if given). Architectures in includes/excludes are Go's names (amd64,
 *   arm64, arm; x86 for 386); capabilities are compared without their CAP_ prefix.
 * - errno: runc gives the default action `defaultErrnoRet` and a rule its own `errnoRet`; an
 *   SCMP_ACT_ERRNO rule without `errnoRet` fails with EPERM, NOT with `defaultErrnoRet`
 *   (runc getAction: `if errnoRet != nil { … } return actErrno` where actErrno is EPERM). The
 *   OCI runtime spec requires an error for `errnoRet` on an action without an errno, so that is
 *   refused. Podman's files also carry the names (`defaultErrno`, `errno`); given alone they are
 *   used, given with the number they must agree.
 * - Conditions of one entry are ANDed. libseccomp tests each argument once per rule, so when an
 *   entry has two conditions on one argument, runc adds EVERY condition of the entry as a rule
 *   of its own (ORed); so does this import, with a note.
 * - Rules of one syscall are combined by libseccomp (2.5.4, measured): the first unconditional
 *   rule decides for every argument (later rules with another action have no effect, whatever
 *   their order); of two conditional rules with different actions where one's conditions are a
 *   subset of the other's, the less specific one decides (or libseccomp refuses the pair); the
 *   same conditions with two actions are refused. The spec keeps only rules that take effect,
 *   so that it reads as what is enforced, and the notes say what was left out.
 * - runc leaves out rules with the default action (libseccomp refuses them) and names
 *   libseccomp does not know; so does this import.
 */
import { constants } from "node:os";
import { InputError, type Issue } from "../errors.js";
import type { ArgCondition, Reason, SeccompSpec, SyscallRule } from "../plan/types.js";
import { loadNative, type SeccompNative } from "../native/seccomp.js";
import { syscallNameChecker } from "./names.js";

export interface DockerImportOptions {
  /** libseccomp-style name: x86_64, aarch64, x86, arm */
  arch: string;
  /** capabilities kept (bounding set), with or without the CAP_ prefix */
  capabilities: string[];
  /** kernel release (e.g. os.release()); without it, minKernel conditions are taken as met */
  kernel?: string;
  /** the profile's file, for messages and reasons */
  source: string;
  native?: SeccompNative;
}

export interface DockerImport {
  spec: SeccompSpec;
  notes: string[];
}

type RuleAction = SyscallRule["action"];
type DefaultAction = SeccompSpec["defaultAction"]["action"];

/** This project's architecture names → the profile's (SCMP_ARCH_…) and Go's (includes.arches). */
const ARCHES: Record<string, { scmp: string; goNames: string[] } | undefined> = {
  x86_64: { scmp: "SCMP_ARCH_X86_64", goNames: ["amd64"] },
  aarch64: { scmp: "SCMP_ARCH_AARCH64", goNames: ["arm64"] },
  x86: { scmp: "SCMP_ARCH_X86", goNames: ["x86", "386"] },
  arm: { scmp: "SCMP_ARCH_ARM", goNames: ["arm"] },
};

const ACTIONS: Record<string, RuleAction | undefined> = {
  SCMP_ACT_ALLOW: "allow",
  SCMP_ACT_ERRNO: "errno",
  SCMP_ACT_KILL: "kill_thread",
  SCMP_ACT_KILL_THREAD: "kill_thread",
  SCMP_ACT_KILL_PROCESS: "kill_process",
  SCMP_ACT_TRAP: "trap",
  SCMP_ACT_LOG: "log",
  SCMP_ACT_NOTIFY: "notify",
};

const UNSUPPORTED_ACTIONS: Record<string, string | undefined> = {
  SCMP_ACT_TRACE: "it hands the syscall to a ptrace tracer, and secure-run attaches none",
};

const OPS: Record<string, ArgCondition["op"] | undefined> = {
  SCMP_CMP_NE: "ne",
  SCMP_CMP_LT: "lt",
  SCMP_CMP_LE: "le",
  SCMP_CMP_EQ: "eq",
  SCMP_CMP_GE: "ge",
  SCMP_CMP_GT: "gt",
  SCMP_CMP_MASKED_EQ: "masked_eq",
};

const TOP_FIELDS = [
  "defaultAction",
  "defaultErrnoRet",
  "defaultErrno",
  "architectures",
  "archMap",
  "syscalls",
  "flags",
  "listenerPath",
  "listenerMetadata",
];
const ENTRY_FIELDS = [
  "names",
  "name",
  "action",
  "errnoRet",
  "errno",
  "args",
  "comment",
  "includes",
  "excludes",
];
const ARG_FIELDS = ["index", "value", "valueTwo", "op"];
const FILTER_FIELDS = ["caps", "arches", "minKernel"];
const ARCHMAP_FIELDS = ["architecture", "subArchitectures"];

const ERRNO_NUMBERS = constants.errno as Record<string, number | undefined>;
/** errno number → name; the first name wins (EAGAIN over EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(ERRNO_NUMBERS))
  if (n !== undefined && !ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);

interface Filter {
  caps: string[];
  arches: string[];
  minKernel?: string;
}

interface Entry {
  path: string;
  names: string[];
  /** Where each name stands (field path). */
  namePaths: string[];
  /** SCMP_ACT_… as written */
  actionName: string;
  action: RuleAction;
  errno?: string;
  conditions: ArgCondition[];
  comment?: string;
  includes: Filter;
  excludes: Filter;
}

interface Profile {
  defaultAction: { action: DefaultAction; errno?: string };
  /** SCMP_ARCH_… listed in `architectures` and in `archMap` (architecture and sub-architectures) */
  arches: { path: string; arch: string; with: string[] }[];
  entries: Entry[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Collects every problem of the profile, each with its path. */
class Checker {
  readonly issues: Issue[] = [];
  constructor(readonly file: string) {}

  problem(path: string, message: string, hint?: string): void {
    const issue: Issue = { file: this.file, path, message };
    if (hint !== undefined) issue.hint = hint;
    this.issues.push(issue);
  }

  object(v: unknown, path: string, fields: string[]): Json | undefined {
    if (!isObject(v)) {
      this.problem(path, `must be an object; got ${describe(v)}`);
      return;
    }
    for (const key of Object.keys(v))
      if (!fields.includes(key))
        this.problem(
          join(path, key),
          `unknown field "${key}"`,
          `known fields: ${fields.join(", ")}`,
        );
    return v;
  }

  /** An optional list (null counts as absent, as in Go). */
  list(v: unknown, path: string): unknown[] | undefined {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.problem(path, `must be a list; got ${describe(v)}`);
      return;
    }
    return v as unknown[];
  }

  strings(v: unknown, path: string): string[] {
    const out: string[] = [];
    (this.list(v, path) ?? []).forEach((s, i) => {
      if (typeof s === "string" && s !== "") out.push(s);
      else this.problem(`${path}[${i}]`, `must be a non-empty string; got ${describe(s)}`);
    });
    return out;
  }

  optionalString(v: unknown, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      this.problem(path, `must be a string; got ${describe(v)}`);
      return;
    }
    return v;
  }

  /** A uint64 as a JSON number; only exactly representable values (up to 2^53-1) pass. */
  uint64(v: unknown, path: string): number | undefined {
    if (typeof v === "bigint") {
      if (v < 0n || v > 2n ** 64n - 1n) {
        this.problem(path, `must be an unsigned 64-bit integer; got ${v}`);
        return;
      }
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.problem(
          path,
          `${v} is above 2^53-1: secure-run's argument conditions hold JSON numbers and cannot represent it exactly`,
        );
        return;
      }
      return Number(v);
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      this.problem(path, `must be an unsigned integer; got ${describe(v)}`);
      return;
    }
    if (!Number.isSafeInteger(v)) {
      this.problem(
        path,
        `${v} is above 2^53-1: parsed as a JavaScript number it may already have lost precision, and secure-run's argument conditions cannot represent it exactly`,
        "a value this large cannot be checked exactly; use a smaller bound or a mask",
      );
      return;
    }
    return v;
  }

  /** errnoRet (a number) and errno (a name, Podman's files) → the errno's name. */
  errno(
    number: unknown,
    name: unknown,
    path: string,
    numberKey: string,
    nameKey: string,
  ): string | undefined {
    let fromNumber: string | undefined;
    if (number !== undefined && number !== null) {
      const n = this.uint64(number, join(path, numberKey));
      if (n === 0) {
        this.problem(
          join(path, numberKey),
          "errno 0 (the syscall is skipped and returns 0) cannot be expressed: the plan names an errno",
        );
        return;
      }
      if (n !== undefined) {
        fromNumber = ERRNO_NAMES.get(n);
        if (fromNumber === undefined) {
          this.problem(join(path, numberKey), `no errno has the number ${n}`);
          return;
        }
      }
    }
    const given = this.optionalString(name, join(path, nameKey));
    if (given === undefined) return fromNumber;
    const n = ERRNO_NUMBERS[given];
    if (n === undefined) {
      this.problem(join(path, nameKey), `unknown errno name "${given}"`);
      return;
    }
    if (fromNumber !== undefined && ERRNO_NUMBERS[fromNumber] !== n) {
      this.problem(
        join(path, nameKey),
        `"${given}" is errno ${n}, but ${numberKey} says ${ERRNO_NUMBERS[fromNumber] ?? "?"} (${fromNumber})`,
      );
      return;
    }
    return fromNumber ?? given;
  }

  action(v: unknown, path: string): { name: string; action: RuleAction } | undefined {
    if (typeof v !== "string") {
      this.problem(path, `must be an action name; got ${describe(v)}`);
      return;
    }
    const action = ACTIONS[v];
    if (action !== undefined) return { name: v, action };
    const why = UNSUPPORTED_ACTIONS[v];
    if (why !== undefined) {
      this.problem(path, `${v} is not supported: ${why}`);
      return;
    }
    this.problem(path, `unknown action "${v}"`, `known: ${Object.keys(ACTIONS).join(", ")}`);
  }

  filter(v: unknown, path: string): Filter {
    if (v === undefined || v === null) return { caps: [], arches: [] };
    const o = this.object(v, path, FILTER_FIELDS);
    if (!o) return { caps: [], arches: [] };
    const f: Filter = {
      caps: this.strings(o.caps, join(path, "caps")),
      arches: this.strings(o.arches, join(path, "arches")),
    };
    const minKernel = this.optionalString(o.minKernel, join(path, "minKernel"));
    if (minKernel !== undefined) {
      if (parseVersion(minKernel) === undefined)
        this.problem(
          join(path, "minKernel"),
          `must be a kernel version like "4.8"; got "${minKernel}"`,
        );
      else f.minKernel = minKernel;
    }
    return f;
  }

  condition(v: unknown, path: string): ArgCondition | undefined {
    const o = this.object(v, path, ARG_FIELDS);
    if (!o) return undefined;
    const index = o.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 5)
      this.problem(
        join(path, "index"),
        `must be an argument index from 0 to 5; got ${describe(index)}`,
      );
    const value = this.uint64(o.value ?? 0, join(path, "value"));
    const valueTwo = this.uint64(o.valueTwo ?? 0, join(path, "valueTwo"));
    let op: ArgCondition["op"] | undefined;
    if (typeof o.op !== "string" || (op = OPS[o.op]) === undefined)
      this.problem(
        join(path, "op"),
        `unknown operator ${describe(o.op)}`,
        `known: ${Object.keys(OPS).join(", ")}`,
      );
    if (
      op === undefined ||
      value === undefined ||
      valueTwo === undefined ||
      typeof index !== "number"
    )
      return undefined;
    // For SCMP_CMP_MASKED_EQ Docker's `value` is the mask and `valueTwo` the value compared with
    // (libseccomp's datum_a and datum_b); the other operators ignore valueTwo.
    if (op === "masked_eq") return { index, op, value: valueTwo, mask: value };
    if (valueTwo !== 0)
      this.problem(
        join(path, "valueTwo"),
        `is only used by SCMP_CMP_MASKED_EQ; got ${valueTwo} with ${String(o.op)}`,
      );
    return { index, op, value };
  }

  entry(v: unknown, path: string): Entry | undefined {
    const o = this.object(v, path, ENTRY_FIELDS);
    if (!o) return undefined;
    let names: string[] = [];
    const fromName = o.name !== undefined && o.name !== null && o.name !== "";
    if (fromName) {
      if (o.names !== undefined && o.names !== null)
        this.problem(path, `has both "name" and "names"; use one`);
      if (typeof o.name !== "string")
        this.problem(join(path, "name"), `must be a string; got ${describe(o.name)}`);
      else names = [o.name];
    } else {
      names = this.strings(o.names, join(path, "names"));
      if (names.length === 0 && Array.isArray(o.names) && o.names.length === 0)
        this.problem(join(path, "names"), "must name at least one syscall");
      else if (o.names === undefined || o.names === null)
        this.problem(path, `names no syscall: give "names" (or the older "name")`);
    }
    names.forEach((n, i) => {
      if (!/^[A-Za-z0-9_]{1,63}$/.test(n))
        this.problem(
          fromName ? join(path, "name") : `${join(path, "names")}[${i}]`,
          `"${n}" is no syscall name`,
        );
    });
    const act = this.action(o.action, join(path, "action"));
    const errno = this.errno(o.errnoRet, o.errno, path, "errnoRet", "errno");
    if (act && act.action !== "errno" && errno !== undefined)
      this.problem(
        join(path, o.errnoRet !== undefined && o.errnoRet !== null ? "errnoRet" : "errno"),
        `${act.name} returns no errno (the OCI runtime spec requires refusing this)`,
      );
    const conditions: ArgCondition[] = [];
    let bad = false;
    (this.list(o.args, join(path, "args")) ?? []).forEach((a, i) => {
      const c = this.condition(a, `${join(path, "args")}[${i}]`);
      if (c) conditions.push(c);
      else bad = true;
    });
    const comment = this.optionalString(o.comment, join(path, "comment"));
    const includes = this.filter(o.includes, join(path, "includes"));
    const excludes = this.filter(o.excludes, join(path, "excludes"));
    if (!act || bad) return undefined;
    const entry: Entry = {
      path,
      names,
      namePaths: names.map((_, i) =>
        fromName ? join(path, "name") : `${join(path, "names")}[${i}]`,
      ),
      actionName: act.name,
      action: act.action,
      conditions,
      includes,
      excludes,
    };
    if (act.action === "errno") entry.errno = errno ?? "EPERM";
    if (comment !== undefined && comment !== "") entry.comment = comment;
    return entry;
  }

  profile(v: unknown): Profile | undefined {
    const o = this.object(v, "", TOP_FIELDS);
    if (!o) return undefined;
    const act = this.action(o.defaultAction, "defaultAction");
    if (act?.action === "notify")
      this.problem("defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
    const errno = this.errno(
      o.defaultErrnoRet,
      o.defaultErrno,
      "",
      "defaultErrnoRet",
      "defaultErrno",
    );
    if (act && act.action !== "errno" && errno !== undefined)
      this.problem(
        o.defaultErrnoRet !== undefined && o.defaultErrnoRet !== null
          ? "defaultErrnoRet"
          : "defaultErrno",
        `${act.name} returns no errno (the OCI runtime spec requires refusing this)`,
      );
    const arches: Profile["arches"] = [];
    const listed = this.strings(o.architectures, "architectures");
    listed.forEach((arch, i) => {
      arches.push({ path: `architectures[${i}]`, arch, with: listed.filter((a) => a !== arch) });
    });
    (this.list(o.archMap, "archMap") ?? []).forEach((m, i) => {
      const path = `archMap[${i}]`;
      const e = this.object(m, path, ARCHMAP_FIELDS);
      if (!e) return;
      const arch = e.architecture;
      const subs = this.strings(e.subArchitectures, join(path, "subArchitectures"));
      if (typeof arch !== "string" || arch === "")
        this.problem(
          join(path, "architecture"),
          `must be an architecture name; got ${describe(arch)}`,
        );
      else arches.push({ path, arch, with: subs });
      subs.forEach((s) =>
        arches.push({ path, arch: s, with: typeof arch === "string" ? [arch] : [] }),
      );
    });
    if ((this.list(o.flags, "flags") ?? []).length > 0)
      this.problem("flags", "seccomp filter flags are not supported");
    if (o.listenerPath !== undefined && o.listenerPath !== null && o.listenerPath !== "")
      this.problem("listenerPath", "a seccomp agent (listenerPath) is not supported");
    const raw = o.syscalls;
    if (raw === undefined || raw === null)
      this.problem(
        "",
        `has no "syscalls" list`,
        "a profile without syscalls applies its default action to everything; give syscalls: [] to mean that",
      );
    const entries: Entry[] = [];
    (this.list(raw, "syscalls") ?? []).forEach((e, i) => {
      const entry = this.entry(e, `syscalls[${i}]`);
      if (entry) entries.push(entry);
    });
    if (!act || act.action === "notify") return undefined;
    const defaultAction: Profile["defaultAction"] = { action: act.action };
    if (act.action === "errno") defaultAction.errno = errno ?? "EPERM";
    return { defaultAction, arches, entries };
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean")
    return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** "6.1.0-18-amd64" → [6, 1, 0]; undefined when it does not start with a number. */
function parseVersion(v: string): number[] | undefined {
  const m = /^\d+(\.\d+)*/.exec(v.trim());
  return m ? m[0].split(".").map(Number) : undefined;
}

/** a ≥ b, component by component (missing components are 0). */
function versionAtLeast(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

const capName = (c: string): string => c.toUpperCase().replace(/^CAP_/, "");

const actionKey = (r: { action: string; errno?: string }): string =>
  r.action === "errno" ? `errno(${r.errno ?? "EPERM"})` : r.action;

const conditionKey = (c: ArgCondition): string =>
  `${c.index}:${c.op}:${c.value}${c.mask !== undefined ? `/${c.mask}` : ""}`;

/** Names in first-seen order, without repeats, as one line. */
const nameList = (names: Iterable<string>): string => [...new Set(names)].join(", ");

export function importDockerProfile(profile: unknown, options: DockerImportOptions): DockerImport {
  const { source } = options;
  const arch = ARCHES[options.arch];
  if (!arch)
    throw new InputError([
      {
        file: source,
        path: "",
        message: `cannot import for architecture "${options.arch}"`,
        hint: `known: ${Object.keys(ARCHES).join(", ")}`,
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

  const check = new Checker(source);
  const parsed = check.profile(profile);
  if (check.issues.length > 0 || !parsed) throw new InputError(check.issues);

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

  const caps = new Set(options.capabilities.map(capName));
  const kernelUnknown: string[] = [];
  const meetsKernel = (min: string | undefined, path: string): boolean => {
    if (min === undefined) return true;
    if (!kernel) {
      kernelUnknown.push(path);
      return true;
    }
    return versionAtLeast(kernel, parseVersion(min) ?? []);
  };
  const applies = (e: Entry): boolean => {
    const { includes: inc, excludes: exc } = e;
    if (exc.arches.some((a) => arch.goNames.includes(a))) return false;
    if (exc.caps.some((c) => caps.has(capName(c)))) return false;
    if (
      exc.minKernel !== undefined &&
      kernel &&
      versionAtLeast(kernel, parseVersion(exc.minKernel) ?? [])
    )
      return false;
    if (inc.arches.length > 0 && !inc.arches.some((a) => arch.goNames.includes(a))) return false;
    if (!inc.caps.every((c) => caps.has(capName(c)))) return false;
    if (exc.minKernel !== undefined && !kernel) kernelUnknown.push(`${e.path}.excludes.minKernel`);
    return meetsKernel(inc.minKernel, `${e.path}.includes.minKernel`);
  };

  const native = options.native ?? loadNative();
  const names = syscallNameChecker(native);
  const permissive = new Set<string>(["allow", "log"]);
  const unknownRefusals: Issue[] = [];
  const unknown: string[] = [];
  const split: string[] = [];
  const rules: SyscallRule[] = [];
  const origin = new Map<SyscallRule, string>();
  for (const e of parsed.entries) {
    if (!applies(e)) continue;
    const reasons: Reason[] = [{ kind: "profile", ref: source, why: e.comment ?? e.actionName }];
    const indexes = e.conditions.map((c) => c.index);
    // runc: two conditions on one argument → each condition of the entry is a rule of its own.
    const repeated = new Set(indexes).size < indexes.length;
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

/** The rules that take effect, as libseccomp combines the rules of one syscall. */
function resolve(
  rules: SyscallRule[],
  origin: Map<SyscallRule, string>,
  defaultAction: SeccompSpec["defaultAction"],
  notes: string[],
  source: string,
): SyscallRule[] {
  const dropped = new Set<SyscallRule>();
  const asDefault: string[] = [];
  const shadowed: string[] = [];
  const subsumed: string[] = [];
  const overlapping: string[] = [];
  const issues: Issue[] = [];
  const defaultKey = actionKey(defaultAction);
  const byName = new Map<string, SyscallRule[]>();
  for (const r of rules) {
    if (actionKey(r) === defaultKey) {
      dropped.add(r);
      asDefault.push(r.name);
    } else byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  }
  for (const [name, list] of byName) {
    const plain = list.find((r) => !r.args);
    if (plain) {
      for (const r of list)
        if (actionKey(r) !== actionKey(plain)) {
          dropped.add(r);
          shadowed.push(name);
        }
      continue;
    }
    const keyed = list.map((r) => ({ r, keys: new Set((r.args ?? []).map(conditionKey)) }));
    for (const a of keyed)
      for (const b of keyed) {
        if (a === b || actionKey(a.r) === actionKey(b.r) || dropped.has(b.r)) continue;
        if (![...a.keys].every((k) => b.keys.has(k))) continue;
        if (a.keys.size === b.keys.size) {
          if (keyed.indexOf(a) < keyed.indexOf(b))
            issues.push({
              file: source,
              path: origin.get(b.r) ?? "syscalls",
              message: `${name} has the same argument conditions as in ${origin.get(a.r) ?? "another entry"} with another action (${actionKey(b.r)}, there ${actionKey(a.r)}); libseccomp refuses that`,
            });
        } else {
          dropped.add(b.r);
          subsumed.push(name);
        }
      }
    const remaining = list.filter((r) => !dropped.has(r));
    if (new Set(remaining.map(actionKey)).size > 1) overlapping.push(name);
  }
  if (issues.length > 0) throw new InputError(issues);
  if (asDefault.length > 0)
    notes.push(
      `rules with the default action left out (they change nothing): ${nameList(asDefault)}`,
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

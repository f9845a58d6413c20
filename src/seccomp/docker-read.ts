/** A Docker/moby or OCI (`linux.seccomp`) seccomp profile document → its entries, checked: the
 * shape by schemas/docker-seccomp.schema.json, then what a schema cannot say (errno numbers and
 * names, actions secure-run does not support, values above 2^53-1, fields that exclude each
 * other). Every problem is reported at once, each with its path.
 *
 * errno: runc gives the default action `defaultErrnoRet` and a rule its own `errnoRet`; an
 * SCMP_ACT_ERRNO rule without `errnoRet` fails with EPERM, NOT with `defaultErrnoRet` (runc
 * getAction: `if errnoRet != nil { … } return actErrno` where actErrno is EPERM). The OCI runtime
 * spec requires an error for `errnoRet` on an action without an errno, so that is refused.
 * Podman's files also carry the names (`defaultErrno`, `errno`); given alone they are used,
 * given with the number they must agree. */
import { constants } from "node:os";
import { formatPath, validateAgainst } from "../documents/validate.js";
import { InputError, type Issue } from "../errors.js";
import type { ArgCondition, SeccompSpec, SyscallRule } from "./types.js";

type RuleAction = SyscallRule["action"];
type DefaultAction = SeccompSpec["defaultAction"]["action"];

/** The profile's actions → the plan's; SCMP_ACT_TRACE is in the schema but not supported. */
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

/** What an enum's "unknown value" is, by the field's name. */
const FIELD_NOUNS: Record<string, string | undefined> = {
  action: "action",
  defaultAction: "action",
  op: "operator",
};

const ERRNO_NUMBERS = constants.errno as Record<string, number | undefined>;
/** errno number → name; the first name wins (EAGAIN over EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(ERRNO_NUMBERS))
  if (n !== undefined && !ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);

/** Which entries apply: includes/excludes of an entry. */
export interface Filter {
  caps: string[];
  arches: string[];
  minKernel?: string;
}

export interface Entry {
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

export interface Profile {
  defaultAction: { action: DefaultAction; errno?: string };
  /** SCMP_ARCH_… listed in `architectures` and in `archMap` (architecture and sub-architectures) */
  arches: { path: string; arch: string; with: string[] }[];
  entries: Entry[];
}

/** The document as the schema admits it (null stands for absent, as in Go). */
type Maybe<T> = T | null | undefined;
interface FileFilter {
  caps?: Maybe<string[]>;
  arches?: Maybe<string[]>;
  minKernel?: Maybe<string>;
}
interface FileArg {
  index: number;
  value?: Maybe<number | bigint>;
  valueTwo?: Maybe<number | bigint>;
  op: string;
}
interface FileEntry {
  names?: Maybe<string[]>;
  name?: Maybe<string>;
  action: string;
  errnoRet?: Maybe<number | bigint>;
  errno?: Maybe<string>;
  args?: Maybe<FileArg[]>;
  comment?: Maybe<string>;
  includes?: Maybe<FileFilter>;
  excludes?: Maybe<FileFilter>;
}
interface FileProfile {
  defaultAction: string;
  defaultErrnoRet?: Maybe<number | bigint>;
  defaultErrno?: Maybe<string>;
  architectures?: Maybe<string[]>;
  archMap?: Maybe<{ architecture: string; subArchitectures?: Maybe<string[]> }[]>;
  syscalls?: Maybe<FileEntry[]>;
  flags?: Maybe<string[]>;
  listenerPath?: Maybe<string>;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** A copy in which bigints (a caller's exact uint64) are 0 for the schema: their range is
 * checked here, with the message a JSON number would get. */
function withoutBigints(v: unknown): unknown {
  if (typeof v === "bigint") return 0;
  if (Array.isArray(v)) return v.map(withoutBigints);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutBigints(x)]));
  return v;
}

/** The schema's problems as Issues: a missing field is located at the field; an unknown value
 * names what the field holds. */
function schemaIssues(profile: unknown, file: string): Issue[] {
  return validateAgainst("docker-seccomp", withoutBigints(profile)).map((p) => {
    const missing = /^missing required field "(.*)"$/.exec(p.message);
    const path = missing?.[1] !== undefined ? [...p.path, missing[1]] : p.path;
    const last = path[path.length - 1];
    const noun = typeof last === "string" ? FIELD_NOUNS[last] : undefined;
    const message = noun ? p.message.replace(/^unknown value /, `unknown ${noun} `) : p.message;
    const issue: Issue = { file, path: formatPath(path), message };
    if (p.hint !== undefined) issue.hint = p.hint;
    return issue;
  });
}

/** Paths in document order: fields by name, list items by number. */
function comparePaths(a: string, b: string): number {
  const split = (p: string) => p.split(/[.[\]]+/).filter((s) => s !== "");
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const s = x[i] ?? "";
    const t = y[i] ?? "";
    if (s === t) continue;
    if (/^\d+$/.test(s) && /^\d+$/.test(t)) return Number(s) - Number(t);
    return s < t ? -1 : 1;
  }
  return x.length - y.length;
}

/** The checks the schema cannot make, on parts the schema found well-formed. */
class Checker {
  readonly issues: Issue[] = [];
  constructor(readonly file: string) {}

  problem(path: string, message: string, hint?: string): void {
    const issue: Issue = { file: this.file, path, message };
    if (hint !== undefined) issue.hint = hint;
    this.issues.push(issue);
  }

  /** A uint64; only exactly representable values (up to 2^53-1) pass. */
  uint64(v: Maybe<number | bigint>, path: string): number | undefined {
    if (v === undefined || v === null) return 0;
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
    number: Maybe<number | bigint>,
    name: Maybe<string>,
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
    if (name === undefined || name === null) return fromNumber;
    const n = ERRNO_NUMBERS[name];
    if (n === undefined) {
      this.problem(join(path, nameKey), `unknown errno name "${name}"`);
      return;
    }
    if (fromNumber !== undefined && ERRNO_NUMBERS[fromNumber] !== n) {
      this.problem(
        join(path, nameKey),
        `"${name}" is errno ${n}, but ${numberKey} says ${ERRNO_NUMBERS[fromNumber] ?? "?"} (${fromNumber})`,
      );
      return;
    }
    return fromNumber ?? name;
  }

  /** An action with the errno it returns (errnoRet on another action is refused). */
  action(
    name: string,
    path: string,
    errno: string | undefined,
    errnoPath: string,
  ): { action: RuleAction; errno?: string } | undefined {
    const action = ACTIONS[name];
    if (action === undefined) {
      this.problem(path, `${name} is not supported: ${UNSUPPORTED_ACTIONS[name] ?? "unknown"}`);
      return;
    }
    if (action !== "errno" && errno !== undefined) {
      this.problem(
        errnoPath,
        `${name} returns no errno (the OCI runtime spec requires refusing this)`,
      );
      return;
    }
    return action === "errno" ? { action, errno: errno ?? "EPERM" } : { action };
  }

  filter(f: Maybe<FileFilter>): Filter {
    const out: Filter = { caps: f?.caps ?? [], arches: f?.arches ?? [] };
    if (f?.minKernel !== undefined && f.minKernel !== null) out.minKernel = f.minKernel;
    return out;
  }

  condition(a: FileArg, path: string, opName: string): ArgCondition | undefined {
    const value = this.uint64(a.value, join(path, "value"));
    const valueTwo = this.uint64(a.valueTwo, join(path, "valueTwo"));
    const op = OPS[a.op];
    if (op === undefined || value === undefined || valueTwo === undefined) return undefined;
    // For SCMP_CMP_MASKED_EQ Docker's `value` is the mask and `valueTwo` the value compared with
    // (libseccomp's datum_a and datum_b); the other operators ignore valueTwo.
    if (op === "masked_eq") return { index: a.index, op, value: valueTwo, mask: value };
    if (valueTwo !== 0) {
      this.problem(
        join(path, "valueTwo"),
        `is only used by SCMP_CMP_MASKED_EQ; got ${valueTwo} with ${opName}`,
      );
      return undefined;
    }
    return { index: a.index, op, value };
  }

  entry(e: FileEntry, path: string): Entry | undefined {
    const fromName = e.name !== undefined && e.name !== null && e.name !== "";
    let names: string[] = [];
    if (fromName) {
      if (e.names !== undefined && e.names !== null)
        this.problem(path, `has both "name" and "names"; use one`);
      names = [e.name ?? ""];
    } else if (e.names === undefined || e.names === null) {
      this.problem(path, `names no syscall: give "names" (or the older "name")`);
    } else names = e.names;
    const errnoPath = join(
      path,
      e.errnoRet !== undefined && e.errnoRet !== null ? "errnoRet" : "errno",
    );
    const errno = this.errno(e.errnoRet, e.errno, path, "errnoRet", "errno");
    const act = this.action(e.action, join(path, "action"), errno, errnoPath);
    const conditions: ArgCondition[] = [];
    let bad = false;
    (e.args ?? []).forEach((a, i) => {
      const c = this.condition(a, `${join(path, "args")}[${i}]`, a.op);
      if (c) conditions.push(c);
      else bad = true;
    });
    if (!act || bad) return undefined;
    const entry: Entry = {
      path,
      names,
      namePaths: names.map((_, i) =>
        fromName ? join(path, "name") : `${join(path, "names")}[${i}]`,
      ),
      actionName: e.action,
      ...act,
      conditions,
      includes: this.filter(e.includes),
      excludes: this.filter(e.excludes),
    };
    if (e.comment !== undefined && e.comment !== null && e.comment !== "")
      entry.comment = e.comment;
    return entry;
  }

  /** The top-level fields the schema found well-formed (the entries are read one by one). */
  top(o: FileProfile, failed: (path: string) => boolean): Profile["defaultAction"] | undefined {
    const errnoPath =
      o.defaultErrnoRet !== undefined && o.defaultErrnoRet !== null
        ? "defaultErrnoRet"
        : "defaultErrno";
    const errno =
      failed("defaultErrnoRet") || failed("defaultErrno")
        ? undefined
        : this.errno(o.defaultErrnoRet, o.defaultErrno, "", "defaultErrnoRet", "defaultErrno");
    if (!failed("flags") && (o.flags ?? []).length > 0)
      this.problem("flags", "seccomp filter flags are not supported");
    if (
      !failed("listenerPath") &&
      o.listenerPath !== undefined &&
      o.listenerPath !== null &&
      o.listenerPath !== ""
    )
      this.problem("listenerPath", "a seccomp agent (listenerPath) is not supported");
    if (o.syscalls === undefined || o.syscalls === null)
      this.problem(
        "",
        `has no "syscalls" list`,
        "a profile without syscalls applies its default action to everything; give syscalls: [] to mean that",
      );
    if (failed("defaultAction")) return undefined;
    if (o.defaultAction === "SCMP_ACT_NOTIFY") {
      this.problem("defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
      return undefined;
    }
    const act = this.action(o.defaultAction, "defaultAction", errno, errnoPath);
    return act && act.action !== "notify" ? act : undefined;
  }
}

function architectures(o: FileProfile): Profile["arches"] {
  const arches: Profile["arches"] = [];
  const listed = o.architectures ?? [];
  listed.forEach((arch, i) => {
    arches.push({ path: `architectures[${i}]`, arch, with: listed.filter((a) => a !== arch) });
  });
  (o.archMap ?? []).forEach((m, i) => {
    const path = `archMap[${i}]`;
    const subs = m.subArchitectures ?? [];
    arches.push({ path, arch: m.architecture, with: subs });
    subs.forEach((s) => arches.push({ path, arch: s, with: [m.architecture] }));
  });
  return arches;
}

/** The profile's entries and default action, or an InputError with every problem. `file` names
 * the profile in the issues. */
export function readDockerProfile(profile: unknown, file: string): Profile {
  const schema = schemaIssues(profile, file);
  const check = new Checker(file);
  const failed = (path: string): boolean =>
    schema.some(
      (i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`),
    );
  // The checks below read what the schema found well-formed: the top-level fields without a
  // problem of their own, each entry without a problem of its own.
  const doc = (
    typeof profile === "object" && profile !== null && !Array.isArray(profile) ? profile : undefined
  ) as FileProfile | undefined;
  let defaultAction: Profile["defaultAction"] | undefined;
  const entries: Entry[] = [];
  if (doc) defaultAction = check.top(doc, failed);
  if (doc && Array.isArray(doc.syscalls))
    doc.syscalls.forEach((e, i) => {
      const path = `syscalls[${i}]`;
      if (failed(path)) return;
      const entry = check.entry(e, path);
      if (entry) entries.push(entry);
    });
  const issues = [...schema, ...check.issues].sort((a, b) => comparePaths(a.path, b.path));
  if (issues.length > 0 || !doc || !defaultAction) throw new InputError(issues);
  return { defaultAction, arches: architectures(doc), entries };
}

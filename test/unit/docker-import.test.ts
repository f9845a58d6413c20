import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { InputError, type Issue } from "../../src/errors.js";
import { simulate, X32_SYSCALL_BIT, type SeccompAction } from "../../src/seccomp/bpf.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { importDockerProfile, type DockerImport } from "../../src/seccomp/docker.js";
import { loadNative } from "../../src/native/seccomp.js";
import { root } from "../helpers.js";

const native = loadNative({ optional: true });
const nativeMissing = native ? false : "the native addon is not built (npm run build)";

// Docker's default capability set (moby oci/caps/defaults.go).
const DOCKER_CAPS = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];
const KERNEL = release();

/** A profile: one written for these tests in the style of Docker's default
 * (test/fixtures/seccomp/docker-style.json), or Podman's default as Debian installs it. */
function profileFile(path: string): { profile: unknown; path: string } {
  assert.ok(
    existsSync(path),
    `${path} is missing: it comes with Debian's golang-github-containers-common (scripts/setup.sh --test)`,
  );
  return { profile: JSON.parse(readFileSync(path, "utf8")) as unknown, path };
}

/** Podman's default profile, from Debian's golang-github-containers-common (scripts/setup.sh
 * --test installs it). */
const PODMAN_PROFILE = "/usr/share/containers/seccomp.json";
const DOCKER_STYLE_PROFILE = join(root, "test/fixtures/seccomp/docker-style.json");

// ---------------------------------------------------------------------------------------------
// An interpreter of the profile file, written against the JSON and independent of the importer:
// which entries apply (moby's rules), what each means, and how the rules of one syscall combine
// as runc and libseccomp combine them: rules with the default action are left out (runc); the
// first unconditional rule decides (libseccomp); otherwise a rule whose conditions all hold
// (conditions ANDed; an entry with two conditions on one argument is one rule per condition, as
// runc adds it); otherwise the default action. Two holding rules with different actions would be
// ambiguous and fail the test.

interface FileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
interface FileFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string;
}
interface FileEntry {
  names?: string[] | null;
  name?: string;
  action: string;
  errnoRet?: number;
  args?: FileArg[] | null;
  includes?: FileFilter | null;
  excludes?: FileFilter | null;
}
interface FileProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  syscalls: FileEntry[];
}

interface Context {
  arch: string;
  caps: string[];
  kernel: string;
}

const GO_ARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };
const FILE_ACTIONS: Record<string, string> = {
  SCMP_ACT_ALLOW: "allow",
  SCMP_ACT_KILL: "kill_thread",
  SCMP_ACT_KILL_THREAD: "kill_thread",
  SCMP_ACT_KILL_PROCESS: "kill_process",
  SCMP_ACT_TRAP: "trap",
  SCMP_ACT_LOG: "log",
};
const U64 = (1n << 64n) - 1n;
const HIGH = 0xffff_ffffn << 32n;

/** A verdict as a string: "allow", "errno 1", "kill_process", … (runc: errno without errnoRet
 * is EPERM for a rule; the default action uses defaultErrnoRet). */
function fileVerdict(action: string, errnoRet: number | undefined): string {
  if (action === "SCMP_ACT_ERRNO") return `errno ${errnoRet ?? 1}`;
  const v = FILE_ACTIONS[action];
  assert.ok(v, `the interpreter does not know ${action}`);
  return v;
}

const verdictOf = (a: SeccompAction): string =>
  a.action === "errno" ? `errno ${a.data}` : a.action;

function kernelAtLeast(kernel: string, min: string): boolean {
  const a = (/^[\d.]+/.exec(kernel)?.[0] ?? "0").split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

function entryApplies(e: FileEntry, ctx: Context): boolean {
  const caps = ctx.caps.map((c) => `CAP_${c}`);
  const arch = GO_ARCH[ctx.arch] ?? ctx.arch;
  const inc = e.includes ?? {};
  const exc = e.excludes ?? {};
  if ((exc.arches ?? []).includes(arch)) return false;
  if ((exc.caps ?? []).some((c) => caps.includes(c))) return false;
  if (exc.minKernel !== undefined && kernelAtLeast(ctx.kernel, exc.minKernel)) return false;
  if ((inc.arches ?? []).length > 0 && !(inc.arches ?? []).includes(arch)) return false;
  if (!(inc.caps ?? []).every((c) => caps.includes(c))) return false;
  return inc.minKernel === undefined || kernelAtLeast(ctx.kernel, inc.minKernel);
}

const namesOf = (e: FileEntry): string[] => e.names ?? (e.name !== undefined ? [e.name] : []);

function holds(c: FileArg, args: readonly bigint[]): boolean {
  const a = args[c.index] ?? 0n;
  const v = BigInt(c.value);
  switch (c.op) {
    case "SCMP_CMP_EQ":
      return a === v;
    case "SCMP_CMP_NE":
      return a !== v;
    case "SCMP_CMP_LT":
      return a < v;
    case "SCMP_CMP_LE":
      return a <= v;
    case "SCMP_CMP_GT":
      return a > v;
    case "SCMP_CMP_GE":
      return a >= v;
    case "SCMP_CMP_MASKED_EQ":
      return (a & v) === BigInt(c.valueTwo ?? 0);
    default:
      assert.fail(`the interpreter does not know ${c.op}`);
  }
}

/** The file's meaning, for one capability set, architecture and kernel. */
function interpreter(profile: FileProfile, ctx: Context) {
  const defaultVerdict = fileVerdict(profile.defaultAction, profile.defaultErrnoRet);
  const rules = new Map<string, { verdict: string; conditions: FileArg[] }[]>();
  for (const e of profile.syscalls) {
    if (!entryApplies(e, ctx)) continue;
    const verdict = fileVerdict(e.action, e.errnoRet);
    if (verdict === defaultVerdict) continue;
    const args = e.args ?? [];
    const repeated = new Set(args.map((a) => a.index)).size < args.length;
    const groups = repeated ? args.map((a) => [a]) : [args];
    for (const name of namesOf(e))
      for (const conditions of groups)
        rules.set(name, [...(rules.get(name) ?? []), { verdict, conditions }]);
  }
  return {
    defaultVerdict,
    intended(name: string, args: readonly bigint[]): string {
      const mine = rules.get(name) ?? [];
      const plain = mine.find((r) => r.conditions.length === 0);
      if (plain) return plain.verdict;
      const hits = new Set(
        mine.filter((r) => r.conditions.every((c) => holds(c, args))).map((r) => r.verdict),
      );
      assert.ok(
        hits.size <= 1,
        `${name}(${args.join(", ")}): the file is ambiguous: ${[...hits].join(" / ")}`,
      );
      return [...hits][0] ?? defaultVerdict;
    },
  };
}

/** A value that satisfies a condition (for testing the entry's other conditions). */
function satisfying(c: FileArg): bigint {
  const v = BigInt(c.value);
  switch (c.op) {
    case "SCMP_CMP_NE":
      return v === 0n ? 1n : 0n;
    case "SCMP_CMP_LT":
      return 0n;
    case "SCMP_CMP_GT":
      return v + 1n;
    case "SCMP_CMP_MASKED_EQ":
      return BigInt(c.valueTwo ?? 0);
    default:
      return v;
  }
}

/** Values around a condition: the value, ±1, with the upper 32 bits set, and for a mask the
 * compared value with each bit of the mask, all of it, and bits outside it. */
function variants(c: FileArg): bigint[] {
  const v = BigInt(c.value);
  const out = [0n, v, v + 1n, v - 1n, v | HIGH, v + (1n << 32n), U64];
  if (c.op === "SCMP_CMP_MASKED_EQ") {
    const want = BigInt(c.valueTwo ?? 0);
    out.push(want, want | v, want | (~v & U64), want | HIGH, want | (1n << 32n));
    for (let bit = 0n; bit < 64n; bit++) if ((v >> bit) & 1n) out.push(want | (1n << bit));
  }
  return out.filter((x) => x >= 0n).map((x) => x & U64);
}

/** Argument vectors that exercise every condition of the file, each on its own and with the
 * entry's other conditions satisfied; deduplicated. */
function argumentVectors(profile: FileProfile): bigint[][] {
  const vectors = new Map<string, bigint[]>();
  const add = (v: bigint[]): void => {
    vectors.set(v.join(","), v);
  };
  add([0n, 0n, 0n, 0n, 0n, 0n]);
  add([U64, U64, U64, U64, U64, U64]);
  for (const e of profile.syscalls) {
    const args = e.args ?? [];
    if (args.length === 0) continue;
    const base = [0n, 0n, 0n, 0n, 0n, 0n];
    for (const c of args) base[c.index] = satisfying(c);
    add(base);
    for (const c of args)
      for (const x of variants(c)) {
        const v = [...base];
        v[c.index] = x;
        add(v);
      }
  }
  return [...vectors.values()];
}

/** Imports and compiles the profile, then compares the filter with the file's meaning for every
 * named syscall number below 1000 and every argument vector; unnamed numbers get the default. */
function checkEverySyscall(
  profile: unknown,
  source: string,
  ctx: Context,
): DockerImport & { bpf: Buffer; filterVerdict(name: string, args?: bigint[]): string } {
  assert.ok(native);
  const imported = importDockerProfile(profile, {
    arch: ctx.arch,
    capabilities: ctx.caps,
    kernel: ctx.kernel,
    source,
    native,
  });
  const [filter] = compileFilters(imported.spec, native);
  assert.ok(filter);
  const file = interpreter(profile as FileProfile, ctx);
  const vectors = argumentVectors(profile as FileProfile);
  const mismatches: string[] = [];
  let named = 0;
  for (let nr = 0; nr < 1000; nr++) {
    const name = native.syscallName(ctx.arch, nr);
    if (name === null) {
      const got = verdictOf(simulate(filter.bpf, { arch: ctx.arch, nr, args: [0n, 1n] }));
      if (got !== file.defaultVerdict) mismatches.push(`nr ${nr} (no name): ${got}`);
      continue;
    }
    named++;
    for (const args of vectors) {
      const got = verdictOf(simulate(filter.bpf, { arch: ctx.arch, nr, args }));
      const want = file.intended(name, args);
      if (got !== want)
        mismatches.push(`${name} (${nr}) [${args.join(", ")}]: ${got}, the file means ${want}`);
    }
  }
  assert.ok(named > 250, `only ${named} named syscalls on ${ctx.arch}`);
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  const nr = (name: string): number => native.syscallNumber(ctx.arch, name);
  return {
    ...imported,
    bpf: filter.bpf,
    filterVerdict: (name, args = []) =>
      verdictOf(simulate(filter.bpf, { arch: ctx.arch, nr: nr(name), args })),
  };
}

/** Every name the applicable entries give that libseccomp does not know is in the note. */
function assertUnknownNamesNoted(profile: unknown, ctx: Context, notes: string[]): string[] {
  assert.ok(native);
  const unknown = new Set<string>();
  for (const e of (profile as FileProfile).syscalls)
    if (entryApplies(e, ctx))
      for (const n of namesOf(e)) if (native.syscallNumber(ctx.arch, n) === -1) unknown.add(n);
  const note = notes.find((n) => n.startsWith("left out, unknown to libseccomp"));
  if (unknown.size === 0) {
    assert.equal(note, undefined);
    return [];
  }
  assert.ok(note, `no note about ${[...unknown].join(", ")}`);
  const listed = note.slice(note.indexOf(": ") + 2).split(", ");
  assert.deepEqual(new Set(listed), unknown);
  return listed;
}

describe("a Docker-style profile (written for the tests)", { skip: nativeMissing }, () => {
  const { profile, path: source } = profileFile(DOCKER_STYLE_PROFILE);
  const ctx: Context = { arch: "x86_64", caps: DOCKER_CAPS, kernel: KERNEL };
  const withAdmin: Context = { ...ctx, caps: [...DOCKER_CAPS, "SYS_ADMIN"] };

  test("x86_64, Docker's capabilities: every syscall and argument as the file means", (t) => {
    const r = checkEverySyscall(profile, source, ctx);
    assert.deepEqual(r.spec.architectures, ["x86_64"]);
    assert.equal(r.spec.badArchAction, "kill_process");
    assert.deepEqual(r.spec.defaultAction, { action: "errno", errno: "EPERM" });
    // Another ABI is refused with the bad-architecture action; so is x32 on x86_64.
    assert.equal(verdictOf(simulate(r.bpf, { arch: "x86", nr: 0 })), "kill_process");
    assert.equal(
      verdictOf(simulate(r.bpf, { arch: "x32", nr: X32_SYSCALL_BIT | 0 })),
      "kill_process",
    );
    // Numbers without a syscall get the default action.
    assert.equal(verdictOf(simulate(r.bpf, { arch: "x86_64", nr: 999 })), "errno 1");
    assert.equal(verdictOf(simulate(r.bpf, { arch: "x86_64", nr: 0x3fff_ffff })), "errno 1");
    // Spelled out: argument rules and capability-conditional entries.
    const CLONE_NEWUSER = 0x1000_0000n;
    const SIGCHLD = 17n;
    assert.equal(r.filterVerdict("clone", [SIGCHLD]), "allow");
    assert.equal(r.filterVerdict("clone", [SIGCHLD | CLONE_NEWUSER]), "errno 1");
    assert.equal(r.filterVerdict("clone3"), "errno 38");
    assert.equal(r.filterVerdict("personality", [0n]), "allow");
    assert.equal(r.filterVerdict("personality", [0xffff_ffffn]), "allow");
    assert.equal(r.filterVerdict("personality", [0xffff_ffffn | HIGH]), "errno 1");
    assert.equal(r.filterVerdict("personality", [1n]), "errno 1");
    assert.equal(r.filterVerdict("socket", [2n]), "allow"); // AF_INET
    assert.equal(r.filterVerdict("socket", [38n]), "errno 1"); // AF_ALG
    assert.equal(r.filterVerdict("socket", [40n]), "errno 1"); // AF_VSOCK
    assert.equal(r.filterVerdict("socket", [40n | HIGH]), "allow"); // above 40 as 64 bits
    assert.equal(r.filterVerdict("mount"), "errno 1");
    assert.equal(r.filterVerdict("chroot"), "allow"); // SYS_CHROOT is in the set
    assert.equal(r.filterVerdict("ptrace"), "allow"); // minKernel 4.8
    // Every rule carries the profile as its reason.
    for (const rule of r.spec.syscalls) {
      assert.equal(rule.reasons.length, 1);
      assert.equal(rule.reasons[0]?.kind, "profile");
      assert.equal(rule.reasons[0]?.ref, source);
      assert.ok(rule.reasons[0]?.why);
    }
    const s390 = r.spec.syscalls.find((x) => x.name === "clone" && x.args?.[0]?.index === 1);
    assert.equal(s390, undefined, "the s390 clone entry does not apply on x86_64");
    const names = assertUnknownNamesNoted(profile, ctx, r.notes);
    for (const note of r.notes) t.diagnostic(`note: ${note}`);
    assert.ok(names.length > 0);
    assert.ok(r.notes.some((n) => n.includes("SCMP_ARCH_X86, SCMP_ARCH_X32")));
  });

  test("with CAP_SYS_ADMIN added, the capability-conditional verdicts change", () => {
    const base = checkEverySyscall(profile, source, ctx);
    const admin = checkEverySyscall(profile, source, withAdmin);
    const probes: [string, bigint[], string, string][] = [
      ["mount", [], "errno 1", "allow"],
      ["umount2", [], "errno 1", "allow"],
      ["unshare", [], "errno 1", "allow"],
      ["setns", [], "errno 1", "allow"],
      ["clone", [0x1000_0000n], "errno 1", "allow"], // CLONE_NEWUSER
      ["clone", [0x2_0000n], "errno 1", "allow"], // CLONE_NEWNS
      ["clone", [17n], "allow", "allow"],
      ["clone3", [], "errno 38", "allow"],
      ["bpf", [], "errno 1", "allow"],
      ["personality", [1n], "errno 1", "errno 1"],
      ["socket", [40n], "errno 1", "errno 1"],
    ];
    for (const [name, args, before, after] of probes) {
      assert.equal(base.filterVerdict(name, args), before, `${name} without SYS_ADMIN`);
      assert.equal(admin.filterVerdict(name, args), after, `${name} with SYS_ADMIN`);
    }
    assertUnknownNamesNoted(profile, withAdmin, admin.notes);
  });

  test("aarch64: every syscall and argument as the file means", () => {
    const r = checkEverySyscall(profile, source, { ...ctx, arch: "aarch64" });
    assert.deepEqual(r.spec.architectures, ["aarch64"]);
    assert.equal(verdictOf(simulate(r.bpf, { arch: "arm", nr: 0 })), "kill_process");
    assert.equal(verdictOf(simulate(r.bpf, { arch: "x86_64", nr: 0 })), "kill_process");
    assert.equal(r.filterVerdict("clone", [0x1000_0000n]), "errno 1");
    assert.equal(r.filterVerdict("personality", [8n]), "allow");
    // x86-only and arm-only names are skipped by the compiler, not refused.
    assert.equal(native?.syscallNumber("aarch64", "arch_prctl"), -2);
    assert.equal(
      r.spec.syscalls.some((x) => x.name === "arch_prctl"),
      false,
      "arch_prctl's entry is for amd64 and x32 only",
    );
    assertUnknownNamesNoted(profile, { ...ctx, arch: "aarch64" }, r.notes);
  });

  test("aarch64 with CAP_SYS_ADMIN", () => {
    const r = checkEverySyscall(profile, source, { ...withAdmin, arch: "aarch64" });
    assert.equal(r.filterVerdict("mount"), "allow");
  });
});

describe("Podman's default profile (Debian's)", { skip: nativeMissing }, () => {
  const { profile, path: source } = profileFile(PODMAN_PROFILE);
  const ctx: Context = { arch: "x86_64", caps: DOCKER_CAPS, kernel: KERNEL };

  test("x86_64, Docker's capabilities: every syscall and argument as the file means", (t) => {
    const r = checkEverySyscall(profile, source, ctx);
    assert.deepEqual(r.spec.defaultAction, { action: "errno", errno: "ENOSYS" });
    assert.equal(verdictOf(simulate(r.bpf, { arch: "x86_64", nr: 999 })), "errno 38");
    assert.equal(r.filterVerdict("add_key"), "errno 38"); // not listed: the default
    assert.equal(r.filterVerdict("kexec_load"), "errno 1"); // listed as EPERM
    assert.equal(r.filterVerdict("mount"), "allow"); // Podman leaves mount to the capabilities
    assert.equal(r.filterVerdict("kcmp"), "errno 1");
    assert.equal(r.filterVerdict("socket", [16n, 3n, 9n]), "allow"); // AUDIT_WRITE is kept
    // setns is in the big allow entry and in an EPERM entry for processes without
    // CAP_SYS_ADMIN: the first unconditional rule wins in libseccomp, so it is allowed.
    assert.equal(r.filterVerdict("setns"), "allow");
    assert.ok(r.notes.some((n) => n.includes("unconditional rule decide") && n.includes("setns")));
    assertUnknownNamesNoted(profile, ctx, r.notes);
    for (const note of r.notes) t.diagnostic(`note: ${note}`);
  });

  test("without CAP_AUDIT_WRITE: the conditional socket rules (NETLINK_AUDIT fails with EINVAL)", () => {
    const caps = DOCKER_CAPS.filter((c) => c !== "AUDIT_WRITE");
    const r = checkEverySyscall(profile, source, { ...ctx, caps });
    assert.equal(r.filterVerdict("socket", [16n, 3n, 9n]), "errno 22");
    assert.equal(r.filterVerdict("socket", [16n, 3n, 0n]), "allow");
    assert.equal(r.filterVerdict("socket", [2n, 1n, 9n]), "allow");
  });

  test("with CAP_SYS_ADMIN, and on aarch64", () => {
    const admin = checkEverySyscall(profile, source, {
      ...ctx,
      caps: [...DOCKER_CAPS, "SYS_ADMIN"],
    });
    assert.equal(admin.filterVerdict("sethostname"), "allow");
    assert.equal(admin.filterVerdict("bpf"), "allow");
    const arm = checkEverySyscall(profile, source, { ...ctx, arch: "aarch64" });
    assert.equal(arm.filterVerdict("sethostname"), "errno 1");
  });
});

// ---------------------------------------------------------------------------------------------

const SOURCE = "profile.json";

function issuesOf(profile: unknown, arch = "x86_64"): Issue[] {
  try {
    importDockerProfile(profile, { arch, capabilities: [], source: SOURCE, native });
  } catch (e) {
    assert.ok(e instanceof InputError, `not an InputError: ${String(e)}`);
    for (const i of e.issues) assert.equal(i.file, SOURCE);
    return e.issues;
  }
  assert.fail("no InputError");
}

const paths = (issues: Issue[]): string[] => issues.map((i) => i.path);

const minimal = (syscalls: unknown[], extra: Record<string, unknown> = {}): unknown => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls,
  ...extra,
});

describe("malformed and unsupported profiles are InputErrors with a path", () => {
  test("shapes", () => {
    assert.deepEqual(paths(issuesOf([])), [""]);
    assert.deepEqual(paths(issuesOf(minimal({} as unknown as unknown[]))), ["syscalls"]);
    assert.deepEqual(paths(issuesOf(minimal(["read"]))), ["syscalls[0]"]);
    assert.deepEqual(paths(issuesOf(minimal([{ action: "SCMP_ACT_ALLOW" }]))), ["syscalls[0]"]);
    assert.deepEqual(paths(issuesOf(minimal([{ names: [], action: "SCMP_ACT_ALLOW" }]))), [
      "syscalls[0].names",
    ]);
    assert.deepEqual(paths(issuesOf(minimal([{ names: ["read", 3], action: "SCMP_ACT_ALLOW" }]))), [
      "syscalls[0].names[1]",
    ]);
    assert.deepEqual(
      paths(issuesOf(minimal([{ name: "read", names: ["write"], action: "SCMP_ACT_ALLOW" }]))),
      ["syscalls[0]"],
    );
    assert.deepEqual(
      paths(issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_ALLOW", nmes: 1 }]))),
      ["syscalls[0].nmes"],
    );
    assert.deepEqual(
      paths(
        issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_ALLOW", includes: { caps: "X" } }])),
      ),
      ["syscalls[0].includes.caps"],
    );
    assert.deepEqual(
      paths(
        issuesOf(
          minimal([{ names: ["read"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "new" } }]),
        ),
      ),
      ["syscalls[0].includes.minKernel"],
    );
    assert.deepEqual(paths(issuesOf({ syscalls: [] })), ["defaultAction"]);
    assert.deepEqual(paths(issuesOf(minimal([], { architectures: "SCMP_ARCH_X86_64" }))), [
      "architectures",
    ]);
    assert.deepEqual(paths(issuesOf(minimal([], { archMap: [{ arch: "x" }] }))), [
      "archMap[0].arch",
      "archMap[0].architecture",
    ]);
  });

  test("every problem at once", () => {
    const issues = issuesOf(
      minimal([
        { names: ["read"], action: "SCMP_ACT_TRACE" },
        {
          names: ["write"],
          action: "SCMP_ACT_ALLOW",
          args: [{ index: 0, value: 1, op: "SCMP_CMP_XX" }],
        },
      ]),
    );
    assert.deepEqual(paths(issues), ["syscalls[0].action", "syscalls[1].args[0].op"]);
  });

  test("actions", () => {
    const [trace] = issuesOf(minimal([{ names: ["ptrace"], action: "SCMP_ACT_TRACE" }]));
    assert.equal(trace?.path, "syscalls[0].action");
    assert.match(trace?.message ?? "", /SCMP_ACT_TRACE is not supported/);
    const [unknown] = issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_MAYBE" }]));
    assert.equal(unknown?.path, "syscalls[0].action");
    assert.match(unknown?.message ?? "", /unknown action "SCMP_ACT_MAYBE"/);
    assert.deepEqual(paths(issuesOf(minimal([], { defaultAction: "SCMP_ACT_NOTIFY" }))), [
      "defaultAction",
    ]);
    assert.deepEqual(
      paths(issuesOf(minimal([], { defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: 1 }))),
      ["defaultErrnoRet"],
    );
    assert.deepEqual(
      paths(issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_ALLOW", errnoRet: 1 }]))),
      ["syscalls[0].errnoRet"],
    );
    assert.deepEqual(
      paths(issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 0 }]))),
      ["syscalls[0].errnoRet"],
    );
    assert.deepEqual(
      paths(issuesOf(minimal([{ names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 99999 }]))),
      ["syscalls[0].errnoRet"],
    );
    assert.deepEqual(
      paths(
        issuesOf(
          minimal([{ names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 1, errno: "ENOSYS" }]),
        ),
      ),
      ["syscalls[0].errno"],
    );
  });

  test("conditions", () => {
    const arg = (a: Record<string, unknown>): unknown =>
      minimal([{ names: ["socket"], action: "SCMP_ACT_ALLOW", args: [a] }]);
    const [op] = issuesOf(arg({ index: 0, value: 1, op: "SCMP_CMP_BETWEEN" }));
    assert.equal(op?.path, "syscalls[0].args[0].op");
    assert.match(op?.message ?? "", /unknown operator "SCMP_CMP_BETWEEN"/);
    assert.deepEqual(paths(issuesOf(arg({ index: 6, value: 1, op: "SCMP_CMP_EQ" }))), [
      "syscalls[0].args[0].index",
    ]);
    assert.deepEqual(paths(issuesOf(arg({ index: 0, value: -1, op: "SCMP_CMP_EQ" }))), [
      "syscalls[0].args[0].value",
    ]);
    assert.deepEqual(paths(issuesOf(arg({ index: 0, value: "1", op: "SCMP_CMP_EQ" }))), [
      "syscalls[0].args[0].value",
    ]);
    // 2^64-1 as JSON.parse reads it (2^64): not exactly representable, refused loudly.
    const json = '{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}';
    const [big] = issuesOf(arg(JSON.parse(json) as Record<string, unknown>));
    assert.equal(big?.path, "syscalls[0].args[0].value");
    assert.match(big?.message ?? "", /above 2\^53-1/);
    assert.deepEqual(paths(issuesOf(arg({ index: 0, value: 2n ** 64n - 1n, op: "SCMP_CMP_EQ" }))), [
      "syscalls[0].args[0].value",
    ]);
    assert.deepEqual(paths(issuesOf(arg({ index: 0, value: 1, valueTwo: 2, op: "SCMP_CMP_EQ" }))), [
      "syscalls[0].args[0].valueTwo",
    ]);
  });

  test("architectures", () => {
    const [missing] = issuesOf(minimal([]), "aarch64");
    assert.equal(missing?.path, "architectures");
    assert.match(
      missing?.message ?? "",
      /does not list SCMP_ARCH_AARCH64 \(aarch64\); it lists SCMP_ARCH_X86_64/,
    );
    const archMap = {
      defaultAction: "SCMP_ACT_ERRNO",
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
      syscalls: [],
    };
    assert.deepEqual(paths(issuesOf(archMap, "aarch64")), ["archMap"]);
    assert.deepEqual(paths(issuesOf(minimal([]), "sparc")), [""]);
  });
});

describe("what the importer makes of entries", { skip: nativeMissing }, () => {
  const load = (profile: unknown, caps: string[] = [], kernel?: string) =>
    importDockerProfile(profile, {
      arch: "x86_64",
      capabilities: caps,
      source: SOURCE,
      native,
      ...(kernel !== undefined ? { kernel } : {}),
    });

  test("errno: defaultErrnoRet is the default action's; a rule without errnoRet gets EPERM (runc)", () => {
    const { spec } = load(
      minimal(
        [
          { names: ["mount"], action: "SCMP_ACT_ERRNO" },
          { name: "umount2", action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        ],
        {
          defaultErrnoRet: 38,
        },
      ),
    );
    assert.deepEqual(spec.defaultAction, { action: "errno", errno: "ENOSYS" });
    assert.deepEqual(
      spec.syscalls.map((r) => [r.name, r.action, r.errno]),
      [
        ["mount", "errno", "EPERM"],
        ["umount2", "errno", "EACCES"],
      ],
    );
  });

  test("actions, masked_eq, reasons", () => {
    const { spec } = load(
      minimal([
        { names: ["read"], action: "SCMP_ACT_KILL", comment: "why not" },
        { names: ["write"], action: "SCMP_ACT_KILL_PROCESS" },
        { names: ["getpid"], action: "SCMP_ACT_TRAP" },
        { names: ["getuid"], action: "SCMP_ACT_LOG" },
        { names: ["ioctl"], action: "SCMP_ACT_NOTIFY" },
        {
          names: ["clone"],
          action: "SCMP_ACT_ALLOW",
          args: [{ index: 0, value: 255, valueTwo: 17, op: "SCMP_CMP_MASKED_EQ" }],
        },
      ]),
    );
    assert.deepEqual(
      spec.syscalls.map((r) => [r.name, r.action]),
      [
        ["read", "kill_thread"],
        ["write", "kill_process"],
        ["getpid", "trap"],
        ["getuid", "log"],
        ["ioctl", "notify"],
        ["clone", "allow"],
      ],
    );
    assert.deepEqual(spec.syscalls[5]?.args, [{ index: 0, op: "masked_eq", value: 17, mask: 255 }]);
    assert.deepEqual(spec.syscalls[0]?.reasons, [{ kind: "profile", ref: SOURCE, why: "why not" }]);
    assert.deepEqual(spec.syscalls[1]?.reasons, [
      { kind: "profile", ref: SOURCE, why: "SCMP_ACT_KILL_PROCESS" },
    ]);
  });

  test("two conditions on one argument become separate rules, with a note", () => {
    const { spec, notes } = load(
      minimal([
        {
          names: ["personality"],
          action: "SCMP_ACT_ALLOW",
          args: [
            { index: 0, value: 0, op: "SCMP_CMP_GE" },
            { index: 0, value: 8, op: "SCMP_CMP_LE" },
          ],
        },
      ]),
    );
    assert.deepEqual(
      spec.syscalls.map((r) => r.args),
      [[{ index: 0, op: "ge", value: 0 }], [{ index: 0, op: "le", value: 8 }]],
    );
    assert.ok(notes.some((n) => n.includes("one rule per condition") && n.endsWith("personality")));
    const [filter] = compileFilters(spec, native);
    assert.ok(filter);
  });

  test("includes and excludes: caps with or without CAP_, arches, minKernel", () => {
    const profile = minimal([
      { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["umount2"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64"] } },
      { names: ["set_tls"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm", "arm64"] } },
      { names: ["getpid"], action: "SCMP_ACT_ALLOW", excludes: { arches: ["amd64"] } },
      { names: ["ptrace"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4.8" } },
      { names: ["kcmp"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "6.10" } },
    ]);
    const names = (r: { spec: { syscalls: { name: string }[] } }) =>
      r.spec.syscalls.map((x) => x.name);
    assert.deepEqual(names(load(profile, ["SYS_ADMIN"], "6.1.0-18-amd64")), [
      "mount",
      "arch_prctl",
      "ptrace",
    ]);
    assert.deepEqual(names(load(profile, ["CAP_CHOWN"], "6.10.2")), [
      "umount2",
      "arch_prctl",
      "ptrace",
      "kcmp",
    ]);
    assert.deepEqual(names(load(profile, [], "4.4.0")), ["umount2", "arch_prctl"]);
    const noKernel = load(profile);
    assert.deepEqual(names(noKernel), ["umount2", "arch_prctl", "ptrace", "kcmp"]);
    assert.ok(noKernel.notes.some((n) => n.startsWith("no kernel version given")));
  });

  test("unknown names are left out with a note; names of other architectures are kept", () => {
    const { spec, notes } = load(
      minimal([{ names: ["read", "no_such_call", "set_tls"], action: "SCMP_ACT_ALLOW" }]),
    );
    assert.deepEqual(
      spec.syscalls.map((r) => r.name),
      ["read", "set_tls"],
    );
    assert.ok(
      notes.some(
        (n) => n.startsWith("left out, unknown to libseccomp") && n.endsWith(": no_such_call"),
      ),
    );
    const [filter] = compileFilters(spec, native);
    assert.deepEqual(filter?.skipped, ["set_tls"]);
  });

  test("rules of one syscall combine as libseccomp combines them", () => {
    const { spec, notes } = load(
      minimal([
        { names: ["getpid"], action: "SCMP_ACT_ERRNO" }, // the default action: left out
        { names: ["setns"], action: "SCMP_ACT_ALLOW" },
        { names: ["setns"], action: "SCMP_ACT_ERRNO", errnoRet: 22 }, // shadowed by the allow
        {
          names: ["socket"],
          action: "SCMP_ACT_ERRNO",
          errnoRet: 22,
          args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }],
        },
        {
          names: ["socket"],
          action: "SCMP_ACT_ALLOW",
          args: [
            { index: 0, value: 16, op: "SCMP_CMP_EQ" },
            { index: 1, value: 1, op: "SCMP_CMP_EQ" },
          ],
        },
      ]),
    );
    assert.deepEqual(
      spec.syscalls.map((r) => [r.name, r.action]),
      [
        ["setns", "allow"],
        ["socket", "errno"],
      ],
    );
    assert.equal(notes.length, 3, notes.join("\n"));
    const clash = issuesOf(
      minimal([
        {
          names: ["socket"],
          action: "SCMP_ACT_ALLOW",
          args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }],
        },
        {
          names: ["socket"],
          action: "SCMP_ACT_KILL",
          args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }],
        },
      ]),
    );
    assert.deepEqual(paths(clash), ["syscalls[1]"]);
    assert.match(clash[0]?.message ?? "", /same argument conditions as in syscalls\[0\]/);
  });

  test("a profile without architectures applies to the one asked for, with a note", () => {
    const { spec, notes } = load({
      defaultAction: "SCMP_ACT_KILL_PROCESS",
      syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }],
    });
    assert.deepEqual(spec.defaultAction, { action: "kill_process" });
    assert.ok(notes.some((n) => n.startsWith("the profile lists no architectures")));
  });
});

/** The audit's syscall section held to the compiled filter: for every syscall number of an
 * architecture and the argument vectors that exercise its conditions, the simulator's verdict on
 * the BPF must be the one the spec means (expectedVerdict), and the syscalls the report lists as
 * allowed must be exactly those the filter lets through. Any disagreement is an InternalError
 * naming the syscall, the architecture and both verdicts. */
import { InternalError } from "../errors.js";
import type { SeccompSpec, SyscallRule } from "../plan/types.js";
import { simulator, type SeccompAction } from "../seccomp/bpf.js";
import { errnoName, errnoNumber } from "../seccomp/compile.js";
import { expectedVerdict, interestingArgs, rulesFor, type Verdict } from "../seccomp/verdict.js";
import { archSyscalls, MAX_SYSCALL_NR, type SyscallNames } from "../seccomp/syscall-table.js";

export interface FilterCheck {
  arch: string;
  /** (syscall, arguments) cases compared. */
  cases: number;
  instructions: number;
  /** Names the filter allows for some of the arguments tried. */
  allowed: string[];
}

/** 32-bit architectures: the kernel passes each argument zero-extended from 32 bits, and
 * libseccomp compares only the low word there. */
const ARCH_32 = new Set(["x86", "arm"]);

/** The argument vectors that exercise a syscall's rules (interestingArgs), as the kernel can
 * present them on the architecture: on 32-bit ones the upper halves are zero. */
export function argumentVectors(rules: readonly SyscallRule[], arch: string): bigint[][] {
  const vectors = interestingArgs(rules);
  if (!ARCH_32.has(arch)) return vectors;
  const seen = new Set<string>();
  return vectors
    .map((v) => v.map((a) => BigInt.asUintN(32, a)))
    .filter((v) => {
      const key = v.join(",");
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function same(got: SeccompAction, want: Verdict): boolean {
  if (want.action === "errno")
    return got.action === "errno" && got.data === errnoNumber(want.errno ?? "EPERM");
  if (want.action === "notify") return got.action === "user_notif";
  return got.action === want.action;
}

const filterSays = (a: SeccompAction): string =>
  a.action === "errno" ? `errno ${errnoName(a.data)}` : a.action;
const specSays = (v: Verdict): string =>
  v.action === "errno" ? `errno ${v.errno ?? "EPERM"}` : v.action;
const argList = (args: readonly bigint[]): string =>
  `[${args.map((a) => (a < 4096n ? String(a) : `0x${a.toString(16)}`)).join(", ")}]`;

function mismatch(what: string, arch: string, report: string, filter: string): InternalError {
  return new InternalError(
    `the audit disagrees with the compiled filter: ${what} on ${arch}: the report says ${report}, the filter says ${filter}`,
    "this is a bug in secure-run (the compiler, the simulator or the audit); please report it",
  );
}

/**
 * Checks one architecture's filter against the spec it was compiled from; `reported`, when
 * given, is the set of syscalls the report lists as allowed there.
 */
export function checkFilter(
  spec: SeccompSpec,
  arch: string,
  bpf: Uint8Array,
  native: SyscallNames,
  reported?: ReadonlySet<string>,
): FilterCheck {
  const named = archSyscalls(native, arch);
  const byNr = new Map(named.map((s) => [s.nr, s.name]));
  const allowed: string[] = [];
  const simulate = simulator(bpf);
  let cases = 0;
  for (let nr = 0; nr <= MAX_SYSCALL_NR; nr++) {
    const name = byNr.get(nr);
    if (name === undefined) {
      const want = spec.defaultAction;
      const got = simulate({ arch, nr });
      if (!same(got, want))
        throw mismatch(`syscall number ${nr} (no name)`, arch, specSays(want), filterSays(got));
      cases++;
      continue;
    }
    let allows = false;
    for (const args of argumentVectors(rulesFor(spec, name), arch)) {
      const want = expectedVerdict(spec, name, args);
      const got = simulate({ arch, nr, args });
      if (!same(got, want))
        throw mismatch(
          `${name} (nr ${nr}) with arguments ${argList(args)}`,
          arch,
          specSays(want),
          filterSays(got),
        );
      if (got.action === "allow") allows = true;
      cases++;
    }
    if (allows) allowed.push(name);
    if (reported && reported.has(name) !== allows) {
      const got = simulate({ arch, nr, args: [0n, 0n, 0n, 0n, 0n, 0n] });
      throw mismatch(
        `${name} (nr ${nr})`,
        arch,
        reported.has(name) ? "allow" : "not allowed",
        allows ? "allow" : filterSays(got),
      );
    }
  }
  if (reported) {
    const names = new Set(named.map((s) => s.name));
    for (const name of reported)
      if (!names.has(name))
        throw mismatch(name, arch, "allow", `no such syscall on ${arch} (nothing to allow)`);
  }
  return { arch, cases, instructions: bpf.length / 8, allowed };
}

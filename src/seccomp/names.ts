/** Is a syscall name real? A name libseccomp knows on no architecture is a typo (or a syscall
 * newer than this libseccomp): an input error, with the closest real name as a hint. A name that
 * exists on some architecture but not on another is no error: compiling leaves it out there
 * (the per-architecture skip). */
import { closest } from "../documents/suggest.js";
import { schemaValidator } from "../documents/validate.js";
import { InputError, type Issue } from "../errors.js";
import { archSyscalls } from "./syscall-table.js";
import type { SeccompNative } from "../native/seccomp.js";

export { architectureHint, checkArchitectureNames } from "./arch-names.js";

export type SyscallNameSource = Pick<SeccompNative, "syscallNumber" | "syscallName">;

/** The architectures whose names make up the did-you-mean candidates. */
const SUGGEST_ARCHES = ["x86_64", "aarch64"];

export interface SyscallNameChecker {
  /** Whether libseccomp knows the name on at least one architecture. */
  known(name: string): boolean;
  /** `did you mean "open"?`, or a general hint. */
  hint(name: string): string;
}

export function syscallNameChecker(native: SyscallNameSource): SyscallNameChecker {
  let candidates: string[] | undefined;
  return {
    // -1: unknown on every architecture; -2: exists, but not on this one. The addon reads at
    // most 63 bytes of a name: a longer one is no syscall, whatever its first 63 bytes are.
    known: (name) =>
      name.length > 0 && name.length < 64 && native.syscallNumber("x86_64", name) !== -1,
    hint: (name) => {
      candidates ??= [
        ...new Set(SUGGEST_ARCHES.flatMap((a) => archSyscalls(native, a).map((s) => s.name))),
      ];
      const guess = closest(name, candidates);
      return guess
        ? `did you mean "${guess}"?`
        : "syscall names are those of the kernel, e.g. getpid, openat, clock_gettime";
    },
  };
}

/** Linux capability names, without CAP_ (as the app schema lists them). */
export function capabilityNames(): string[] {
  const schema = schemaValidator("app").schema as {
    properties: { capabilities: { items: { enum: string[] } } };
  };
  return schema.properties.capabilities.items.enum;
}

/** Capabilities as a flag gives them (CAP_ optional, any case) → their bare names; an unknown
 * one is an input error naming the flag. */
export function checkCapabilityFlag(flag: string, values: string[]): string[] {
  const known = capabilityNames();
  const issues: Issue[] = [];
  const out = values.map((v) => {
    const bare = v.toUpperCase().replace(/^CAP_/, "");
    if (!known.includes(bare)) {
      const guess = closest(bare, known);
      issues.push({
        file: flag,
        path: "",
        message: `unknown capability "${v}"`,
        hint: guess ? `did you mean "${guess}"?` : `one of ${known.join(", ")}`,
      });
    }
    return bare;
  });
  if (issues.length > 0) throw new InputError(issues);
  return out;
}

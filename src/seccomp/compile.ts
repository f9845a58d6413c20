/** Plan's seccomp section → one BPF program per architecture, through the native addon. */
import { constants } from "node:os";
import { InternalError } from "../errors.js";
import type { Plan, Reason, SyscallRule } from "../plan/types.js";
import {
  loadNative,
  type ArgCondition,
  type NativeAction,
  type NativeRule,
  type SeccompNative,
} from "./native.js";

export interface CompiledFilter {
  arch: string;
  bpf: Buffer;
  /** Allowed names that do not exist on this architecture. */
  skipped: string[];
}

/** A syscall name that exists on no architecture; carries the reasons it was asked for. */
export class UnknownSyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly reasons: Reason[],
  ) {
    super(`unknown syscall "${syscall}"`);
    this.name = "UnknownSyscallError";
  }
}

export function errnoNumber(name: string): number {
  const n = (constants.errno as Record<string, number | undefined>)[name];
  if (n === undefined) throw new InternalError(`unknown errno name ${name}`);
  return n;
}

function nativeAction(a: Plan["seccomp"]["defaultAction"]): NativeAction {
  return a.action === "errno"
    ? { action: "errno", errno: errnoNumber(a.errno ?? "EPERM") }
    : { action: a.action };
}

export function nativeRule(r: SyscallRule): NativeRule {
  const rule: NativeRule =
    r.action === "errno"
      ? { name: r.name, action: "errno", errno: errnoNumber(r.errno ?? "EPERM") }
      : { name: r.name, action: "allow" };
  if (r.args) {
    rule.args = r.args.map((a) => {
      const c: ArgCondition = { index: a.index, op: a.op, value: BigInt(a.value) };
      if (a.mask !== undefined) c.mask = BigInt(a.mask);
      return c;
    });
  }
  return rule;
}

export function compileFilters(
  seccomp: Plan["seccomp"],
  native: SeccompNative = loadNative(),
): CompiledFilter[] {
  return seccomp.architectures.map((arch) => {
    try {
      const { bpf, skipped } = native.compile({
        arch,
        defaultAction: nativeAction(seccomp.defaultAction),
        badArchAction: seccomp.badArchAction,
        rules: seccomp.syscalls.map(nativeRule),
      });
      return { arch, bpf, skipped };
    } catch (e) {
      const err = e as Error & { code?: string; syscall?: string };
      if (err.code === "ERR_UNKNOWN_SYSCALL" && err.syscall) {
        const rule = seccomp.syscalls.find((r) => r.name === err.syscall);
        throw new UnknownSyscallError(err.syscall, rule?.reasons ?? []);
      }
      throw new InternalError(`compiling the seccomp filter for ${arch}: ${err.message}`);
    }
  });
}

/** The syscalls an architecture has: numbers 0..1023 with a name, as libseccomp knows them. */
import type { SeccompNative } from "../native/seccomp.js";

export type SyscallNames = Pick<SeccompNative, "syscallName">;

export interface NumberedSyscall {
  nr: number;
  name: string;
}

export const MAX_SYSCALL_NR = 1023;

const cache = new WeakMap<SyscallNames, Map<string, NumberedSyscall[]>>();

export function archSyscalls(native: SyscallNames, arch: string): NumberedSyscall[] {
  let byArch = cache.get(native);
  if (!byArch) {
    byArch = new Map();
    cache.set(native, byArch);
  }
  let list = byArch.get(arch);
  if (!list) {
    list = [];
    for (let nr = 0; nr <= MAX_SYSCALL_NR; nr++) {
      const name = native.syscallName(arch, nr);
      if (name) list.push({ nr, name });
    }
    byArch.set(arch, list);
  }
  return list;
}

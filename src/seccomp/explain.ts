/** What a compiled filter does: its disassembly and the verdict for each syscall, read from the
 * BPF itself with the simulator. */
import { InputError } from "../errors.js";
import { syscallNameChecker } from "./names.js";
import { ARCHITECTURES } from "./arches.js";
import { decodeBpf, simulate, type SeccompAction } from "./bpf.js";
import { disassemble } from "./disasm.js";
import type { SeccompNative } from "../native/seccomp.js";

export interface SyscallVerdict {
  name: string;
  nr: number;
  /** With all arguments zero. */
  verdict: SeccompAction;
  /** Other argument values get other verdicts. */
  conditional: boolean;
}

export interface FilterExplanation {
  arch: string;
  instructions: number;
  disassembly: string[];
  verdicts: SyscallVerdict[];
  /** The verdict for a syscall made through another ABI. */
  otherArch: SeccompAction;
}

/** The architectures a filter checks for (its comparisons of seccomp_data.arch). */
export function filterArchitectures(bpf: Uint8Array): string[] {
  const prog = decodeBpf(bpf);
  const byValue = new Map(ARCHITECTURES.map((a) => [a.auditArch, a.name]));
  const found: string[] = [];
  let lastLoad = -1;
  for (const insn of prog) {
    if (insn.code === 0x20)
      lastLoad = insn.k; // ld [k]
    else if (insn.code === 0x15 && lastLoad === 4) {
      const arch = byValue.get(insn.k);
      if (arch && !found.includes(arch)) found.push(arch);
    }
  }
  return found;
}

const PROBES: bigint[][] = [
  [1n, 1n, 1n, 1n, 1n, 1n],
  [2n, 0x5412n, 3n, 0n, 0n, 0n],
  [10n, 0x541cn, 0n, 0n, 0n, 0n],
  [16n, 0n, 0n, 0n, 0n, 0n],
  [0x7e020000n, 0n, 0n, 0n, 0n, 0n],
  [0xffffffffn, 0xffffffffn, 0xffffffffn, 0xffffffffn, 0xffffffffn, 0xffffffffn],
  [(1n << 64n) - 1n, (1n << 64n) - 1n, 0n, 0n, 0n, 0n],
];

function sameAction(a: SeccompAction, b: SeccompAction): boolean {
  return a.action === b.action && a.data === b.data;
}

export function explainFilter(
  bpf: Uint8Array,
  arch: string,
  native: SeccompNative,
  names?: string[],
): FilterExplanation {
  const prog = decodeBpf(bpf);
  const verdicts: SyscallVerdict[] = [];
  const numbers: [string, number][] = [];
  if (names && names.length > 0) {
    for (const name of names) {
      const nr = native.syscallNumber(arch, name);
      if (nr < 0)
        throw new InputError([
          {
            file: "seccomp explain",
            path: "",
            message: nr === -1 ? `unknown syscall "${name}"` : `${name} does not exist on ${arch}`,
            ...(nr === -1 ? { hint: syscallNameChecker(native).hint(name) } : {}),
          },
        ]);
      numbers.push([name, nr]);
    }
  } else {
    for (let nr = 0; nr < 1024; nr++) {
      const name = native.syscallName(arch, nr);
      if (name) numbers.push([name, nr]);
    }
  }
  for (const [name, nr] of numbers) {
    const verdict = simulate(prog, { arch, nr, args: [0n, 0n, 0n, 0n, 0n, 0n] });
    const conditional = PROBES.some(
      (args) => !sameAction(simulate(prog, { arch, nr, args }), verdict),
    );
    verdicts.push({ name, nr, verdict, conditional });
  }
  const other = arch === "x86_64" ? "aarch64" : "x86_64";
  return {
    arch,
    instructions: prog.length,
    disassembly: disassemble(prog, {
      arch,
      syscallName: (nr) => native.syscallName(arch, nr) ?? undefined,
    }),
    verdicts,
    otherArch: simulate(prog, { arch: other, nr: 0 }),
  };
}

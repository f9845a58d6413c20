/** A readable listing of a seccomp BPF program, one numbered line per instruction. */
import { constants } from "node:os";
import {
  AUDIT_ARCH,
  BPF,
  decodeBpf,
  isConditionalJump,
  SECCOMP_RET,
  X32_SYSCALL_BIT,
  type BpfInsn,
} from "./bpf.js";

export interface DisasmOptions {
  /** The architecture the filter is for; x86_64 (or x32) names the x32 syscall bit. */
  arch?: string;
  /** Names a syscall number of the filter's architecture, for comparisons with nr. */
  syscallName?: (nr: number) => string | undefined;
}

const ALU_MNEMONICS: Record<number, string> = {
  [BPF.ADD]: "add",
  [BPF.SUB]: "sub",
  [BPF.MUL]: "mul",
  [BPF.DIV]: "div",
  [BPF.OR]: "or",
  [BPF.AND]: "and",
  [BPF.LSH]: "lsh",
  [BPF.RSH]: "rsh",
  [BPF.MOD]: "mod",
  [BPF.XOR]: "xor",
};
const JMP_MNEMONICS: Record<number, string> = {
  [BPF.JEQ]: "jeq",
  [BPF.JGT]: "jgt",
  [BPF.JGE]: "jge",
  [BPF.JSET]: "jset",
};
const SIZE_SUFFIX: Record<number, string> = { [BPF.W]: "", [BPF.H]: "h", [BPF.B]: "b" };

const ACTION_NAMES = new Map<number, string>(
  Object.entries(SECCOMP_RET).map(([name, value]) => [value, name.toUpperCase()]),
);
const ARCH_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(AUDIT_ARCH))
  if (!ARCH_NAMES.has(value)) ARCH_NAMES.set(value, name);
const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, n]) => [n, name]),
);

const pad4 = (n: number): string => String(n).padStart(4, "0");
const hex = (n: number): string => `0x${n.toString(16)}`;
/** Small numbers (syscalls, errnos, argument values) in decimal, large ones in hex. */
const imm = (k: number): string => `#${k < 0x1000 ? String(k) : hex(k)}`;

/** What a load of seccomp_data at this offset reads. */
function fieldName(offset: number): string {
  if (offset >= 64 || offset % 4 !== 0) return "not an aligned word of seccomp_data";
  if (offset === 0) return "nr";
  if (offset === 4) return "arch";
  const half = offset % 8 === 0 ? "low" : "high";
  if (offset < 16) return `instruction_pointer (${half})`;
  return `args[${Math.floor((offset - 16) / 8)}] (${half})`;
}

/**
 * For every instruction, the seccomp_data offset whose word A holds when it runs: a number when
 * every path there loaded A from the same offset, null when not. Jumps only go forward, so one pass
 * in order sees every path into an instruction before the instruction.
 */
function accumulatorSources(prog: readonly BpfInsn[]): (number | null)[] {
  // undefined: no path reaches the instruction (yet).
  const into: (number | null | undefined)[] = new Array<undefined>(prog.length).fill(undefined);
  const reach = (target: number, source: number | null): void => {
    if (target >= prog.length) return;
    const seen = into[target];
    into[target] = seen === undefined || seen === source ? source : null;
  };
  into[0] = null;
  return prog.map(({ code, jt, jf, k }, i) => {
    const source = into[i] ?? null;
    const cls = code & 0x07;
    if (cls === BPF.RET) return source;
    if (code === (BPF.JMP | BPF.JA)) reach(i + 1 + k, source);
    else if (cls === BPF.JMP) {
      reach(i + 1 + jt, source);
      reach(i + 1 + jf, source);
    } else if (code === (BPF.LD | BPF.W | BPF.ABS)) reach(i + 1, k);
    else if (cls === BPF.LD || cls === BPF.ALU || code === (BPF.MISC | BPF.TXA)) reach(i + 1, null);
    else reach(i + 1, source);
    return source;
  });
}

function retText(code: number, k: number): { text: string; note?: string } {
  if (code === (BPF.RET | BPF.A)) return { text: "ret a" };
  if (code === (BPF.RET | BPF.X)) return { text: "ret x" };
  const action = ACTION_NAMES.get((k & 0xffff0000) >>> 0);
  const data = k & 0xffff;
  if (action === undefined) return { text: `ret ${imm(k)}`, note: "unknown action: kill_process" };
  if (action === "ERRNO") return { text: `ret ERRNO(${data})`, note: ERRNO_NAMES.get(data) };
  return { text: data === 0 ? `ret ${action}` : `ret ${action}(${data})` };
}

function insnText(
  insn: BpfInsn,
  i: number,
  source: number | null,
  options: DisasmOptions,
): { text: string; note?: string | undefined } {
  const { code, jt, jf, k } = insn;
  const cls = code & 0x07;
  const size = SIZE_SUFFIX[code & 0x18];
  const mode = code & 0xe0;
  const op = (mnemonic: string, operand = ""): string =>
    operand ? `${mnemonic.padEnd(3)} ${operand}` : mnemonic;
  switch (cls) {
    case BPF.LD:
    case BPF.LDX: {
      const m = (cls === BPF.LD ? "ld" : "ldx") + (size ?? "?");
      if (mode === BPF.ABS)
        return { text: op(m, `[${k}]`), note: cls === BPF.LD ? fieldName(k) : undefined };
      if (mode === BPF.IMM) return { text: op(m, imm(k)) };
      if (mode === BPF.MEM) return { text: op(m, `M[${k}]`) };
      if (mode === BPF.LEN) return { text: op(m, "#len"), note: "64, sizeof(seccomp_data)" };
      if (mode === BPF.IND) return { text: op(m, `[x + ${k}]`) };
      if (mode === BPF.MSH) return { text: op(m, `4*([${k}]&0xf)`) };
      break;
    }
    case BPF.ST:
      return { text: op("st", `M[${k}]`) };
    case BPF.STX:
      return { text: op("stx", `M[${k}]`) };
    case BPF.ALU: {
      if ((code & 0xf0) === BPF.NEG) return { text: "neg" };
      const m = ALU_MNEMONICS[code & 0xf0];
      if (m) return { text: op(m, code & BPF.X ? "x" : imm(k)) };
      break;
    }
    case BPF.JMP: {
      if ((code & 0xf0) === BPF.JA) return { text: op("ja", pad4(i + 1 + k)) };
      const m = JMP_MNEMONICS[code & 0xf0];
      if (!m || !isConditionalJump(code)) break;
      const targets = `${pad4(i + 1 + jt)}, ${pad4(i + 1 + jf)}`;
      if (code & BPF.X) return { text: op(m, `x, ${targets}`) };
      return {
        text: op(m, `${imm(k)}, ${targets}`),
        note: comparisonNote(code, k, source, options),
      };
    }
    case BPF.RET:
      return retText(code, k);
    case BPF.MISC:
      if (code === (BPF.MISC | BPF.TAX)) return { text: "tax" };
      if (code === (BPF.MISC | BPF.TXA)) return { text: "txa" };
      break;
  }
  return {
    text: `.insn code ${hex(code)}, jt ${jt}, jf ${jf}, k ${hex(k)}`,
    note: "unknown opcode",
  };
}

function comparisonNote(
  code: number,
  k: number,
  source: number | null,
  options: DisasmOptions,
): string | undefined {
  if ((code & 0xf0) === BPF.JSET) return undefined;
  if (source === 4) return ARCH_NAMES.get(k);
  if (source !== 0) return undefined;
  const x86 = options.arch === undefined || options.arch === "x86_64" || options.arch === "x32";
  if (k === X32_SYSCALL_BIT && x86) return "x32 syscall bit";
  return options.syscallName?.(k);
}

/** One line per instruction, numbered, with what loads read and what comparisons compare. */
export function disassemble(
  prog: readonly BpfInsn[] | Uint8Array,
  options: DisasmOptions = {},
): string[] {
  const insns = prog instanceof Uint8Array ? decodeBpf(prog) : prog;
  const sources = accumulatorSources(insns);
  return insns.map((insn, i) => {
    const { text, note } = insnText(insn, i, sources[i] ?? null, options);
    const line = ` ${pad4(i)}: ${text}`;
    return note ? `${line.padEnd(30)} ; ${note}` : line;
  });
}

/**
 * Seccomp classic BPF: decoding, the checks the kernel makes when a filter is loaded, and a
 * simulator that answers which action a filter takes for one syscall.
 */
import { ARCHITECTURES, X32 } from "./arches.js";

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Opcode fields of classic BPF (linux/bpf_common.h, linux/filter.h). */
export const BPF = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
  W: 0x00,
  H: 0x08,
  B: 0x10,
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  LEN: 0x80,
  MSH: 0xa0,
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  K: 0x00,
  X: 0x08,
  A: 0x10,
  TAX: 0x00,
  TXA: 0x80,
} as const;

export const BPF_MAXINSNS = 4096;
export const BPF_MEMWORDS = 16;
/** sizeof(struct seccomp_data): nr, arch, instruction_pointer, args[6]. */
export const SECCOMP_DATA_SIZE = 64;
/** x32 syscalls are x86_64's AUDIT_ARCH with this bit set in the number. */
export const X32_SYSCALL_BIT = 0x40000000;

/** AUDIT_ARCH values by name: the supported architectures (arches.ts) and x32 after x86_64. */
export const AUDIT_ARCH: Record<string, number> = Object.freeze(
  Object.fromEntries(
    ARCHITECTURES.flatMap((a) =>
      a.name === "x86_64"
        ? [
            [a.name, a.auditArch],
            [X32.name, X32.auditArch],
          ]
        : [[a.name, a.auditArch]],
    ),
  ),
);

/** SECCOMP_RET_* action values (the upper 16 bits of a filter's return value). */
export const SECCOMP_RET = {
  kill_process: 0x80000000,
  kill_thread: 0x00000000,
  trap: 0x00030000,
  errno: 0x00050000,
  user_notif: 0x7fc00000,
  trace: 0x7ff00000,
  log: 0x7ffc0000,
  allow: 0x7fff0000,
} as const;

export type SeccompActionName = keyof typeof SECCOMP_RET;

export interface SeccompData {
  arch: string | number;
  /** The raw number as the filter sees it (x32: with X32_SYSCALL_BIT set). */
  nr: number;
  args?: bigint[];
  instructionPointer?: bigint;
}

export type SeccompAction = {
  action: SeccompActionName;
  /** SECCOMP_RET_DATA: the low 16 bits (for errno, the kernel caps the errno it sets at 4095). */
  data: number;
  /** The filter's return value, unsigned. */
  raw: number;
};

// The opcodes seccomp accepts, spelled out (kernel/seccomp.c: seccomp_check_filter).
const LD_W_ABS = BPF.LD | BPF.W | BPF.ABS;
const LD_W_LEN = BPF.LD | BPF.W | BPF.LEN;
const LDX_W_LEN = BPF.LDX | BPF.W | BPF.LEN;
const LD_IMM = BPF.LD | BPF.IMM;
const LDX_IMM = BPF.LDX | BPF.IMM;
const LD_MEM = BPF.LD | BPF.MEM;
const LDX_MEM = BPF.LDX | BPF.MEM;
const ST = BPF.ST;
const STX = BPF.STX;
const ALU_ADD_K = BPF.ALU | BPF.ADD | BPF.K;
const ALU_ADD_X = BPF.ALU | BPF.ADD | BPF.X;
const ALU_SUB_K = BPF.ALU | BPF.SUB | BPF.K;
const ALU_SUB_X = BPF.ALU | BPF.SUB | BPF.X;
const ALU_MUL_K = BPF.ALU | BPF.MUL | BPF.K;
const ALU_MUL_X = BPF.ALU | BPF.MUL | BPF.X;
const ALU_DIV_K = BPF.ALU | BPF.DIV | BPF.K;
const ALU_DIV_X = BPF.ALU | BPF.DIV | BPF.X;
const ALU_AND_K = BPF.ALU | BPF.AND | BPF.K;
const ALU_AND_X = BPF.ALU | BPF.AND | BPF.X;
const ALU_OR_K = BPF.ALU | BPF.OR | BPF.K;
const ALU_OR_X = BPF.ALU | BPF.OR | BPF.X;
const ALU_XOR_K = BPF.ALU | BPF.XOR | BPF.K;
const ALU_XOR_X = BPF.ALU | BPF.XOR | BPF.X;
const ALU_LSH_K = BPF.ALU | BPF.LSH | BPF.K;
const ALU_LSH_X = BPF.ALU | BPF.LSH | BPF.X;
const ALU_RSH_K = BPF.ALU | BPF.RSH | BPF.K;
const ALU_RSH_X = BPF.ALU | BPF.RSH | BPF.X;
const ALU_NEG = BPF.ALU | BPF.NEG;
const JMP_JA = BPF.JMP | BPF.JA;
const JMP_JEQ_K = BPF.JMP | BPF.JEQ | BPF.K;
const JMP_JEQ_X = BPF.JMP | BPF.JEQ | BPF.X;
const JMP_JGT_K = BPF.JMP | BPF.JGT | BPF.K;
const JMP_JGT_X = BPF.JMP | BPF.JGT | BPF.X;
const JMP_JGE_K = BPF.JMP | BPF.JGE | BPF.K;
const JMP_JGE_X = BPF.JMP | BPF.JGE | BPF.X;
const JMP_JSET_K = BPF.JMP | BPF.JSET | BPF.K;
const JMP_JSET_X = BPF.JMP | BPF.JSET | BPF.X;
const RET_K = BPF.RET | BPF.K;
const RET_A = BPF.RET | BPF.A;
const MISC_TAX = BPF.MISC | BPF.TAX;
const MISC_TXA = BPF.MISC | BPF.TXA;

const CONDITIONAL_JUMPS: ReadonlySet<number> = new Set([
  JMP_JEQ_K,
  JMP_JEQ_X,
  JMP_JGT_K,
  JMP_JGT_X,
  JMP_JGE_K,
  JMP_JGE_X,
  JMP_JSET_K,
  JMP_JSET_X,
]);

const SECCOMP_OPCODES: ReadonlySet<number> = new Set([
  ...CONDITIONAL_JUMPS,
  JMP_JA,
  LD_W_ABS,
  LD_W_LEN,
  LDX_W_LEN,
  LD_IMM,
  LDX_IMM,
  LD_MEM,
  LDX_MEM,
  ST,
  STX,
  ALU_ADD_K,
  ALU_ADD_X,
  ALU_SUB_K,
  ALU_SUB_X,
  ALU_MUL_K,
  ALU_MUL_X,
  ALU_DIV_K,
  ALU_DIV_X,
  ALU_AND_K,
  ALU_AND_X,
  ALU_OR_K,
  ALU_OR_X,
  ALU_XOR_K,
  ALU_XOR_X,
  ALU_LSH_K,
  ALU_LSH_X,
  ALU_RSH_K,
  ALU_RSH_X,
  ALU_NEG,
  RET_K,
  RET_A,
  MISC_TAX,
  MISC_TXA,
]);

export function isConditionalJump(code: number): boolean {
  return CONDITIONAL_JUMPS.has(code);
}

/** struct sock_filter[] (u16 code, u8 jt, u8 jf, u32 k; little-endian) → instructions. */
export function decodeBpf(buf: Uint8Array): BpfInsn[] {
  if (buf.length === 0) throw new Error("a BPF program has at least 1 instruction; got 0 bytes");
  if (buf.length % 8 !== 0)
    throw new Error(
      `a BPF program is a whole number of 8-byte instructions; got ${buf.length} bytes`,
    );
  if (buf.length / 8 > BPF_MAXINSNS)
    throw new Error(
      `a BPF program has at most ${BPF_MAXINSNS} instructions; got ${buf.length / 8}`,
    );
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: BpfInsn[] = [];
  for (let o = 0; o < buf.length; o += 8)
    out.push({
      code: view.getUint16(o, true),
      jt: view.getUint8(o + 2),
      jf: view.getUint8(o + 3),
      k: view.getUint32(o + 4, true),
    });
  return out;
}

export function encodeBpf(prog: readonly BpfInsn[]): Uint8Array {
  const buf = new Uint8Array(prog.length * 8);
  const view = new DataView(buf.buffer);
  prog.forEach((insn, i) => {
    const problem = fieldProblem(insn);
    if (problem) throw new Error(`BPF instruction ${i}: ${problem}`);
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k, true);
  });
  return buf;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

function fieldProblem({ code, jt, jf, k }: BpfInsn): string | undefined {
  if (!isUint(code, 0xffff)) return `code ${code} is not a 16-bit unsigned integer`;
  if (!isUint(jt, 0xff)) return `jt ${jt} is not an 8-bit unsigned integer`;
  if (!isUint(jf, 0xff)) return `jf ${jf} is not an 8-bit unsigned integer`;
  if (!isUint(k, 0xffffffff)) return `k ${k} is not a 32-bit unsigned integer`;
  return undefined;
}

const CLASS_NAMES = ["LD", "LDX", "ST", "STX", "ALU", "JMP", "RET", "MISC"];
const LD_SIZES: Record<number, string> = { 0x00: "W", 0x08: "H", 0x10: "B", 0x18: "DW" };
const LD_MODES: Record<number, string> = {
  0x00: "IMM",
  0x20: "ABS",
  0x40: "IND",
  0x60: "MEM",
  0x80: "LEN",
  0xa0: "MSH",
};
const ALU_OPS: Record<number, string> = {
  0x00: "ADD",
  0x10: "SUB",
  0x20: "MUL",
  0x30: "DIV",
  0x40: "OR",
  0x50: "AND",
  0x60: "LSH",
  0x70: "RSH",
  0x80: "NEG",
  0x90: "MOD",
  0xa0: "XOR",
};
const JMP_OPS: Record<number, string> = {
  0x00: "JA",
  0x10: "JEQ",
  0x20: "JGT",
  0x30: "JGE",
  0x40: "JSET",
};

/** BPF_ALU|BPF_MOD|BPF_K and the like, for messages about opcodes. */
export function opcodeName(code: number): string {
  const cls = code & 0x07;
  const field = (table: Record<number, string>, bits: number): string =>
    `BPF_${table[bits] ?? hex(bits)}`;
  const parts = [`BPF_${CLASS_NAMES[cls] ?? ""}`];
  if (cls === BPF.LD || cls === BPF.LDX)
    parts.push(field(LD_SIZES, code & 0x18), field(LD_MODES, code & 0xe0));
  else if (cls === BPF.ALU || cls === BPF.JMP)
    parts.push(
      field(cls === BPF.ALU ? ALU_OPS : JMP_OPS, code & 0xf0),
      field({ 0x00: "K", 0x08: "X" }, code & 0x08),
    );
  else if (cls === BPF.RET) parts.push(field({ 0x00: "K", 0x08: "X", 0x10: "A" }, code & 0x18));
  else if (cls === BPF.MISC) parts.push(field({ 0x00: "TAX", 0x80: "TXA" }, code & 0xf8));
  return parts.join("|");
}

function insnProblem(insn: BpfInsn, i: number, n: number): string | undefined {
  const fields = fieldProblem(insn);
  if (fields) return fields;
  const { code, jt, jf, k } = insn;
  if (!SECCOMP_OPCODES.has(code))
    return `opcode ${hex(code)} (${opcodeName(code)}) is not allowed in a seccomp filter`;
  switch (code) {
    case LD_W_ABS:
      if (k >= SECCOMP_DATA_SIZE || k % 4 !== 0)
        return `load of offset ${k}: seccomp_data is read in aligned 32-bit words below offset ${SECCOMP_DATA_SIZE}`;
      return undefined;
    case ALU_DIV_K:
      return k === 0 ? "division by the constant 0" : undefined;
    case ALU_LSH_K:
    case ALU_RSH_K:
      return k >= 32 ? `shift by ${k} (at most 31)` : undefined;
    case LD_MEM:
    case LDX_MEM:
    case ST:
    case STX:
      return k >= BPF_MEMWORDS
        ? `scratch memory M[${k}] does not exist (M[0] to M[${BPF_MEMWORDS - 1}])`
        : undefined;
    case JMP_JA:
      return k >= n - i - 1 ? `ja +${k} jumps past the last instruction (${n - 1})` : undefined;
    default:
      if (CONDITIONAL_JUMPS.has(code) && (i + 1 + jt >= n || i + 1 + jf >= n))
        return `jump to ${i + 1 + Math.max(jt, jf)} is past the last instruction (${n - 1})`;
      return undefined;
  }
}

/**
 * The kernel's verdict on a filter at load time (bpf_check_classic, seccomp_check_filter): an
 * Error naming the first offending instruction, as the kernel would refuse it with EINVAL.
 */
export function checkBpf(prog: readonly BpfInsn[]): void {
  const n = prog.length;
  if (n === 0 || n > BPF_MAXINSNS)
    throw new Error(`a BPF program has 1 to ${BPF_MAXINSNS} instructions; got ${n}`);
  prog.forEach((insn, i) => {
    const problem = insnProblem(insn, i, n);
    if (problem) throw new Error(`BPF instruction ${i}: ${problem}`);
  });
  const last = prog[n - 1]?.code;
  if (last !== RET_K && last !== RET_A)
    throw new Error(
      `BPF instruction ${n - 1}: the last instruction must be a ret, or execution can fall off the end`,
    );
  checkScratchMemory(prog);
}

/**
 * Every read of M[k] must follow a write of M[k] on all paths to it. Jumps only go forward, so
 * one pass suffices: each instruction's set of written words is the intersection over the paths
 * into it. Like the kernel, the straight-line set is carried past a ret (stricter, never laxer).
 */
function checkScratchMemory(prog: readonly BpfInsn[]): void {
  const ALL = (1 << BPF_MEMWORDS) - 1;
  const fromJumps = new Uint16Array(prog.length).fill(ALL);
  let written = 0;
  prog.forEach(({ code, jt, jf, k }, i) => {
    written &= fromJumps[i] ?? ALL;
    if (code === ST || code === STX) written |= 1 << k;
    else if ((code === LD_MEM || code === LDX_MEM) && (written & (1 << k)) === 0)
      throw new Error(`BPF instruction ${i}: reads M[${k}] before it is written on every path`);
    else if (code === JMP_JA) {
      fromJumps[i + 1 + k] = (fromJumps[i + 1 + k] ?? ALL) & written;
      written = ALL;
    } else if (CONDITIONAL_JUMPS.has(code)) {
      fromJumps[i + 1 + jt] = (fromJumps[i + 1 + jt] ?? ALL) & written;
      fromJumps[i + 1 + jf] = (fromJumps[i + 1 + jf] ?? ALL) & written;
      written = ALL;
    }
  });
}

export function archValue(arch: string | number): number {
  if (typeof arch === "number") {
    if (!isUint(arch, 0xffffffff)) throw new Error(`arch ${arch} is not a 32-bit AUDIT_ARCH value`);
    return arch;
  }
  const v = AUDIT_ARCH[arch];
  if (v === undefined)
    throw new Error(
      `unknown architecture "${arch}" (known: ${Object.keys(AUDIT_ARCH).join(", ")})`,
    );
  return v;
}

/** A filter's 32-bit return value → the action the kernel takes. */
export function seccompAction(raw: number): SeccompAction {
  const data = raw & 0xffff;
  return { action: actionName((raw & 0xffff0000) >>> 0), data, raw: raw >>> 0 };
}

function actionName(full: number): SeccompActionName {
  switch (full) {
    case SECCOMP_RET.kill_thread:
      return "kill_thread";
    case SECCOMP_RET.trap:
      return "trap";
    case SECCOMP_RET.errno:
      return "errno";
    case SECCOMP_RET.user_notif:
      return "user_notif";
    case SECCOMP_RET.trace:
      return "trace";
    case SECCOMP_RET.log:
      return "log";
    case SECCOMP_RET.allow:
      return "allow";
    default:
      // SECCOMP_RET_KILL_PROCESS, and any action the kernel does not know: it kills the process.
      return "kill_process";
  }
}

// A program, checked once and flattened to (code, jt, jf, k) words, remembered per object. The
// copy of its contents detects a program changed in place since.
interface Loaded {
  words: Uint32Array;
  bytes: Uint8Array | undefined;
}
const loaded = new WeakMap<object, Loaded>();

function unchanged(prog: readonly BpfInsn[] | Uint8Array, seen: Loaded): boolean {
  if (prog instanceof Uint8Array) {
    const bytes = seen.bytes;
    if (bytes?.length !== prog.length) return false;
    // Compared natively: an audit simulates every syscall number against one program.
    return Buffer.from(prog.buffer, prog.byteOffset, prog.byteLength).equals(bytes);
  }
  const w = seen.words;
  if (w.length !== prog.length * 4) return false;
  for (let i = 0; i < prog.length; i++) {
    const insn = prog[i];
    if (
      insn === undefined ||
      insn.code !== w[i * 4] ||
      insn.jt !== w[i * 4 + 1] ||
      insn.jf !== w[i * 4 + 2] ||
      insn.k !== w[i * 4 + 3]
    )
      return false;
  }
  return true;
}

function load(prog: readonly BpfInsn[] | Uint8Array): Uint32Array {
  const seen = loaded.get(prog);
  if (seen && unchanged(prog, seen)) return seen.words;
  const insns = prog instanceof Uint8Array ? decodeBpf(prog) : prog;
  checkBpf(insns);
  const words = new Uint32Array(insns.length * 4);
  insns.forEach(({ code, jt, jf, k }, i) => {
    words.set([code, jt, jf, k], i * 4);
  });
  loaded.set(prog, { words, bytes: prog instanceof Uint8Array ? prog.slice() : undefined });
  return words;
}

const U64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

/** Stores a 64-bit value (negative ones as the kernel sees them, two's complement) as 2 words. */
function put64(words: Uint32Array, at: number, value: bigint, what: string): void {
  if (typeof value !== "bigint" || value < U64_MIN || value > U64_MAX)
    throw new Error(`${what} must be a BigInt that fits in 64 bits; got ${String(value)}`);
  const v = BigInt.asUintN(64, value);
  words[at] = Number(v & 0xffffffffn);
  words[at + 1] = Number(v >> 32n);
}

// struct seccomp_data as 16 little-endian 32-bit words, and the scratch memory M[]: reused by
// every simulate() call (it runs to completion, so nothing else can see them meanwhile).
const seccompWords = new Uint32Array(SECCOMP_DATA_SIZE / 4);
const scratch = new Uint32Array(BPF_MEMWORDS);

function fillSeccompData(data: SeccompData): void {
  const { nr, args, instructionPointer } = data;
  if (!Number.isInteger(nr) || nr < -(2 ** 31) || nr > 0xffffffff)
    throw new Error(`nr ${nr} is not a 32-bit syscall number`);
  seccompWords.fill(0);
  seccompWords[0] = nr >>> 0;
  seccompWords[1] = archValue(data.arch);
  if (instructionPointer !== undefined)
    put64(seccompWords, 2, instructionPointer, "instructionPointer");
  if (args) {
    if (args.length > 6) throw new Error(`a syscall has at most 6 arguments; got ${args.length}`);
    args.forEach((a, i) => {
      put64(seccompWords, 4 + 2 * i, a, `args[${i}]`);
    });
  }
}

/**
 * Runs a seccomp filter for one syscall as the kernel does and returns its action. The program is
 * checked as the kernel checks it when loading (an Error names the offending instruction).
 * Division by a zero X ends the program with return value 0, as the kernel's classic BPF does
 * (bpf_convert_filter emits "if X == 0: return 0"): that is SECCOMP_RET_KILL_THREAD. Shifts by X
 * use X's low 5 bits, as the kernel's 32-bit eBPF shifts do. For errno, `data` is the low 16
 * bits as returned; the kernel caps the errno it sets at 4095.
 */
export function simulate(prog: readonly BpfInsn[] | Uint8Array, data: SeccompData): SeccompAction {
  return seccompAction(run(load(prog), data));
}

/** simulate() for one program and many inputs: `prog` is checked and flattened once, now, and
 * the function returned runs that copy (a later change to `prog` does not reach it). */
export function simulator(
  prog: readonly BpfInsn[] | Uint8Array,
): (data: SeccompData) => SeccompAction {
  const words = load(prog);
  return (data) => seccompAction(run(words, data));
}

function run(w: Uint32Array, data: SeccompData): number {
  fillSeccompData(data);
  scratch.fill(0);
  let a = 0;
  let x = 0;
  let pc = 0;
  for (;;) {
    const o = pc * 4;
    const code = w[o] ?? RET_K;
    const k = w[o + 3] ?? 0;
    pc++;
    switch (code) {
      case LD_W_ABS:
        a = seccompWords[k >>> 2] ?? 0;
        break;
      case LD_W_LEN:
        a = SECCOMP_DATA_SIZE;
        break;
      case LDX_W_LEN:
        x = SECCOMP_DATA_SIZE;
        break;
      case LD_IMM:
        a = k;
        break;
      case LDX_IMM:
        x = k;
        break;
      case LD_MEM:
        a = scratch[k] ?? 0;
        break;
      case LDX_MEM:
        x = scratch[k] ?? 0;
        break;
      case ST:
        scratch[k] = a;
        break;
      case STX:
        scratch[k] = x;
        break;
      case ALU_ADD_K:
        a = (a + k) >>> 0;
        break;
      case ALU_ADD_X:
        a = (a + x) >>> 0;
        break;
      case ALU_SUB_K:
        a = (a - k) >>> 0;
        break;
      case ALU_SUB_X:
        a = (a - x) >>> 0;
        break;
      case ALU_MUL_K:
        a = Math.imul(a, k) >>> 0;
        break;
      case ALU_MUL_X:
        a = Math.imul(a, x) >>> 0;
        break;
      case ALU_DIV_K:
        a = Math.floor(a / k);
        break;
      case ALU_DIV_X:
        if (x === 0) return 0;
        a = Math.floor(a / x);
        break;
      case ALU_AND_K:
        a = (a & k) >>> 0;
        break;
      case ALU_AND_X:
        a = (a & x) >>> 0;
        break;
      case ALU_OR_K:
        a = (a | k) >>> 0;
        break;
      case ALU_OR_X:
        a = (a | x) >>> 0;
        break;
      case ALU_XOR_K:
        a = (a ^ k) >>> 0;
        break;
      case ALU_XOR_X:
        a = (a ^ x) >>> 0;
        break;
      // JavaScript's shifts, like the kernel's, use the low 5 bits of the count.
      case ALU_LSH_K:
        a = (a << k) >>> 0;
        break;
      case ALU_LSH_X:
        a = (a << x) >>> 0;
        break;
      case ALU_RSH_K:
        a = a >>> k;
        break;
      case ALU_RSH_X:
        a = a >>> x;
        break;
      case ALU_NEG:
        a = -a >>> 0;
        break;
      case MISC_TAX:
        x = a;
        break;
      case MISC_TXA:
        a = x;
        break;
      case JMP_JA:
        pc += k;
        break;
      case JMP_JEQ_K:
        pc += a === k ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JEQ_X:
        pc += a === x ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JGT_K:
        pc += a > k ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JGT_X:
        pc += a > x ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JGE_K:
        pc += a >= k ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JGE_X:
        pc += a >= x ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JSET_K:
        pc += (a & k) !== 0 ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case JMP_JSET_X:
        pc += (a & x) !== 0 ? (w[o + 1] ?? 0) : (w[o + 2] ?? 0);
        break;
      case RET_K:
        return k;
      case RET_A:
        return a;
      default:
        // load() checked every opcode; reaching this is a bug here.
        throw new Error(`BPF instruction ${pc - 1}: opcode ${hex(code)} has no implementation`);
    }
  }
}

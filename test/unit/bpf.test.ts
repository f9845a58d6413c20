import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AUDIT_ARCH,
  BPF,
  checkBpf,
  decodeBpf,
  encodeBpf,
  simulate,
  simulator,
  X32_SYSCALL_BIT,
  type BpfInsn,
  type SeccompAction,
} from "../../src/seccomp/bpf.js";
import { disassemble } from "../../src/seccomp/disasm.js";
import { loadNative, type ArgCondition, type NativeRule } from "../../src/native/seccomp.js";
import { root, tempDir } from "../helpers.js";

// A small assembler.
const { LD, LDX, ST, STX, ALU, JMP, RET, MISC, W, ABS, IMM, MEM, LEN, K, X, A } = BPF;
const insn = (code: number, k = 0, jt = 0, jf = 0): BpfInsn => ({ code, jt, jf, k });
const ld = (offset: number): BpfInsn => insn(LD | W | ABS, offset);
const ldImm = (k: number): BpfInsn => insn(LD | IMM, k);
const ldxImm = (k: number): BpfInsn => insn(LDX | IMM, k);
const alu = (op: number, k: number): BpfInsn => insn(ALU | op | K, k);
const aluX = (op: number): BpfInsn => insn(ALU | op | X);
const jmp = (op: number, k: number, jt: number, jf: number): BpfInsn =>
  insn(JMP | op | K, k, jt, jf);
const jmpX = (op: number, jt: number, jf: number): BpfInsn => insn(JMP | op | X, 0, jt, jf);
const ret = (k: number): BpfInsn => insn(RET | K, k);
const retA = insn(RET | A);
const tax = insn(MISC | BPF.TAX);
const txa = insn(MISC | BPF.TXA);
const st = (k: number): BpfInsn => insn(ST, k);
const stx = (k: number): BpfInsn => insn(STX, k);
const ldMem = (k: number): BpfInsn => insn(LD | MEM, k);
const ldxMem = (k: number): BpfInsn => insn(LDX | MEM, k);
const ALLOW = 0x7fff0000;
const ERRNO = 0x00050000;
const errno = (n: number): number => ERRNO | n;

const x86_64 = { arch: "x86_64" } as const;
/** The value of A a program returns, as the raw 32-bit result. */
const result = (prog: BpfInsn[], data: Parameters<typeof simulate>[1] = { ...x86_64, nr: 0 }) =>
  simulate(prog, data).raw;

describe("decoding", () => {
  test("struct sock_filter: u16 code, u8 jt, u8 jf, u32 k, little-endian", () => {
    const bytes = Uint8Array.from([0x15, 0x00, 0x02, 0x07, 0x3e, 0x00, 0x00, 0xc0]);
    assert.deepEqual(decodeBpf(bytes), [{ code: 0x15, jt: 2, jf: 7, k: 0xc000003e }]);
    const prog = [ld(4), jmp(BPF.JEQ, 0xc000003e, 0, 1), ret(ALLOW), ret(0x80000000)];
    assert.deepEqual(decodeBpf(encodeBpf(prog)), prog);
    // A view into a larger buffer decodes from its own offset.
    const big = new Uint8Array(24);
    big.set(encodeBpf([ret(ALLOW)]), 8);
    assert.deepEqual(decodeBpf(big.subarray(8, 16)), [ret(ALLOW)]);
  });

  test("lengths that are not whole programs are refused", () => {
    assert.throws(() => decodeBpf(new Uint8Array(0)), /got 0 bytes/);
    assert.throws(() => decodeBpf(new Uint8Array(12)), /8-byte instructions; got 12 bytes/);
    assert.throws(() => decodeBpf(new Uint8Array(4097 * 8)), /at most 4096 instructions; got 4097/);
    assert.equal(decodeBpf(new Uint8Array(4096 * 8)).length, 4096);
  });
});

describe("simulation of hand-assembled programs", () => {
  test("return values map to actions by their upper 16 bits; unknown ones kill the process", () => {
    const cases: [number, SeccompAction["action"], number][] = [
      [0x80000000, "kill_process", 0],
      [0x00000000, "kill_thread", 0],
      [0x00030007, "trap", 7],
      [0x00050026, "errno", 38],
      [0x0005ffff, "errno", 0xffff],
      [0x7fc00000, "user_notif", 0],
      [0x7ff00005, "trace", 5],
      [0x7ffc0000, "log", 0],
      [0x7fff0000, "allow", 0],
      [0x7fff1234, "allow", 0x1234],
      [0x00040001, "kill_process", 1],
      [0x7ffe0000, "kill_process", 0],
      [0xffff0000, "kill_process", 0],
      [0x80050000, "kill_process", 0],
    ];
    for (const [raw, action, data] of cases)
      assert.deepEqual(
        simulate([ret(raw)], { ...x86_64, nr: 0 }),
        { action, data, raw },
        `ret ${raw}`,
      );
  });

  test("loads read struct seccomp_data: nr, arch, instruction pointer, args low and high", () => {
    const data = {
      arch: "aarch64",
      nr: 172,
      instructionPointer: 0x0000_7fff_1234_5678n,
      args: [0x1_0000_0002n, -1n, 0n, 0xdead_beef_0000_0000n, 5n, 0xffff_ffffn],
    };
    const at = (offset: number): number => result([ld(offset), retA], data);
    assert.equal(at(0), 172);
    assert.equal(at(4), 0xc00000b7);
    assert.equal(at(8), 0x12345678);
    assert.equal(at(12), 0x7fff);
    assert.equal(at(16), 2);
    assert.equal(at(20), 1);
    assert.equal(at(24), 0xffffffff, "-1 is all ones");
    assert.equal(at(28), 0xffffffff);
    assert.equal(at(40), 0);
    assert.equal(at(44), 0xdeadbeef);
    assert.equal(at(48), 5);
    assert.equal(at(56), 0xffffffff);
    assert.equal(at(60), 0);
    // Missing arguments and instruction pointer read as 0; a negative nr as the kernel's int.
    assert.equal(result([ld(52), retA], { arch: "x86", nr: -1 }), 0);
    assert.equal(result([ld(0), retA], { arch: "x86", nr: -1 }), 0xffffffff);
    assert.equal(result([ld(4), retA], { arch: "x32", nr: 0 }), AUDIT_ARCH.x86_64);
    assert.equal(result([ld(4), retA], { arch: 0x12345678, nr: 0 }), 0x12345678);
    // len is sizeof(struct seccomp_data); immediates load as they are.
    assert.equal(result([insn(LD | W | LEN), retA]), 64);
    assert.equal(result([insn(LDX | W | LEN), txa, retA]), 64);
    assert.equal(result([ldImm(0xfedcba98), retA]), 0xfedcba98);
    assert.equal(result([ldxImm(0x89abcdef), txa, retA]), 0x89abcdef);
  });

  test("seccomp data that the kernel could not hold is refused", () => {
    const prog = [ret(ALLOW)];
    assert.throws(() => simulate(prog, { arch: "sparc", nr: 0 }), /unknown architecture "sparc"/);
    assert.throws(() => simulate(prog, { arch: "x86", nr: 2 ** 32 }), /nr 4294967296/);
    assert.throws(() => simulate(prog, { arch: "x86", nr: 0, args: [2n ** 64n] }), /args\[0\]/);
    assert.throws(
      () => simulate(prog, { arch: "x86", nr: 0, args: [0n, 0n, 0n, 0n, 0n, 0n, 0n] }),
      /at most 6 arguments/,
    );
  });

  test("ALU operations are 32-bit unsigned, with K and with X", () => {
    const cases: [string, number, number, number, number][] = [
      ["add", BPF.ADD, 0xffffffff, 2, 1],
      ["add", BPF.ADD, 0x7fffffff, 1, 0x80000000],
      ["sub", BPF.SUB, 1, 2, 0xffffffff],
      ["mul", BPF.MUL, 0x10000, 0x10000, 0],
      ["mul", BPF.MUL, 0xffffffff, 0xffffffff, 1],
      ["mul", BPF.MUL, 0x12345678, 0x9abcdef, 0xe242d208],
      ["div", BPF.DIV, 0xffffffff, 1, 0xffffffff],
      ["div", BPF.DIV, 0xffffffff, 0x10, 0x0fffffff],
      ["div", BPF.DIV, 7, 2, 3],
      ["and", BPF.AND, 0xf0f0f0f0, 0xff00ff00, 0xf000f000],
      ["or", BPF.OR, 0x80000000, 1, 0x80000001],
      ["xor", BPF.XOR, 0xffffffff, 1, 0xfffffffe],
      ["lsh", BPF.LSH, 3, 31, 0x80000000],
      ["lsh", BPF.LSH, 0xffffffff, 4, 0xfffffff0],
      ["rsh", BPF.RSH, 0x80000000, 31, 1],
      ["rsh", BPF.RSH, 0xffffffff, 0, 0xffffffff],
    ];
    for (const [name, op, a, b, want] of cases) {
      assert.equal(result([ldImm(a), alu(op, b), retA]), want, `${a} ${name} #${b}`);
      assert.equal(result([ldImm(a), ldxImm(b), aluX(op), retA]), want, `${a} ${name} x=${b}`);
    }
    assert.equal(result([ldImm(1), insn(ALU | BPF.NEG), retA]), 0xffffffff);
    assert.equal(result([ldImm(0), insn(ALU | BPF.NEG), retA]), 0);
    assert.equal(result([ldImm(0x80000000), insn(ALU | BPF.NEG), retA]), 0x80000000);
  });

  test("shifts by X use its low 5 bits; division by a zero X returns 0 (kill_thread)", () => {
    assert.equal(result([ldImm(1), ldxImm(36), aluX(BPF.LSH), retA]), 16);
    assert.equal(result([ldImm(0x100), ldxImm(35), aluX(BPF.RSH), retA]), 0x20);
    const div0 = [ldImm(errno(1)), ldxImm(0), aluX(BPF.DIV), alu(BPF.OR, ALLOW), retA];
    assert.deepEqual(simulate(div0, { ...x86_64, nr: 0 }), {
      action: "kill_thread",
      data: 0,
      raw: 0,
    });
  });

  test("jumps: ja, and jeq/jgt/jge/jset with K and with X, comparing unsigned", () => {
    assert.equal(result([insn(JMP | BPF.JA, 1), ret(1), ret(2)]), 2);
    assert.equal(result([insn(JMP | BPF.JA, 0), ret(1), ret(2)]), 1);
    const cases: [string, number, number, number, boolean][] = [
      ["jeq", BPF.JEQ, 5, 5, true],
      ["jeq", BPF.JEQ, 5, 6, false],
      ["jgt", BPF.JGT, 6, 5, true],
      ["jgt", BPF.JGT, 5, 5, false],
      ["jgt", BPF.JGT, 0x80000000, 1, true],
      ["jgt", BPF.JGT, 1, 0xffffffff, false],
      ["jge", BPF.JGE, 5, 5, true],
      ["jge", BPF.JGE, 4, 5, false],
      ["jge", BPF.JGE, 0xffffffff, 0x80000000, true],
      ["jset", BPF.JSET, 0x80000001, 0x80000000, true],
      ["jset", BPF.JSET, 0x7fffffff, 0x80000000, false],
    ];
    for (const [name, op, a, b, taken] of cases) {
      const want = taken ? 1 : 2;
      // jt 1 skips to "ret 1"; jf 2 to "ret 2".
      assert.equal(
        result([ldImm(a), jmp(op, b, 1, 2), ret(99), ret(1), ret(2)]),
        want,
        `${name} ${a}, #${b}`,
      );
      assert.equal(
        result([ldImm(a), ldxImm(b), jmpX(op, 1, 2), ret(99), ret(1), ret(2)]),
        want,
        `${name} ${a}, x=${b}`,
      );
    }
  });

  test("scratch memory, tax/txa and ret a", () => {
    const prog = [
      ld(16), // A = args[0]
      st(3),
      ldImm(7),
      tax,
      stx(15),
      ldxMem(3),
      ldMem(15),
      aluX(BPF.MUL), // A = 7 * args[0]
      st(3),
      ldImm(0),
      ldMem(3),
      alu(BPF.OR, ERRNO),
      retA,
    ];
    assert.deepEqual(simulate(prog, { ...x86_64, nr: 0, args: [6n] }), {
      action: "errno",
      data: 42,
      raw: errno(42),
    });
    // M[] does not carry over from one run to the next.
    assert.equal(result([st(0), ldMem(0), retA]), 0);
  });

  test("a program changed in place after a run is checked and run anew", () => {
    const prog = [ret(ALLOW)];
    assert.equal(simulate(prog, { ...x86_64, nr: 0 }).action, "allow");
    prog[0] = ret(errno(1));
    assert.equal(simulate(prog, { ...x86_64, nr: 0 }).action, "errno");
    const bytes = encodeBpf([ret(ALLOW)]);
    assert.equal(simulate(bytes, { ...x86_64, nr: 0 }).action, "allow");
    bytes[6] = 0x05; // k = 0x7ff50000: not an action
    assert.equal(simulate(bytes, { ...x86_64, nr: 0 }).action, "kill_process");
  });

  test("a simulator runs the program as it was when made, for every input", () => {
    const prog = encodeBpf([ld(0), jmp(BPF.JEQ, 7, 0, 1), ret(errno(1)), ret(ALLOW)]);
    const run = simulator(prog);
    for (const nr of [0, 7, 8])
      assert.deepEqual(run({ ...x86_64, nr }), simulate(prog, { ...x86_64, nr }), `nr ${nr}`);
    prog[30] = 0x00; // the last ret: k = 0x7fff0000 becomes 0x7f000000, not an action
    assert.equal(run({ ...x86_64, nr: 0 }).action, "allow");
    assert.equal(simulate(prog, { ...x86_64, nr: 0 }).action, "kill_process");
    assert.throws(() => simulator([insn(JMP | BPF.JA, 5)]), /BPF|program|jump/i);
  });

  test("programs the kernel refuses are refused, naming the instruction", () => {
    const jeq = (jt: number, jf: number): BpfInsn => jmp(BPF.JEQ, 0, jt, jf);
    const cases: [string, BpfInsn[], RegExp][] = [
      ["unknown opcode", [ld(0), insn(0xff), ret(0)], /^Error: BPF instruction 1: opcode 0xff/],
      [
        "mod (not in seccomp)",
        [ldImm(5), alu(BPF.MOD, 2), retA],
        /^Error: BPF instruction 1: .*BPF_MOD/,
      ],
      ["ld half word", [insn(LD | BPF.H | ABS, 0), retA], /^Error: BPF instruction 0: .*BPF_H/],
      ["ld indirect", [insn(LD | W | BPF.IND, 0), retA], /^Error: BPF instruction 0: .*BPF_IND/],
      ["ret x", [insn(RET | X)], /^Error: BPF instruction 0: .*BPF_RET\|BPF_X/],
      ["neg with x", [insn(ALU | BPF.NEG | X), retA], /^Error: BPF instruction 0: /],
      ["unaligned load", [ld(0), ld(6), retA], /^Error: BPF instruction 1: load of offset 6/],
      ["load past seccomp_data", [ld(64), retA], /^Error: BPF instruction 0: load of offset 64/],
      [
        "jt out of range",
        [ld(0), jeq(2, 0), ret(0), ret(0)],
        /^Error: BPF instruction 1: jump to 4/,
      ],
      ["jf out of range", [ld(0), jeq(0, 9), ret(0)], /^Error: BPF instruction 1: jump to 11/],
      ["ja out of range", [insn(JMP | BPF.JA, 1), ret(0)], /^Error: BPF instruction 0: ja \+1/],
      [
        "falls off the end",
        [ld(0), jeq(0, 1), ret(0), ldImm(0)],
        /^Error: BPF instruction 3: .*ret/,
      ],
      ["M[] never written", [ldMem(2), retA], /^Error: BPF instruction 0: reads M\[2\] before/],
      [
        "M[] written on one path only",
        [ld(0), jeq(0, 1), st(1), ldxMem(1), retA],
        /^Error: BPF instruction 3: reads M\[1\]/,
      ],
      [
        "M[] written after the read",
        [ldImm(0), ldMem(4), st(4), retA],
        /^Error: BPF instruction 1: /,
      ],
      ["M[16]", [st(16), retA], /^Error: BPF instruction 0: scratch memory M\[16\]/],
      [
        "division by #0",
        [alu(BPF.DIV, 0), retA],
        /^Error: BPF instruction 0: division by the constant 0/,
      ],
      ["shift by #32", [alu(BPF.RSH, 32), retA], /^Error: BPF instruction 0: shift by 32/],
      ["k out of range", [insn(RET | K, -1)], /^Error: BPF instruction 0: k -1/],
      [
        "jt out of u8",
        [ld(0), insn(JMP | BPF.JEQ, 0, 256, 0), retA],
        /^Error: BPF instruction 1: jt 256/,
      ],
      ["empty", [], /1 to 4096 instructions; got 0/],
      ["too long", new Array<BpfInsn>(4097).fill(ret(0)), /got 4097/],
    ];
    for (const [name, prog, message] of cases) {
      assert.throws(
        () => {
          checkBpf(prog);
        },
        message,
        name,
      );
      assert.throws(() => simulate(prog, { ...x86_64, nr: 0 }), message, name);
    }
    // Written on both paths, or before the branch: fine.
    checkBpf([ld(0), jeq(0, 2), st(1), insn(JMP | BPF.JA, 1), stx(1), ldMem(1), retA]);
    checkBpf([st(1), ld(0), jeq(0, 1), ret(0), ldMem(1), retA]);
  });
});

// --- Filters compiled by libseccomp through the native addon --------------------------------

const native = loadNative({ optional: true });
const nativeMissing = native ? false : "the native addon is not built (npm run build)";
/* Filters for another architecture than the host's are checked too: libseccomp takes rules in
 * the host's numbering and translates them (a bug once had the addon pass the target's own
 * numbers, which allowed the wrong syscalls on aarch64). */

const ENOSYS = 38;
const RULES: NativeRule[] = [
  { name: "read", action: "allow" },
  { name: "write", action: "allow" },
  { name: "getpid", action: "allow" },
  { name: "exit_group", action: "allow" },
  { name: "dup", action: "allow", args: [{ index: 0, op: "eq", value: 1n }] },
  { name: "lseek", action: "allow", args: [{ index: 1, op: "eq", value: 0x1_0000_0001n }] },
  {
    name: "fchdir",
    action: "allow",
    args: [{ index: 0, op: "masked_eq", value: 0x1200n, mask: 0xff00n }],
  },
  { name: "fcntl", action: "allow", args: [{ index: 1, op: "ne", value: 1n }] },
  { name: "ftruncate", action: "allow", args: [{ index: 1, op: "gt", value: 100n }] },
  { name: "flock", action: "allow", args: [{ index: 1, op: "le", value: 8n }] },
  { name: "fsync", action: "allow", args: [{ index: 0, op: "ge", value: 1000n }] },
  { name: "fdatasync", action: "allow", args: [{ index: 0, op: "lt", value: 0x1_0000_0000n }] },
];

function compile(arch: string, rules: NativeRule[]): Buffer {
  if (!native) throw new Error("no native addon");
  return native.compile({
    arch,
    defaultAction: { action: "errno", errno: ENOSYS },
    badArchAction: "kill_process",
    rules,
  }).bpf;
}

function syscallNumber(arch: string, name: string): number {
  const nr = native?.syscallNumber(arch, name) ?? -1;
  if (nr < 0) throw new Error(`no syscall ${name} on ${arch}`);
  return nr;
}

/** What libseccomp's argument comparisons mean, on unsigned 64-bit values. */
function holds(c: ArgCondition, args: readonly bigint[]): boolean {
  const v = BigInt.asUintN(64, args[c.index] ?? 0n);
  switch (c.op) {
    case "ne":
      return v !== c.value;
    case "lt":
      return v < c.value;
    case "le":
      return v <= c.value;
    case "eq":
      return v === c.value;
    case "ge":
      return v >= c.value;
    case "gt":
      return v > c.value;
    case "masked_eq":
      return (v & (c.mask ?? 0n)) === c.value;
  }
}

/** The action the rules mean for a syscall of the filter's own architecture. */
function expected(arch: string, rules: NativeRule[], nr: number, args: readonly bigint[]): string {
  const allowed = rules.some(
    (r) => syscallNumber(arch, r.name) === nr && (r.args ?? []).every((c) => holds(c, args)),
  );
  return allowed ? "allow" : `errno ${ENOSYS}`;
}

const verdict = (a: SeccompAction): string => (a.action === "errno" ? `errno ${a.data}` : a.action);

const ARG_VECTORS: bigint[][] = [
  [],
  [1n, 1n, 1n, 1n, 1n, 1n],
  [0x12ffn, 0x1_0000_0001n, 0n, 0n, 0n, 0n],
  [5000n, 101n],
  [0x1_0000_0005n, 9n],
  [0x13ffn, 0x1n],
  [-1n, -1n, -1n, -1n, -1n, -1n],
];

for (const arch of ["x86_64", "aarch64"]) {
  describe(`libseccomp filters for ${arch}`, { skip: nativeMissing }, () => {
    const bpf = native ? compile(arch, RULES) : Buffer.alloc(0);

    test("every syscall 0..500 is allowed exactly when a rule allows it, else fails with ENOSYS", () => {
      for (const args of ARG_VECTORS)
        for (let nr = 0; nr <= 500; nr++)
          assert.equal(
            verdict(simulate(bpf, { arch, nr, args })),
            expected(arch, RULES, nr, args),
            `nr ${nr}, args [${args.join(", ")}]`,
          );
      // Spelled out for all-zero arguments: the allowlist, and the rules whose conditions hold
      // for 0 (fcntl: ne 1, flock: le 8, fdatasync: lt 2^32).
      const allowlist = ["read", "write", "getpid", "exit_group", "fcntl", "flock", "fdatasync"];
      const allowed = new Set(allowlist.map((name) => syscallNumber(arch, name)));
      for (let nr = 0; nr <= 500; nr++)
        assert.equal(
          verdict(simulate(bpf, { arch, nr, args: [0n, 0n, 0n, 0n, 0n, 0n] })),
          allowed.has(nr) ? "allow" : "errno 38",
          `nr ${nr}`,
        );
    });

    test("a syscall of any other architecture kills the process", () => {
      const getpid = syscallNumber(arch, "getpid");
      for (const other of [...Object.values(AUDIT_ARCH), 0, 0xffffffff])
        if (other !== AUDIT_ARCH[arch])
          assert.deepEqual(simulate(bpf, { arch: other, nr: getpid }), {
            action: "kill_process",
            data: 0,
            raw: 0x80000000,
          });
    });

    test("argument conditions: eq on all 64 bits, masked_eq, ne, lt, le, gt, ge", () => {
      const call = (name: string, args: bigint[]): string =>
        verdict(simulate(bpf, { arch, nr: syscallNumber(arch, name), args }));
      assert.equal(call("dup", [1n]), "allow");
      assert.equal(call("dup", [0x1_0000_0001n]), "errno 38", "the high half counts");
      assert.equal(call("lseek", [0n, 0x1_0000_0001n]), "allow");
      assert.equal(call("lseek", [0n, 1n]), "errno 38");
      assert.equal(call("fchdir", [0x12ffn]), "allow");
      assert.equal(call("fchdir", [0x13ffn]), "errno 38");

      const c = 0x1_0000_0001n;
      const values = [
        0n,
        1n,
        2n,
        0xffff_ffffn,
        0x1_0000_0000n,
        c,
        c + 1n,
        0x1_ffff_ffffn,
        0x2_0000_0000n,
        0x2_0000_0001n,
        0xffff_ffff_0000_0001n,
        -1n,
      ];
      const ops: ArgCondition["op"][] = ["ne", "lt", "le", "eq", "ge", "gt"];
      const conditions: ArgCondition[] = [
        ...ops.map((op) => ({ index: 2, op, value: c })),
        { index: 2, op: "masked_eq", value: 0x1_0000_0000n, mask: 0xf_0000_000fn },
        { index: 2, op: "masked_eq", value: 1n, mask: 0xffn },
      ];
      for (const cond of conditions) {
        const rules: NativeRule[] = [{ name: "getpid", action: "allow", args: [cond] }];
        const prog = compile(arch, rules);
        const nr = syscallNumber(arch, "getpid");
        for (const v of values) {
          const args = [0n, 0n, v];
          assert.equal(
            verdict(simulate(prog, { arch, nr, args })),
            expected(arch, rules, nr, args),
            `args[2] ${cond.op} ${cond.value} (mask ${cond.mask}) with ${v}`,
          );
        }
      }
    });

    if (arch === "x86_64")
      test("x32 syscalls (nr | 0x40000000) get the bad-architecture action; nr -1 does not", () => {
        for (const name of ["read", "getpid", "write"])
          assert.equal(
            simulate(bpf, { arch: "x32", nr: syscallNumber(arch, name) | X32_SYSCALL_BIT }).action,
            "kill_process",
            name,
          );
        assert.equal(simulate(bpf, { arch: "x32", nr: X32_SYSCALL_BIT }).action, "kill_process");
        assert.equal(simulate(bpf, { arch: "x32", nr: 0x7fffffff }).action, "kill_process");
        // libseccomp lets nr -1 (0xffffffff) through its x32 check: the default action decides.
        assert.equal(verdict(simulate(bpf, { arch, nr: -1 })), "errno 38");
        assert.equal(verdict(simulate(bpf, { arch, nr: 0xfffffffe })), "kill_process");
      });
  });
}

// --- The kernel agrees (x86_64) ---------------------------------------------------------------

describe(
  "the kernel takes the simulator's action",
  {
    skip: process.arch !== "x64" ? "the probe makes x86_64 syscalls" : nativeMissing,
  },
  () => {
    let tmp: ReturnType<typeof tempDir> | undefined;
    let probe = "";
    let files = 0;

    before(() => {
      tmp = tempDir("bpf");
      probe = join(tmp.dir, "seccomp-run");
      const cc = spawnSync(
        "cc",
        ["-O1", "-Wall", "-Werror", "-o", probe, join(root, "test/fixtures/seccomp-run.c")],
        { encoding: "utf8" },
      );
      assert.equal(cc.status, 0, `cc: ${cc.stderr}`);
    });
    after(() => {
      tmp?.remove();
    });

    /** The probe's outcome: "ok" (returned >= 0), "errno N", a signal name, or "load: errno N". */
    function kernel(prog: Uint8Array, nr: number | string, args: readonly bigint[]): string {
      const dir = tmp?.dir ?? assert.fail("no temporary directory");
      const file = join(dir, `prog-${files++}.bpf`);
      writeFileSync(file, prog);
      const argv = [
        file,
        ...String(nr).split(" "),
        ...args.map((a) => String(BigInt.asUintN(64, a))),
      ];
      const r = spawnSync(probe, argv, { cwd: dir, encoding: "utf8", timeout: 10_000 });
      if (r.signal) return r.signal;
      const out = r.stdout.trim();
      if (r.status === 3) return out;
      assert.equal(r.status, 0, `${probe} ${argv.join(" ")}: ${r.stdout}${r.stderr}`);
      const m = /^ret (-?\d+) errno (\d+)$/.exec(out);
      assert.ok(m, `unexpected probe output: ${out}`);
      return m[1] === "-1" ? `errno ${m[2] ?? ""}` : "ok";
    }

    /** What the kernel does for the simulator's action; `ran` is the syscall's own outcome. */
    function outcome(a: SeccompAction, ran: string): string {
      switch (a.action) {
        case "allow":
        case "log":
          return ran;
        case "errno":
          return a.data === 0 ? "ok" : `errno ${Math.min(a.data, 4095)}`;
        case "trace": // no tracer
        case "user_notif": // no listener
          return "errno 38";
        case "kill_process":
        case "kill_thread":
        case "trap": // no handler
          return "SIGSYS";
      }
    }

    /** Runs the call under the program in the kernel and in the simulator: they must agree. */
    function agree(
      prog: BpfInsn[] | Uint8Array,
      call: { nr: number; args?: bigint[]; int80?: boolean; ran?: string },
      what = "",
    ): string {
      const bytes = prog instanceof Uint8Array ? prog : encodeBpf(prog);
      const args = call.args ?? [];
      const got = kernel(bytes, call.int80 ? `int80 ${call.nr}` : call.nr, args);
      const action = simulate(bytes, { arch: call.int80 ? "x86" : "x86_64", nr: call.nr, args });
      const label = `${what} nr ${call.nr}, args [${args.join(", ")}]${call.int80 ? " via int 0x80" : ""}`;
      assert.equal(got, outcome(action, call.ran ?? "ok"), label);
      return got;
    }

    test("a libseccomp filter: allowed, denied, allowed and denied by arguments, x32, int 0x80", () => {
      const bpf = compile("x86_64", RULES);
      const nr = (name: string): number => syscallNumber("x86_64", name);
      const EBADF = "errno 9";
      const calls: [string, { nr: number; args?: bigint[]; int80?: boolean; ran?: string }][] = [
        ["ok", { nr: nr("getpid") }],
        ["errno 38", { nr: nr("getppid") }],
        ["ok", { nr: nr("dup"), args: [1n] }],
        ["errno 38", { nr: nr("dup"), args: [2n] }],
        [EBADF, { nr: nr("lseek"), args: [-1n, 0x1_0000_0001n, 0n], ran: EBADF }],
        ["errno 38", { nr: nr("lseek"), args: [-1n, 1n, 0n], ran: EBADF }],
        [EBADF, { nr: nr("fchdir"), args: [0x12ffn], ran: EBADF }],
        ["errno 38", { nr: nr("fchdir"), args: [0x13ffn], ran: EBADF }],
        [EBADF, { nr: nr("fcntl"), args: [-1n, 2n], ran: EBADF }],
        ["errno 38", { nr: nr("fcntl"), args: [-1n, 1n], ran: EBADF }],
        [EBADF, { nr: nr("ftruncate"), args: [-1n, 101n], ran: EBADF }],
        ["errno 38", { nr: nr("ftruncate"), args: [-1n, 100n], ran: EBADF }],
        [EBADF, { nr: nr("flock"), args: [-1n, 8n], ran: EBADF }],
        ["errno 38", { nr: nr("flock"), args: [-1n, 9n], ran: EBADF }],
        [EBADF, { nr: nr("fsync"), args: [5000n], ran: EBADF }],
        ["errno 38", { nr: nr("fsync"), args: [999n], ran: EBADF }],
        [EBADF, { nr: nr("fdatasync"), args: [0x7fff_ffffn], ran: EBADF }],
        ["errno 38", { nr: nr("fdatasync"), args: [0x1_0000_0005n], ran: EBADF }],
        ["SIGSYS", { nr: nr("getpid") | X32_SYSCALL_BIT }],
        ["errno 38", { nr: -1 }],
        ["SIGSYS", { nr: 20, int80: true }], // getpid of i386
      ];
      for (const [want, call] of calls) assert.equal(agree(bpf, call), want);
    });

    /** The body runs for getpid; every other syscall is allowed (the probe writes and exits). */
    const onGetpid = (body: BpfInsn[]): BpfInsn[] => [
      ld(0),
      jmp(BPF.JEQ, 39, 0, body.length),
      ...body,
      ret(ALLOW),
    ];
    const asErrno = [alu(BPF.AND, 0xfff), alu(BPF.OR, ERRNO), retA];

    test("hand-assembled programs: arithmetic, jumps, memory and actions", () => {
      const programs: [string, BpfInsn[], bigint[][]][] = [
        [
          "lsh x",
          [ld(24), tax, ld(16), aluX(BPF.LSH), ...asErrno],
          [
            [1n, 36n],
            [1n, 3n],
            [0x800n, 33n],
          ],
        ],
        [
          "rsh x",
          [ld(24), tax, ld(16), aluX(BPF.RSH), ...asErrno],
          [
            [0x800n, 35n],
            [0x800n, 3n],
          ],
        ],
        [
          "div x",
          [ld(24), tax, ld(16), aluX(BPF.DIV), ...asErrno],
          [
            [100n, 7n],
            [100n, 0n],
          ],
        ],
        ["add wraps", [ld(16), alu(BPF.ADD, 0xfffffff0), ...asErrno], [[0x20n], [5n]]],
        ["sub wraps", [ld(16), alu(BPF.SUB, 0x10), ...asErrno], [[5n], [0x20n]]],
        ["mul wraps", [ld(16), alu(BPF.MUL, 0x10001), ...asErrno], [[0x10003n], [0xffffn]]],
        ["neg", [ld(16), insn(ALU | BPF.NEG), ...asErrno], [[1n], [0n]]],
        ["xor, or, and", [ld(16), alu(BPF.XOR, 0xf0f), alu(BPF.OR, 0x100), ...asErrno], [[0xfffn]]],
        ["high half", [ld(20), ...asErrno], [[0x7_0000_0000n], [0xabc_0000_0001n]]],
        ["len", [insn(LD | W | LEN), insn(LDX | W | LEN), aluX(BPF.ADD), ...asErrno], [[]]],
        [
          "jgt unsigned",
          [ld(16), jmp(BPF.JGT, 0x7fffffff, 0, 1), ret(errno(1)), ret(errno(2))],
          [[0x8000_0000n], [5n]],
        ],
        [
          "jset x",
          [ld(24), tax, ld(16), jmpX(BPF.JSET, 0, 1), ret(errno(1)), ret(errno(2))],
          [
            [6n, 2n],
            [6n, 1n],
          ],
        ],
        [
          "jge x, jeq x",
          [
            ld(24),
            tax,
            ld(16),
            jmpX(BPF.JGE, 0, 3),
            jmpX(BPF.JEQ, 0, 1),
            ret(errno(1)),
            ret(errno(2)),
            ret(errno(3)),
          ],
          [
            [5n, 5n],
            [6n, 5n],
            [4n, 5n],
          ],
        ],
        [
          "ja, memory, txa",
          [
            ld(16),
            st(3),
            ldImm(7),
            tax,
            stx(9),
            insn(JMP | BPF.JA, 1),
            ret(0),
            ldxMem(9),
            ldMem(3),
            aluX(BPF.ADD),
            tax,
            txa,
            ...asErrno,
          ],
          [[5n]],
        ],
        ["errno above 4095", [ret(errno(5000))], [[]]],
        ["errno 0", [ret(errno(0))], [[]]],
        ["trap", [ret(0x00030000)], [[]]],
        ["kill_thread", [ret(0)], [[]]],
        ["kill_process", [ret(0x80000000)], [[]]],
        ["unknown action", [ret(0x00040000)], [[]]],
        ["log", [ret(0x7ffc0000)], [[]]],
        ["trace", [ret(0x7ff00000)], [[]]],
        ["user_notif", [ret(0x7fc00000)], [[]]],
      ];
      for (const [name, body, argSets] of programs)
        for (const args of argSets) agree(onGetpid(body), { nr: 39, args }, name);
    });

    test("programs the simulator refuses, the kernel refuses too", () => {
      const refused: BpfInsn[][] = [
        [ld(16), alu(BPF.MOD, 3), ...asErrno],
        [ldMem(0), ...asErrno],
        [ld(18), ...asErrno],
        [ld(64), ...asErrno],
        [alu(BPF.DIV, 0), ...asErrno],
        [alu(BPF.LSH, 32), ...asErrno],
        [insn(LD | BPF.H | ABS, 16), ...asErrno],
      ];
      for (const body of refused) {
        const prog = onGetpid(body);
        assert.throws(() => simulate(prog, { ...x86_64, nr: 39 }), /^Error: BPF instruction \d+: /);
        assert.equal(kernel(encodeBpf(prog), 39, []), "load: errno 22");
      }
      // Falling off the end, and jumping past it.
      for (const prog of [
        [ld(0), ret(ALLOW), ldImm(0)],
        [ld(0), jmp(BPF.JEQ, 0, 0, 1), ret(ALLOW)],
      ]) {
        assert.throws(() => simulate(prog, { ...x86_64, nr: 39 }), /^Error: BPF instruction \d+: /);
        assert.equal(kernel(encodeBpf(prog), 39, []), "load: errno 22");
      }
    });
  },
);

// --- Disassembly ---------------------------------------------------------------------------

describe("disassemble", () => {
  test("a hand-assembled program, line by line", () => {
    const prog = [
      ld(4),
      jmp(BPF.JEQ, AUDIT_ARCH.x86_64 ?? 0, 0, 12),
      ld(0),
      jmp(BPF.JGE, X32_SYSCALL_BIT, 10, 0),
      jmp(BPF.JEQ, 39, 8, 0),
      ld(20),
      jmp(BPF.JSET, 0x80000000, 7, 0),
      ld(16),
      st(0),
      ldxMem(0),
      aluX(BPF.ADD),
      alu(BPF.AND, 0xffff),
      insn(JMP | BPF.JA, 1),
      ret(errno(1)),
      retA,
      ret(ALLOW),
      ret(0x80000000),
    ];
    const names: Record<number, string> = { 39: "getpid" };
    assert.deepEqual(disassemble(prog, { arch: "x86_64", syscallName: (nr) => names[nr] }), [
      " 0000: ld  [4]                 ; arch",
      " 0001: jeq #0xc000003e, 0002, 0014 ; x86_64",
      " 0002: ld  [0]                 ; nr",
      " 0003: jge #0x40000000, 0014, 0004 ; x32 syscall bit",
      " 0004: jeq #39, 0013, 0005     ; getpid",
      " 0005: ld  [20]                ; args[0] (high)",
      " 0006: jset #0x80000000, 0014, 0007",
      " 0007: ld  [16]                ; args[0] (low)",
      " 0008: st  M[0]",
      " 0009: ldx M[0]",
      " 0010: add x",
      " 0011: and #0xffff",
      " 0012: ja  0014",
      " 0013: ret ERRNO(1)            ; EPERM",
      " 0014: ret a",
      " 0015: ret ALLOW",
      " 0016: ret KILL_PROCESS",
    ]);
  });

  test(
    "a libseccomp filter: one line per instruction, loads and syscalls named",
    { skip: nativeMissing },
    () => {
      const bpf = compile("x86_64", RULES);
      const byNumber = new Map<number, string>();
      for (const name of ["read", "write", "getpid", "exit_group", "dup", "lseek", "fchdir"])
        byNumber.set(syscallNumber("x86_64", name), name);
      const lines = disassemble(bpf, { arch: "x86_64", syscallName: (nr) => byNumber.get(nr) });
      assert.equal(lines.length, bpf.length / 8);
      lines.forEach((line, i) => {
        assert.match(line, new RegExp(`^ ${String(i).padStart(4, "0")}: `));
      });
      const text = lines.join("\n");
      assert.match(text, /^ 0000: ld {2}\[4\] +; arch$/m);
      assert.match(text, /^ 0001: jeq #0xc000003e, 0002, \d{4} ; x86_64$/m);
      assert.match(text, /ld {2}\[0\] +; nr$/m);
      assert.match(text, /jeq #39, \d{4}, \d{4} +; getpid$/m);
      assert.match(text, /jeq #0, \d{4}, \d{4} +; read$/m);
      assert.match(text, /ld {2}\[28\] +; args\[1\] \(high\)$/m);
      assert.match(text, /ret ERRNO\(38\) +; ENOSYS$/m);
      assert.match(text, /ret ALLOW$/m);
      assert.match(text, /ret KILL_PROCESS$/m);
      // Values compared with arguments are not syscalls.
      assert.doesNotMatch(text, /\[(16|24)\][^\n]*\n[^\n]*; (read|write)/);
    },
  );

  test("opcodes seccomp refuses still get a line", () => {
    const lines = disassemble(
      encodeBpf([alu(BPF.MOD, 3), insn(0xff, 1, 2, 3), insn(LD | W | LEN), insn(RET | X)]),
    );
    assert.deepEqual(lines, [
      " 0000: mod #3",
      " 0001: .insn code 0xff, jt 2, jf 3, k 0x1 ; unknown opcode",
      " 0002: ld  #len                ; 64, sizeof(seccomp_data)",
      " 0003: ret x",
    ]);
  });
});

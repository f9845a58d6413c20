/** src/seccomp/bpf.ts against the table of cases it shares with native/launcher/bpf_eval.c
 * (native/tests/bpf_cases.json; the C side is native/tests/test_bpf_eval.c). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { AUDIT_ARCH, simulate, type BpfInsn, type SeccompData } from "../../src/seccomp/bpf.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { loadNative } from "../../src/native/seccomp.js";
import type { SeccompSpec, SyscallRule } from "../../src/seccomp/types.js";
import { root } from "../helpers.js";

interface Case {
  name: string;
  program: string;
  data: { nr: string; arch: string; args?: string[]; instructionPointer?: string };
  expect: { ret: string } | { refused: true };
}
interface Table {
  programs: Record<
    string,
    {
      about: string;
      insns: [number, number, number, number][];
      spec?: Omit<SeccompSpec, "architectures" | "syscalls"> & {
        syscalls: Omit<SyscallRule, "reasons">[];
      };
    }
  >;
  cases: Case[];
}

const table = JSON.parse(readFileSync(join(root, "native/tests/bpf_cases.json"), "utf8")) as Table;
const native = loadNative({ optional: true });

const program = (name: string): BpfInsn[] =>
  (table.programs[name]?.insns ?? []).map(([code, jt, jf, k]) => ({ code, jt, jf, k }));

function seccompData(c: Case): SeccompData {
  const data: SeccompData = { nr: Number(BigInt(c.data.nr)), arch: Number(BigInt(c.data.arch)) };
  if (c.data.args) data.args = c.data.args.map((a) => BigInt(a));
  if (c.data.instructionPointer !== undefined)
    data.instructionPointer = BigInt(c.data.instructionPointer);
  return data;
}

/** What the case expects of a program: its return value, or that it is refused. */
function check(prog: BpfInsn[] | Uint8Array, c: Case): void {
  if ("refused" in c.expect) {
    assert.throws(() => simulate(prog, seccompData(c)), /BPF|program/, c.name);
    return;
  }
  assert.equal(
    `0x${simulate(prog, seccompData(c)).raw.toString(16)}`,
    c.expect.ret,
    `${c.name} (program ${c.program})`,
  );
}

describe("bpf.ts runs the shared table of cases (native/tests/bpf_cases.json)", () => {
  test("the table covers the edge cases both interpreters must agree on", () => {
    const programs = new Set(table.cases.map((c) => c.program));
    for (const p of Object.keys(table.programs)) assert.ok(programs.has(p), `program ${p} unused`);
    const refused = table.cases.filter((c) => "refused" in c.expect);
    assert.ok(refused.length >= 5);
    const arches = new Set(table.cases.map((c) => Number(BigInt(c.data.arch))));
    // A filter for x86_64 is run with other architectures' values (bad arch).
    for (const a of ["x86_64", "aarch64", "x86"]) assert.ok(arches.has(AUDIT_ARCH[a] ?? -1), a);
  });

  for (const c of table.cases) test(c.name, () => check(program(c.program), c));

  test(
    "libseccomp compiles the same spec into a filter that gives the same answers",
    { skip: native ? false : "the native addon is not built (npm run build)" },
    () => {
      assert.ok(native);
      const compiled = table.programs["libseccomp-x86_64"];
      assert.ok(compiled?.spec);
      const spec: SeccompSpec = {
        ...compiled.spec,
        architectures: ["x86_64"],
        syscalls: compiled.spec.syscalls.map((r) => ({ ...r, reasons: [] })),
      };
      const [filter] = compileFilters(spec, native);
      assert.ok(filter);
      const cases = table.cases.filter((c) => c.program === "libseccomp-x86_64");
      assert.ok(cases.length >= 20);
      for (const c of cases) check(filter.bpf, c);
    },
  );
});

// bpf_cases.json → a C header for test_bpf_eval.c (written at build time by the Makefile: the
// table stays the one source of cases for both interpreters).
import { readFileSync } from "node:fs";

const table = JSON.parse(readFileSync(process.argv[2], "utf8"));
const names = Object.keys(table.programs);
const u32 = (s) => {
  const v = BigInt(s);
  if (v < 0n || v > 0xffffffffn) throw new Error(`${s} is not a 32-bit value`);
  return `0x${v.toString(16)}u`;
};
const u64 = (s) => `0x${BigInt.asUintN(64, BigInt(s)).toString(16)}ull`;
const str = (s) => JSON.stringify(s);

const out = ["/* Generated from bpf_cases.json by gen_bpf_cases.mjs: do not edit. */", ""];
names.forEach((name, i) => {
  const insns = table.programs[name].insns;
  const body = insns.map(([code, jt, jf, k]) => `{${code}, ${jt}, ${jf}, ${u32(k)}}`).join(", ");
  // A zero-length program still needs an array to point at.
  out.push(`static const struct sock_filter bpf_prog_${i}[] = {${body || "{0, 0, 0, 0}"}};`);
});
out.push("", "static const struct bpf_case_prog bpf_case_progs[] = {");
names.forEach((name, i) =>
  out.push(`  {${str(name)}, bpf_prog_${i}, ${table.programs[name].insns.length}},`),
);
out.push("};", "", "static const struct bpf_case bpf_cases[] = {");
for (const c of table.cases) {
  const p = names.indexOf(c.program);
  if (p < 0) throw new Error(`case ${c.name}: no program ${c.program}`);
  const args = [0, 1, 2, 3, 4, 5].map((i) => u64(c.data.args?.[i] ?? "0")).join(", ");
  const ip = u64(c.data.instructionPointer ?? "0");
  const refused = c.expect.refused === true ? 1 : 0;
  const ret = refused ? "0u" : u32(c.expect.ret);
  out.push(
    `  {${str(c.name)}, ${p}, {(int)${u32(c.data.nr)}, ${u32(c.data.arch)}, ${ip}, {${args}}}, ${refused}, ${ret}},`,
  );
}
out.push("};", "");
process.stdout.write(out.join("\n"));

/** The policy's JavaScript builtins: OPA's SDK implements a few in JavaScript; the CLI's bundle
 * (scripts/bundle-cli.mjs) carries only what the built policy asks for (sprintf), with the SDK's
 * yaml.* builtins replaced by a stub. A policy that starts using another one fails here first. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

/** The part of WebAssembly used here (the TypeScript lib in use does not declare it). */
interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

function builtinsOf(wasm: Buffer): string[] {
  const memory = new WebAssembly.Memory({ initial: 5 });
  const noop = (): number => 0;
  const env = { memory, opa_abort: noop, opa_println: noop };
  for (let i = 0; i <= 4; i++) Object.assign(env, { [`opa_builtin${i}`]: noop });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env });
  const e = instance.exports as Record<string, (...a: number[]) => number>;
  const at = e.opa_json_dump?.(e.builtins?.() ?? 0) ?? 0;
  const bytes = new Uint8Array(memory.buffer);
  let end = at;
  while (bytes[end] !== 0) end++;
  return Object.keys(JSON.parse(Buffer.from(bytes.subarray(at, end)).toString("utf8")) as object);
}

test("the built policy needs no JavaScript builtin but sprintf (the bundle stubs yaml.*)", () => {
  const wasm = readFileSync(join(root, "policies/build/policy.wasm"));
  assert.deepEqual(builtinsOf(wasm), ["sprintf"]);
});

test("the built policy carries no regular expression engine (regex.* would double its size)", () => {
  // OPA links RE2 into the wasm only for a policy that calls regex.* (its functions are then
  // named in the module: opa_regex_match…); every command compiles the module.
  const wasm = readFileSync(join(root, "policies/build/policy.wasm"));
  assert.equal(wasm.includes("opa_regex_"), false, "policy.wasm has RE2: use string builtins");
});

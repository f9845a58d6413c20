/** The audit's syscall section is held to the compiled BPF, and the check fails loudly when the
 * two disagree. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { argumentVectors, checkFilter } from "../../src/audit/check.js";
import { auditApps } from "../../src/audit/index.js";
import { loadApp } from "../../src/appspec/load.js";
import { InternalError } from "../../src/errors.js";
import { makePlan } from "../../src/plan/make.js";
import type { SeccompSpec } from "../../src/plan/types.js";
import { SECCOMP_RET } from "../../src/seccomp/bpf.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { loadNative, type SeccompNative } from "../../src/native/seccomp.js";
import { debianHost } from "../fixtures/hosts.js";
import { accounts, fixed, hello } from "./fixtures.js";

const native = loadNative({ optional: true });
const skip = native ? false : "the native addon is not built (npm run build)";

function helloSpec(): SeccompSpec {
  return makePlan(loadApp(hello), { host: debianHost, accounts }).plan.seccomp;
}

function allowedNames(spec: SeccompSpec): Set<string> {
  return new Set(spec.syscalls.filter((r) => r.action === "allow").map((r) => r.name));
}

/** The filter with every `ret ALLOW` turned into `ret ERRNO(EPERM)`, from instruction `from`. */
function corrupt(bpf: Buffer, from = 0): Buffer {
  const out = Buffer.from(bpf);
  let changed = 0;
  for (let i = from * 8; i < out.length; i += 8) {
    if (out.readUInt16LE(i) === 0x06 && out.readUInt32LE(i + 4) === SECCOMP_RET.allow) {
      out.writeUInt32LE(SECCOMP_RET.errno | 1, i + 4);
      changed++;
    }
  }
  assert.ok(changed > 0, "the filter has a ret ALLOW to corrupt");
  return out;
}

const failsWith =
  (pattern: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof InternalError, String(e));
    assert.equal(e.exitCode, 125);
    assert.match(e.message, pattern);
    return true;
  };

describe("checking the report against the compiled filter", { skip }, () => {
  test("the real filter agrees, on every architecture", () => {
    const n: SeccompNative | undefined = native;
    assert.ok(n);
    const spec = helloSpec();
    for (const f of compileFilters(spec, n, ["x86_64", "aarch64"])) {
      const names: Set<string> = new Set<string>(
        [...allowedNames(spec)].filter((x) => n.syscallNumber(f.arch, x) >= 0),
      );
      const r = checkFilter(spec, f.arch, f.bpf, n, names);
      assert.ok(r.cases > 300, `${f.arch}: ${r.cases} cases`);
      assert.deepEqual(new Set(r.allowed), names);
    }
  });

  test("a corrupted filter fails, naming the syscall, the architecture and both verdicts", () => {
    assert.ok(native);
    const spec = helloSpec();
    const [f] = compileFilters(spec, native, ["x86_64"]);
    assert.ok(f);
    assert.throws(
      () => checkFilter(spec, "x86_64", corrupt(f.bpf), native),
      failsWith(
        /^the audit disagrees with the compiled filter: [a-z0-9_]+ \(nr \d+\) with arguments \[[^\]]*\] on x86_64: the report says allow, the filter says errno EPERM$/,
      ),
    );
  });

  test("a spec that does not match the filter fails", () => {
    assert.ok(native);
    const spec = helloSpec();
    const [f] = compileFilters(spec, native, ["x86_64"]);
    assert.ok(f);
    const more: SeccompSpec = {
      ...spec,
      syscalls: [...spec.syscalls, { name: "mlock", action: "allow", reasons: [] }],
    };
    assert.throws(
      () => checkFilter(more, "x86_64", f.bpf, native),
      failsWith(
        /: mlock \(nr 149\) with arguments .* on x86_64: the report says allow, the filter says errno ENOSYS$/,
      ),
    );
  });

  test("a report that lists a syscall the filter refuses fails", () => {
    assert.ok(native);
    const spec = helloSpec();
    const [f] = compileFilters(spec, native, ["aarch64"]);
    assert.ok(f);
    const listed = new Set([...allowedNames(spec), "mlock"]);
    assert.throws(
      () => checkFilter(spec, "aarch64", f.bpf, native, listed),
      failsWith(
        /: mlock \(nr \d+\) on aarch64: the report says allow, the filter says errno ENOSYS$/,
      ),
    );
  });

  test("the audit itself fails (exit 125) when the filter it compiled disagrees", () => {
    assert.ok(native);
    const real = native;
    const broken: SeccompNative = {
      compile: (s) => {
        const r = real.compile(s);
        return { ...r, bpf: corrupt(r.bpf) };
      },
      syscallName: (a, n) => real.syscallName(a, n),
      syscallNumber: (a, n) => real.syscallNumber(a, n),
      hostFacts: () => real.hostFacts(),
    };
    assert.throws(
      () => auditApps([hello], { ...fixed, native: broken }),
      failsWith(/the report says allow, the filter says errno EPERM/),
    );
  });
});

describe("argument vectors", () => {
  const rules = [
    {
      name: "socket",
      action: "allow" as const,
      args: [{ index: 0, op: "eq" as const, value: 1 }],
      reasons: [],
    },
  ];
  test("on 64-bit architectures they include values above 32 bits", () => {
    assert.ok(argumentVectors(rules, "x86_64").some((v) => v.some((a) => a > 0xffffffffn)));
  });
  test("on 32-bit ones the kernel passes 32-bit values: so do they", () => {
    for (const arch of ["x86", "arm"]) {
      const v = argumentVectors(rules, arch);
      assert.ok(v.length > 1);
      assert.ok(
        v.every((args) => args.every((a) => a <= 0xffffffffn)),
        arch,
      );
    }
  });
});

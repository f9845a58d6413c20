/** The exported seccomp profiles mean what the plan means: read back through
 * importDockerProfile (which follows runc), compiled and simulated, every syscall number of
 * x86_64 and aarch64 gets the plan's verdict, for the argument values around every condition. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Plan, SeccompSpec } from "../../src/plan/types.js";
import { exportDockerSeccomp, ociConfig, spoSpec } from "../../src/export/index.js";
import { simulate } from "../../src/seccomp/bpf.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { importDockerProfile } from "../../src/seccomp/docker.js";
import { loadNative, type SeccompNative } from "../../src/native/seccomp.js";
import { interestingArgs, rulesFor } from "../../src/seccomp/verdict.js";
import { NET_APP, allPresent, examplePlan, planOfText } from "./plans.js";

const native = loadNative({ optional: true });
const ARCHES = ["x86_64", "aarch64"];

const plans: [string, () => Plan][] = [
  ["hello.yaml", () => examplePlan("hello.yaml")],
  ["python-web.yaml", () => examplePlan("python-web.yaml")],
  ["web (ports, capability, binds)", () => planOfText(NET_APP)],
];

type Json = Record<string, unknown>;

function dockerProfile(plan: Plan): Json {
  const r = exportDockerSeccomp(plan, { architectures: ARCHES, stat: allPresent });
  const file = r.entries[0];
  assert.ok(file?.kind === "file");
  return JSON.parse(file.content) as Json;
}

/** Differences between two specs on one architecture, over every syscall number. */
function differences(
  n: SeccompNative,
  arch: string,
  want: SeccompSpec,
  got: SeccompSpec,
): string[] {
  const [a] = compileFilters({ ...want, architectures: [arch] }, n, [arch]);
  const [b] = compileFilters({ ...got, architectures: [arch] }, n, [arch]);
  assert.ok(a && b);
  const out: string[] = [];
  let checked = 0;
  for (let nr = 0; nr < 1024; nr++) {
    const name = n.syscallName(arch, nr);
    const vectors = name
      ? interestingArgs([...rulesFor(want, name), ...rulesFor(got, name)])
      : [[0n, 0n, 0n, 0n, 0n, 0n]];
    for (const args of vectors) {
      const x = simulate(a.bpf, { arch, nr, args });
      const y = simulate(b.bpf, { arch, nr, args });
      checked++;
      if (x.raw !== y.raw)
        out.push(
          `${name ?? `nr ${nr}`}(${args.join(",")}): plan ${x.action}/${x.data}, export ${y.action}/${y.data}`,
        );
    }
  }
  assert.ok(checked > 400, `only ${checked} cases`);
  return out;
}

function imported(profile: Json, arch: string, plan: Plan): SeccompSpec {
  return importDockerProfile(profile, {
    arch,
    capabilities: plan.capabilities.keep.map((c) => c.name),
    source: "export.json",
  }).spec;
}

describe(
  "exported seccomp profiles",
  { skip: native ? false : "the native addon is not built" },
  () => {
    const n = native as SeccompNative;
    for (const [label, make] of plans) {
      test(`${label}: the Docker profile gives the plan's verdict for every syscall on x86_64 and aarch64`, () => {
        const plan = make();
        const profile = dockerProfile(plan);
        assert.deepEqual(profile.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]);
        for (const arch of ARCHES)
          assert.deepEqual(
            differences(n, arch, plan.seccomp, imported(profile, arch, plan)),
            [],
            arch,
          );
      });

      test(`${label}: the OCI config carries the same profile`, () => {
        const plan = make();
        const withComments = dockerProfile(plan);
        const plain = {
          ...withComments,
          syscalls: (withComments.syscalls as Json[]).map((e) => {
            const rest = { ...e };
            delete rest.comment;
            return rest;
          }),
        };
        const config = ociConfig(plan, { architectures: ARCHES, stat: allPresent });
        assert.deepEqual(JSON.parse(JSON.stringify(config.linux.seccomp)), plain);
      });

      test(`${label}: the SeccompProfile resource (SCMP_ACT_TRACE default, no tracer: ENOSYS) gives the plan's verdicts`, () => {
        const plan = make();
        const { spec } = spoSpec(plan, ARCHES);
        assert.equal("defaultErrnoRet" in spec, false);
        assert.equal(spec.defaultAction, "SCMP_ACT_TRACE");
        // Without a tracer the kernel answers SECCOMP_RET_TRACE with ENOSYS (seccomp(2)); the
        // runtime tests check it in the kernel through runc.
        const asKernel = { ...spec, defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 };
        for (const arch of ARCHES)
          assert.deepEqual(
            differences(n, arch, plan.seccomp, imported(asKernel, arch, plan)),
            [],
            arch,
          );
      });
    }

    test("the comparison finds a wrong export (masked_eq operands swapped)", () => {
      const plan = examplePlan("hello.yaml");
      const profile = dockerProfile(plan);
      const syscalls = profile.syscalls as { names: string[]; args?: Json[] }[];
      const ioctl = syscalls.find(
        (s) => s.names[0] === "ioctl" && s.args?.[0]?.op === "SCMP_CMP_MASKED_EQ",
      );
      assert.ok(ioctl?.args?.[0]);
      const arg = ioctl.args[0];
      [arg.value, arg.valueTwo] = [arg.valueTwo, arg.value];
      const diff = differences(n, "x86_64", plan.seccomp, imported(profile, "x86_64", plan));
      assert.ok(
        diff.some((d) => d.startsWith("ioctl(")),
        diff.join("\n"),
      );
    });

    test("masked_eq is written as Docker does: value is the mask, valueTwo the compared value", () => {
      const profile = dockerProfile(examplePlan("hello.yaml"));
      const syscalls = profile.syscalls as {
        names: string[];
        action: string;
        errnoRet?: number;
        args?: Json[];
        comment?: string;
      }[];
      const tiocsti = syscalls.find(
        (s) => s.names[0] === "ioctl" && s.args?.[0]?.valueTwo === 0x5412,
      );
      assert.deepEqual(tiocsti, {
        names: ["ioctl"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: 1,
        args: [{ index: 1, value: 0xffffffff, valueTwo: 0x5412, op: "SCMP_CMP_MASKED_EQ" }],
        comment: tiocsti?.comment,
      });
      assert.equal(profile.defaultAction, "SCMP_ACT_ERRNO");
      assert.equal(profile.defaultErrnoRet, 38);
    });
  },
);

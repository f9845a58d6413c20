/** For every example's plan, on x86_64 and aarch64: the compiled filter allows exactly what the
 * plan allows (with its argument rules) and gives everything else the plan's default action; on
 * x86_64 the kernel agrees with the simulator. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseApp } from "../../src/appspec/load.js";
import { makePlan } from "../../src/plan/make.js";
import type { SeccompSpec } from "../../src/plan/types.js";
import { simulate, type SeccompAction } from "../../src/seccomp/bpf.js";
import { compileFilters, errnoNumber } from "../../src/seccomp/compile.js";
import { loadNative } from "../../src/native/seccomp.js";
import {
  expectedVerdict,
  interestingArgs,
  rulesFor,
  type Verdict,
} from "../../src/seccomp/verdict.js";
import { debianAccounts, debianHost } from "../fixtures/hosts.js";
import { root, tempDir } from "../helpers.js";

const native = loadNative({ optional: true });
const accounts = debianAccounts;
const examples = readdirSync(join(root, "examples")).filter(
  (f) => f.endsWith(".yaml") && !f.endsWith(".profile.yaml"),
);

function planOf(example: string): SeccompSpec {
  const file = join(root, "examples", example);
  return makePlan(parseApp(readFileSync(file, "utf8"), file), { host: debianHost, accounts }).plan
    .seccomp;
}

function same(got: SeccompAction, want: Verdict): boolean {
  if (want.action === "errno")
    return got.action === "errno" && got.data === errnoNumber(want.errno ?? "EPERM");
  if (want.action === "notify") return got.action === "user_notif";
  return got.action === want.action;
}

describe(
  "compiled filters of the examples' plans",
  { skip: native ? false : "the native addon is not built" },
  () => {
    for (const example of examples) {
      for (const arch of ["x86_64", "aarch64"]) {
        test(`${example} on ${arch}: every syscall number gets the plan's verdict`, () => {
          const spec = planOf(example);
          const [filter] = compileFilters(spec, native, [arch]);
          assert.ok(filter);
          let checked = 0;
          for (let nr = 0; nr < 1000; nr++) {
            const name = native?.syscallName(arch, nr);
            if (!name) {
              assert.ok(
                same(simulate(filter.bpf, { arch, nr }), spec.defaultAction),
                `unnamed nr ${nr}`,
              );
              continue;
            }
            for (const args of interestingArgs(rulesFor(spec, name))) {
              const want = expectedVerdict(spec, name, args);
              const got = simulate(filter.bpf, { arch, nr, args });
              assert.ok(
                same(got, want),
                `${name} (${nr}) args [${args.join(", ")}]: filter ${got.action}/${got.data}, plan ${want.action}/${want.errno ?? ""}`,
              );
              checked++;
            }
          }
          assert.ok(checked > 300, `only ${checked} cases`);
          // Another ABI is killed.
          assert.equal(
            simulate(filter.bpf, { arch: arch === "x86_64" ? "aarch64" : "x86_64", nr: 0 }).action,
            "kill_process",
          );
        });
      }
    }

    test("names that do not exist on an architecture are skipped there and reported", () => {
      const spec = planOf("hello.yaml");
      const [x86, arm] = compileFilters(spec, native, ["x86_64", "aarch64"]);
      assert.deepEqual(
        x86?.skipped.filter((n) => ["open", "stat", "fork"].includes(n)),
        [],
      );
      for (const n of ["open", "stat", "lstat", "fork", "vfork", "pipe", "select", "access"]) {
        assert.ok(arm?.skipped.includes(n), `${n} skipped on aarch64`);
      }
    });

    test("the same plan compiles to the same bytes", () => {
      const spec = planOf("python-web.yaml");
      const a = compileFilters(spec, native, ["x86_64", "aarch64"]);
      const b = compileFilters(spec, native, ["x86_64", "aarch64"]);
      assert.deepEqual(
        a.map((f) => f.bpf.toString("hex")),
        b.map((f) => f.bpf.toString("hex")),
      );
    });
  },
);

describe(
  "the kernel agrees with the simulator (x86_64)",
  { skip: process.arch !== "x64" ? "x86_64 only" : native ? false : "no addon" },
  () => {
    const tmp = tempDir("kernel");
    const runner = join(tmp.dir, "seccomp-run");
    before(() => {
      execFileSync("cc", ["-O2", "-o", runner, join(root, "test/fixtures/seccomp-run.c")]);
    });
    after(() => tmp.remove());

    // Calls that are harmless when allowed: they fail on bad descriptors or only read.
    const calls: { name: string; args: bigint[] }[] = [
      { name: "getpid", args: [] },
      { name: "getppid", args: [] },
      { name: "getcpu", args: [0n, 0n, 0n] },
      { name: "mount", args: [0n, 0n, 0n, 0n, 0n] },
      { name: "unshare", args: [0x10000000n] },
      { name: "ptrace", args: [0n, 0n, 0n, 0n] },
      { name: "ioctl", args: [0xffffn, 0x5412n, 0n] },
      { name: "ioctl", args: [0xffffn, 0x1_0000_5412n, 0n] },
      { name: "ioctl", args: [0xffffn, 0x5413n, 0n] },
      { name: "socket", args: [1n, 1n, 0n] },
      { name: "socket", args: [2n, 1n, 0n] },
      { name: "socket", args: [16n, 3n, 0n] },
      { name: "socket", args: [16n, 3n, 9n] },
      { name: "clone3", args: [0n, 0n] },
      { name: "personality", args: [0xffffffffn] },
      { name: "io_uring_setup", args: [0n, 0n] },
    ];

    for (const example of examples) {
      test(`${example}: ${calls.length} calls, the same verdict in the kernel and the simulator`, () => {
        const spec = planOf(example);
        const [filter] = compileFilters(spec, native, ["x86_64"]);
        assert.ok(filter);
        const prog = join(tmp.dir, `${example}.bpf`);
        writeFileSync(prog, filter.bpf);
        for (const c of calls) {
          const nr = native?.syscallNumber("x86_64", c.name) ?? -1;
          const sim = simulate(filter.bpf, { arch: "x86_64", nr, args: c.args });
          const out = execFileSync(
            runner,
            [prog, String(nr), ...c.args.map((a) => `0x${a.toString(16)}`)],
            { encoding: "utf8" },
          ).trim();
          const errno = Number(/errno (\d+)/.exec(out)?.[1] ?? -1);
          const label = `${c.name}(${c.args.map((a) => `0x${a.toString(16)}`).join(", ")}): kernel "${out}", simulator ${sim.action}/${sim.data}`;
          if (sim.action === "errno") assert.equal(errno, sim.data, label);
          else {
            assert.equal(sim.action, "allow", label);
            assert.notEqual(errno, 38, `${label}: allowed, yet ENOSYS`);
          }
        }
      });
    }
  },
);

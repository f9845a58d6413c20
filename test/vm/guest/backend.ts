/** How the shared suites run in the VM (test/vm): Debian 12's own kernel (6.1) under emulation. */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cli } from "../../helpers.js";
import type { Backend } from "../../shared/fixtures.js";

export const vmBackend: Backend = {
  // Linux 6.1 has Landlock ABI 2: file system rules, no TCP port rules (ABI 4, Linux 6.7).
  appExtra: "bestEffort: [landlock]\n",
  // One secure-run call costs several seconds under TCG.
  timeoutMs: 240_000,
};

/** What the launcher uses that came late to Linux, as this kernel has it. */
export function kernelChecks(): void {
  test("the kernel: cgroup v2 files the launcher uses, and Landlock's ABI", () => {
    writeFileSync("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids +cpu");
    const dir = join("/sys/fs/cgroup", `srtest-kernel-${process.pid}`);
    mkdirSync(dir);
    try {
      assert.match(readFileSync(join(dir, "cgroup.controllers"), "utf8"), /memory/);
      // memory.peak (5.19) for the exit report; cgroup.kill (5.14) for the clean-up.
      assert.ok(existsSync(join(dir, "memory.peak")), "memory.peak");
      assert.ok(existsSync(join(dir, "cgroup.kill")), "cgroup.kill");
    } finally {
      rmdirSync(dir);
    }
    const doctor = JSON.parse(cli(["doctor", "--json"], { timeout: 240_000 }).stdout) as {
      facts: { kernel: string; landlock: { abi: number | null }; cgroup: { version: number } };
    };
    assert.match(doctor.facts.kernel, /^6\.1\./);
    assert.equal(doctor.facts.cgroup.version, 2);
    assert.equal(doctor.facts.landlock.abi, 2);
  });
}

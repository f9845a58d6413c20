/** Issue 14, item 8: the bundle parser fuzzed (libFuzzer, ASan, UBSan) for a bounded time from
 * the seed corpus in native/tests/fuzz/corpus/bundle. A crash fails with the crashing input. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

const tests = join(root, "native/tests");
const seconds = Number(process.env.SECURE_RUN_FUZZ_SECONDS ?? "30");
const clang = spawnSync("clang", ["--version"], { encoding: "utf8" }).status === 0;

/** An input as text a reader can follow: printable ASCII as is, the rest escaped. */
function shown(data: Buffer): string {
  let s = "";
  for (const b of data.subarray(0, 4096))
    s +=
      b === 0x0a
        ? "\\n\n"
        : b >= 0x20 && b < 0x7f
          ? String.fromCharCode(b)
          : `\\x${b.toString(16).padStart(2, "0")}`;
  return data.length > 4096 ? `${s}… (${data.length} bytes)` : s;
}

test(
  `the bundle parser survives ${seconds} s of fuzzing under ASan and UBSan (make -C native/tests fuzz)`,
  { skip: clang ? false : "clang is not installed (scripts/setup.sh --test installs it)" },
  (t) => {
    const seeds = readdirSync(join(tests, "fuzz/corpus/bundle")).length;
    const r = spawnSync("make", ["-s", "-C", tests, "fuzz", `FUZZ_SECONDS=${seconds}`], {
      encoding: "utf8",
      timeout: (seconds + 180) * 1000,
      maxBuffer: 64 << 20,
    });
    const out = join(tests, "out");
    const crashes = existsSync(out)
      ? readdirSync(out).filter((n) => n.startsWith("fuzz-crash-"))
      : [];
    if (r.status !== 0 || crashes.length > 0) {
      const inputs = crashes.map(
        (c) =>
          `--- ${join(out, c)} (run native/tests/out/fuzz_bundle on it to reproduce):\n${shown(readFileSync(join(out, c)))}`,
      );
      const log = `${r.stdout}${r.stderr}`.split("\n");
      const report = log.filter((l) => /ERROR|SUMMARY|runtime error|#\d+ 0x/.test(l)).slice(0, 40);
      assert.fail(
        `the bundle parser failed under fuzzing (make status ${r.status}, signal ${r.signal}):\n` +
          `${report.join("\n") || log.slice(-40).join("\n")}\n${inputs.join("\n") || "(no crashing input was written)"}`,
      );
    }
    const execs = /stat::number_of_executed_units:\s*(\d+)/.exec(r.stderr + r.stdout);
    assert.ok(execs, `no libFuzzer statistics in the output:\n${r.stderr.slice(-2000)}`);
    assert.ok(Number(execs[1]) > 1000, `only ${execs[1]} executions in ${seconds} s`);
    t.diagnostic(`${execs[1]} executions in ${seconds} s from ${seeds} seeds, no crash`);
  },
);

/** The exec addon's posix_spawn of a detached supervisor (src/instances/lifecycle.ts starts every
 * instance with it): what the child gets, what it does not inherit, and its end. */
import assert from "node:assert/strict";
import { closeSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { test } from "node:test";
import { execAddon } from "../../src/native/exec.cjs";

const addon = execAddon();
const skip = addon ? false : "the exec addon is not built";

/** The pipe's text up to its end (the child closed its descriptor 3, or ended). */
function readAll(fd: number): string {
  const buf = Buffer.alloc(4096);
  let out = "";
  for (let n; (n = readSync(fd, buf)) > 0;) out += buf.toString("utf8", 0, n);
  closeSync(fd);
  return out;
}

async function ended(pid: number): Promise<{ code: number | null; signal: string | null }> {
  for (let i = 0; i < 500; i++) {
    const end = addon?.reap(pid);
    if (end) return end;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${pid} did not end`);
}

test(
  "a spawned child: its own session, /dev/null for stdio, the pipe as fd 3, default signals",
  { skip },
  async () => {
    if (!addon) return;
    // The shell becomes grep (exec): what it reports is the spawned process's own state.
    const probe = addon.spawnDetached(
      "/bin/sh",
      ["/bin/sh", "-c", 'exec grep -E "^(PPid|NSsid|SigIgn|SigBlk)" /proc/self/status >&3'],
      [],
    );
    const out = readAll(probe.fd);
    assert.equal(Number(/PPid:\s+(\d+)/.exec(out)?.[1]), process.pid, "this process's child");
    assert.equal(Number(/NSsid:\s+(\d+)/.exec(out)?.[1]), probe.pid, "a session of its own");
    // Node ignores SIGPIPE; glibc's posix_spawn leaves its own two (32, 33) ignored, which a
    // glibc program sets up again.
    const ignored = BigInt(`0x${/SigIgn:\s+([0-9a-f]+)/.exec(out)?.[1] ?? "ff"}`);
    assert.equal(ignored & ~0x180000000n, 0n, "no signal ignored");
    assert.match(out, /SigBlk:\s+0+\n/, "no signal blocked");
    assert.deepEqual(await ended(probe.pid), { code: 0, signal: null });

    const { pid, fd } = addon.spawnDetached(
      "/bin/sh",
      ["/bin/sh", "-c", "echo ready >&3; exec 3>&-; sleep 0.3; exit 7"],
      ["A=1"],
    );
    assert.equal(readAll(fd), "ready\n", "descriptor 3 is the pipe");
    assert.equal(addon.reap(pid), null, "running");
    for (const n of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${n}`), "/dev/null");
    assert.equal(
      readFileSync(`/proc/${pid}/environ`, "utf8"),
      "A=1\0",
      "only the environment given",
    );
    assert.deepEqual(await ended(pid), { code: 7, signal: null });
    assert.throws(() => addon.reap(pid), /waitpid/, "reaped once");
  },
);

test("a child killed by a signal, and a program that cannot run", { skip }, async () => {
  if (!addon) return;
  const { pid, fd } = addon.spawnDetached("/bin/sleep", ["/bin/sleep", "60"], []);
  process.kill(pid, "SIGTERM");
  assert.deepEqual(await ended(pid), { code: null, signal: "SIGTERM" });
  assert.equal(readAll(fd), "", "the pipe ends with the child");
  assert.throws(
    () => addon.spawnDetached("/nonexistent/supervisor", ["x"], []),
    (e: NodeJS.ErrnoException) =>
      e.code === "ERR_EXEC_SYSTEM" &&
      /posix_spawn \/nonexistent\/supervisor: No such file/.test(e.message),
  );
  assert.throws(() => addon.spawnDetached("/bin/true", [], []), /argv is empty/);
});

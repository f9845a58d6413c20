/** Hostile hosts (issue 14): what the caller hands the launcher without meaning to, and the
 * launcher's own end. Descriptors left open without O_CLOEXEC and a working directory through
 * one (CVE-2024-21626), the caller's session keyring, the host's abstract unix sockets on the
 * host's network (CVE-2020-15257), and signals at teardown. */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { hostFacts } from "../../src/host/facts.js";
import { leftoverCgroups, root, rootless, tempDir } from "../helpers.js";
import {
  assertNothingLeft,
  launch,
  skipUnlessRoot,
  snapshot,
  launcher,
  variants,
} from "./common.js";

const tmp = tempDir("hostile-proc");
const probe = join(tmp.dir, "proc-probe");
/** A root with the probe, /proc, and /esc -> /proc/self/fd/3. */
const rootfs = join(tmp.dir, "rootfs");
/** A host directory the caller holds open. */
const hostDir = join(tmp.dir, "host-secret");
const marker = "proc-probe";

before(() => {
  if (skipUnlessRoot) return;
  // The mapped root of the user-namespace variant must reach the probe and the rootfs.
  chmodSync(tmp.dir, 0o755);
  execFileSync("cc", [
    "-O2",
    "-Wall",
    "-static",
    "-o",
    probe,
    join(root, "test/hostile/proc-probe.c"),
  ]);
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  mkdirSync(join(rootfs, "proc"));
  execFileSync("cp", [probe, join(rootfs, "bin/proc-probe")]);
  symlinkSync("/proc/self/fd/3", join(rootfs, "esc"));
  mkdirSync(hostDir);
});
after(() => {
  tmp.remove();
});

/** The variant's arguments on the host's network (no "net" in --unshare). */
function hostNetwork(args: string[]): string[] {
  const i = args.indexOf("--unshare");
  const out = [...args];
  out[i + 1] = (args[i + 1] ?? "")
    .split(",")
    .filter((n) => n !== "net")
    .join(",");
  return out;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .split(" ")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function exe(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return "";
  }
}

describe("descriptors the caller left open", { skip: skipUnlessRoot }, () => {
  for (const v of variants) {
    test(`${v.name}: neither init nor the app holds a host directory inherited without O_CLOEXEC`, async () => {
      const before = snapshot([tmp.dir], marker);
      const dirFd = openSync(hostDir, "r");
      const child = spawn(launcher, [...v.args, "--", probe, "sleep", "3000"], {
        stdio: ["ignore", "pipe", "pipe", dirFd],
      });
      closeSync(dirFd);
      const ended = new Promise<number | null>((resolve) => child.on("close", resolve));
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      const launcherPid = child.pid ?? -1;
      let init = -1;
      let app = -1;
      for (let i = 0; i < 200 && app < 0; i++) {
        init = children(launcherPid)[0] ?? -1;
        const a = init > 0 ? (children(init)[0] ?? -1) : -1;
        if (a > 0 && exe(a) === probe) app = a;
        else await sleep(20);
      }
      try {
        assert.ok(app > 0, `the app did not start: ${stderr}`);
        // The caller's descriptor did reach the launcher: the scenario is real.
        assert.ok(
          fdTargets(launcherPid).includes(hostDir),
          "the launcher never got the descriptor",
        );
        if (rootless)
          // Init is not dumpable and its user namespace maps no id to the caller's as root:
          // the caller cannot even list init's descriptors (nor ptrace it).
          assert.throws(() => fdTargets(init), { code: "EACCES" });
        else assert.ok(!fdTargets(init).includes(hostDir), `init (pid ${init}) holds ${hostDir}`);
        assert.ok(!fdTargets(app).includes(hostDir), `the app (pid ${app}) holds ${hostDir}`);
      } finally {
        child.kill("SIGTERM");
        await ended;
      }
      assertNothingLeft(before, v.name);
    });

    test(`${v.name}: a working directory through an inherited descriptor or a magic link in the image is refused`, () => {
      const before = snapshot([tmp.dir], marker);
      const mounts = ["--ro-bind", rootfs, "/", "--proc", "/proc"];
      const run = (cwd: string) => {
        const dirFd = openSync(hostDir, "r");
        try {
          return spawnSync(
            launcher,
            [...v.args, ...mounts, "--cwd", cwd, "--", "/bin/proc-probe", "cwd"],
            { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe", dirFd] },
          );
        } finally {
          closeSync(dirFd);
        }
      };
      const ok = run("/bin");
      assert.equal(ok.stdout, "cwd /bin\n", ok.stderr);
      for (const cwd of ["/proc/self/fd/3", "/esc"]) {
        const r = run(cwd);
        assert.equal(r.status, 125, `--cwd ${cwd}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /step "cwd".*magic link/);
      }
      assertNothingLeft(before, v.name);
    });
  }
});

describe("the caller's session keyring", { skip: skipUnlessRoot }, () => {
  const desc = `secure-run-hostile-${process.pid}`;
  test("the probe reads a key its caller added (control)", () => {
    const r = spawnSync(probe, ["with-key", desc, "hunter2", probe, "keyread", desc], {
      encoding: "utf8",
    });
    assert.equal(r.stdout, "key hunter2\n");
  });
  for (const v of variants) {
    test(`${v.name}: the app does not see the key its caller added to the session keyring`, () => {
      const before = snapshot([tmp.dir], marker);
      const r = spawnSync(
        probe,
        ["with-key", desc, "hunter2", launcher, ...v.args, "--", probe, "keyread", desc],
        { encoding: "utf8", timeout: 30_000 },
      );
      assert.equal(r.stdout, "key errno ENOKEY\n", r.stderr);
      assertNothingLeft(before, v.name);
    });
  }
});

const abi = hostFacts().landlock.abi ?? 0;
describe(
  "abstract unix sockets and signals outside the sandbox",
  { skip: skipUnlessRoot || (abi < 6 && `Landlock ABI ${abi}: no scopes (before 6)`) },
  () => {
    for (const v of variants) {
      test(`${v.name}, host network: the app cannot connect to the host's abstract socket nor signal init`, async () => {
        const before = snapshot([tmp.dir], marker);
        const name = `secure-run-hostile-${process.pid}`;
        const server = createServer((c) => c.end());
        await new Promise<void>((resolve) => server.listen(`\0${name}`, resolve));
        try {
          const args = hostNetwork(v.args);
          const open = launch([...args, "--", probe, "abstract", name]);
          assert.equal(open.stdout, "abstract ok\n", `without scopes (control): ${open.stderr}`);
          const scope = ["--landlock-scope", "abstract-unix,signal"];
          const r = launch([...args, ...scope, "--", probe, "abstract", name]);
          assert.equal(r.stdout, "abstract errno EPERM\n", r.stderr);
          const s = launch([...args, ...scope, "--", probe, "signal", "1"]);
          assert.equal(s.stdout, "signal errno EPERM\n", s.stderr);
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
        assertNothingLeft(before, v.name);
      });
    }
  },
);

describe("signals at teardown", { skip: skipUnlessRoot }, () => {
  const signals = ["SIGUSR1", "SIGTERM", "SIGHUP"] as const;
  const signalNumbers = { SIGUSR1: 10, SIGTERM: 15, SIGHUP: 1 };
  for (const v of variants) {
    test(`${v.name}: 15 launches signalled around their end all report and leave no cgroup`, async () => {
      const before = snapshot([tmp.dir], marker);
      const failures: string[] = [];
      for (let run = 0; run < 15; run++) {
        const sig = signals[run % signals.length] ?? "SIGTERM";
        const child = spawn(
          launcher,
          [...v.args, "--name", "hostile-teardown", "--report-fd", "3", "--", probe, "sleep", "40"],
          { stdio: ["ignore", "ignore", "pipe", "pipe"] },
        );
        let report = "";
        let stderr = "";
        child.stdio[3]?.on("data", (d: Buffer) => (report += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
          child.on("exit", (code, signal) => resolve([code, signal])),
        );
        const closed = new Promise((resolve) => child.on("close", resolve));
        // From a random moment around the app's end until the launcher is gone, every 200 us
        // (through a pidfd taken while the launcher is surely alive: its parent is this process).
        const pester = spawn(
          probe,
          [
            "pester",
            String(signalNumbers[sig]),
            String(child.pid),
            String(20 + Math.floor(Math.random() * 40)),
          ],
          { stdio: "ignore" },
        );
        const pestered = new Promise((resolve) => pester.on("close", resolve));
        const [code, signal] = await ended;
        await closed;
        await pestered;
        // This launch's cgroup only: other suites may run on the host meanwhile.
        const cgroups = leftoverCgroups().filter((c) =>
          c.endsWith(`/secure-run-hostile-teardown-${child.pid}`),
        );
        if (signal !== null || !report.startsWith('{"status":') || cgroups.length > 0)
          failures.push(
            `run ${run} (${sig}): exit ${code} signal ${signal}, report ${JSON.stringify(report)}, cgroups ${cgroups.join(" ")} ${stderr}`,
          );
        if (cgroups.length > 0) break; // the next runs would only repeat it
      }
      assert.deepEqual(failures, []);
      assertNothingLeft(before, v.name);
    });
  }
});

/** The cgroup checks of real launches, one suite for every cgroup driver: the host's tests run it
 * for the driver of this machine, the VM lane (test/vm) for cgroup v2. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cgroupHierarchies } from "../../src/host/cgroups.js";
import { prepareRun } from "../../src/launch/prepare.js";
import { runPlan } from "../../src/launch/run.js";
import { paths } from "../../src/paths.cjs";
import { cli, leftoverCgroups, spawnCli, type CliResult } from "../helpers.js";
import { appFixtures, exitReports, said, type Backend } from "./fixtures.js";

export interface CgroupBackend extends Backend {
  /** The driver the launcher picks on this host. */
  driver: "v1" | "v2";
}

const MiB = 2 ** 20;

/** The app's cgroup directories (one per v1 hierarchy, one on v2) while it runs. */
function appCgroups(name: string): string[] {
  const re = new RegExp(`^secure-run-${name}-\\d+$`);
  return cgroupHierarchies().flatMap((h) => {
    try {
      return readdirSync(h.ownDir)
        .filter((e) => re.test(e))
        .map((e) => join(h.ownDir, e));
    } catch {
      return [];
    }
  });
}

/** The first line of FILE in one of DIRS that has it. */
function readIn(dirs: string[], file: string): string | undefined {
  for (const d of dirs) {
    try {
      return readFileSync(join(d, file), "utf8").trim();
    } catch {
      // not in this hierarchy
    }
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `what` until it gives a value (null: stop polling) or `ms` have passed. */
async function until<T>(
  what: () => T | null | undefined,
  ms: number,
): Promise<T | null | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = what();
    if (v !== undefined) return v;
  }
  return undefined;
}

/** What the freezer of the instance's cgroup says, in the driver's own words: v1
 * "freezer.state FROZEN"; v2 "cgroup.freeze 1, frozen 1" (the request, and cgroup.events' word
 * that every process is frozen). */
function freezerState(driver: "v1" | "v2", dirs: Record<string, string>): string {
  if (driver === "v1") {
    const dir = dirs.freezer;
    return `freezer.state ${(dir && readIn([dir], "freezer.state")) ?? "(no freezer cgroup)"}`;
  }
  const dir = dirs.unified;
  if (!dir) return "(no unified cgroup)";
  const events = readIn([dir], "cgroup.events") ?? "";
  const frozen = /^frozen (\d)$/m.exec(events)?.[1] ?? "?";
  return `cgroup.freeze ${readIn([dir], "cgroup.freeze") ?? "?"}, frozen ${frozen}`;
}

/** The limit files of each driver and what the plan's numbers read as there. */
const limitFiles = {
  v1: { memory: "memory.limit_in_bytes", pids: "pids.max", cpu: "cpu.cfs_quota_us" },
  v2: { memory: "memory.max", pids: "pids.max", cpu: "cpu.max" },
};

export function cgroupSuite(backend: CgroupBackend): void {
  const fx = appFixtures(`cgroup-${backend.driver}`, backend);
  const slow = backend.timeoutMs ?? 60_000;
  const v2only = backend.driver === "v2" ? false : "cgroup v2 only";

  describe(`cgroup ${backend.driver}`, () => {
    after(() => {
      fx.remove();
    });

    test("a memory hog is killed by the memory limit, and the exit report says so", () => {
      const r = fx.run([
        "run",
        "--json",
        fx.app("memhog", ["/opt/probe/probe", "memhog", "512"], "resources: { memory: 32Mi }\n"),
      ]);
      assert.equal(r.status, 137, said(r));
      assert.match(r.stderr, /memhog was killed by its memory limit \(32Mi\)/);
      assert.doesNotMatch(r.stdout, /touched/);
      const [report] = exitReports(r.stderr);
      assert.ok(report, r.stderr);
      assert.equal(report.oomKilled, true);
      assert.equal(report.cgroup?.driver, backend.driver);
      assert.ok((report.cgroup?.oomKills ?? 0) >= 1, JSON.stringify(report));
      const peak = report.cgroup?.memoryPeak ?? -1;
      assert.ok(peak > 16 * MiB && peak <= 33 * MiB, `memoryPeak ${peak}`);
    });

    test("an OOM kill of one process ends the whole app", () => {
      const r = fx.run([
        "run",
        "--json",
        fx.app(
          "oomgroup",
          ["/opt/probe/probe", "oomchild", "256"],
          "resources: { memory: 32Mi }\nsyscalls: { hints: [spawns] }\n",
        ),
      ]);
      assert.equal(r.status, 137, said(r));
      assert.doesNotMatch(r.stdout, /parent survived/);
      assert.match(r.stderr, /oomgroup was killed by its memory limit/);
      assert.equal(exitReports(r.stderr)[0]?.oomKilled, true, r.stderr);
    });

    test("a fork loop is stopped by the pids limit, and the exit report counts it", () => {
      const r = fx.run([
        "run",
        "--json",
        fx.app(
          "forkloop",
          ["/opt/probe/probe", "forkloop", "200"],
          "syscalls: { profiles: [process] }\nresources: { pids: 16 }\n",
        ),
      ]);
      const m = /forkloop: (\d+) forks, then errno 11 \(EAGAIN\)/.exec(r.stdout);
      assert.ok(m, said(r));
      // init and the probe count too.
      assert.ok(Number(m[1]) <= 14, r.stdout);
      assert.ok((exitReports(r.stderr)[0]?.cgroup?.pidsLimitHits ?? 0) >= 1, r.stderr);
    });

    test("memory, pids and cpu limits are written to the app's cgroup", async () => {
      const file = fx.app(
        "limits",
        ["/bin/sleep", "600"],
        "resources: { memory: 48Mi, pids: 20, cpu: 0.25 }\n",
      );
      const child = spawnCli(["run", file], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise((r) => child.on("exit", r));
      try {
        const files = limitFiles[backend.driver];
        const seen = await until(() => {
          if (child.exitCode !== null) return null; // ended early: it failed
          const dirs = appCgroups("limits");
          const values = [files.memory, files.pids, files.cpu].map((f) => readIn(dirs, f));
          return values.every((v) => v !== undefined) ? values : undefined;
        }, slow);
        assert.ok(seen, `secure-run ended before its cgroup was seen: ${stderr}`);
        assert.deepEqual(
          seen,
          backend.driver === "v1"
            ? [String(48 * MiB), "20", "25000"]
            : [String(48 * MiB), "20", "25000 100000"],
        );
        if (backend.driver === "v2") {
          const dirs = appCgroups("limits");
          assert.equal(readIn(dirs, "memory.oom.group"), "1", "an OOM kill ends the whole app");
          const swap = readIn(dirs, "memory.swap.max");
          if (swap !== undefined) assert.equal(swap, "0");
        }
      } finally {
        child.kill("SIGTERM");
        await exited;
      }
    });

    test("the exit report of a normal end: the driver, peak memory, no OOM kill", () => {
      const r = fx.run(["run", "--json", fx.app("stats", ["/opt/probe/probe", "memhog", "8"])]);
      assert.equal(r.status, 0, said(r));
      assert.match(r.stdout, /memhog: touched 8 MiB/);
      const [report] = exitReports(r.stderr);
      assert.ok(report, r.stderr);
      assert.equal(report.status, "exited");
      assert.equal(report.oomKilled, false);
      assert.equal(report.cgroup?.driver, backend.driver);
      // The fast ways in: born in the cgroup on v2, joined by init itself on v1 (a pid written
      // by the supervisor waits for an RCU grace period).
      assert.equal(report.cgroup?.placement, backend.driver === "v2" ? "clone" : "joined");
      assert.equal(report.cgroup?.oomKills, 0);
      assert.ok((report.cgroup?.memoryPeak ?? 0) >= 8 * MiB, JSON.stringify(report));
    });

    test("pause freezes a detached app (its log stops growing), unpause thaws it, rm -f leaves nothing", async () => {
      // Detached instances keep their state in a directory of the fixtures' (the guest of the VM
      // lanes can write only its tmpfs).
      const state = join(fx.dir, "state");
      const env = { ...process.env, SECURE_RUN_STATE_DIR: state };
      const sr = (args: string[]): CliResult => cli(args, { env, timeout: slow });
      // A line every 0.2 s: a loop that sleeps, not one that spins (the machines have few cores).
      const file = fx.app(
        "pauser",
        ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"],
        "syscalls: { profiles: [process] }\n",
      );
      const r = sr(["run", "-d", file]);
      assert.equal(r.status, 0, said(r));
      const id = r.stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/, said(r));
      const log = join(state, "instances", id, "log");
      const size = (): number => (existsSync(log) ? statSync(log).size : 0);
      let dirs: Record<string, string> = {};
      let removed = false;
      try {
        assert.ok(await until(() => (size() > 0 ? true : undefined), slow), "the app's first line");

        const p = sr(["pause", id]);
        assert.equal(p.status, 0, said(p));
        const i = sr(["inspect", id]);
        assert.equal(i.status, 0, said(i));
        const [seen] = JSON.parse(i.stdout) as {
          status: string;
          cgroup: { driver: "v1" | "v2"; dirs: Record<string, string> } | null;
        }[];
        assert.equal(seen?.status, "paused", i.stdout);
        assert.equal(seen.cgroup?.driver, backend.driver, i.stdout);
        dirs = seen.cgroup.dirs;
        assert.equal(
          freezerState(backend.driver, dirs),
          backend.driver === "v1" ? "freezer.state FROZEN" : "cgroup.freeze 1, frozen 1",
        );
        // Whatever the app wrote before the freeze has reached the log by now (inspect ran since).
        const frozenAt = size();
        const st = sr(["stats", "--no-stream", "--json", id]);
        assert.equal(st.status, 0, said(st));
        const [stats] = JSON.parse(st.stdout) as { pids: number; memory: number }[];
        assert.ok((stats?.pids ?? 0) >= 2, `stats: init and the app (${st.stdout})`);
        assert.ok((stats?.memory ?? 0) > 0, `stats: memory in use (${st.stdout})`);
        await sleep(1500);
        assert.equal(size(), frozenAt, "not one more line while paused");

        const u = sr(["unpause", id]);
        assert.equal(u.status, 0, said(u));
        assert.equal(
          freezerState(backend.driver, dirs),
          backend.driver === "v1" ? "freezer.state THAWED" : "cgroup.freeze 0, frozen 0",
        );
        assert.ok(
          await until(() => (size() > frozenAt ? true : undefined), slow),
          "the log grows again",
        );
        const ps = sr(["ps", "--json"]);
        assert.equal(ps.status, 0, said(ps));
        const listed = (JSON.parse(ps.stdout) as { id: string; status: string }[]).find(
          (e) => e.id === id,
        );
        assert.equal(listed?.status, "running", ps.stdout);

        const rm = sr(["rm", "-f", id]);
        assert.equal(rm.status, 0, said(rm));
        removed = true;
      } finally {
        if (!removed) sr(["rm", "-f", id]);
      }
      assert.equal(existsSync(join(state, "instances", id)), false, "the instance is gone");
      // Its own cgroups, by name (the suite's last test looks for any secure-run cgroup).
      assert.ok(Object.keys(dirs).length > 0, "the instance had cgroups");
      for (const d of Object.values(dirs)) assert.equal(existsSync(d), false, `${d} removed`);
    });

    describe("cgroup v2: the no-internal-process rule", { skip: v2only }, () => {
      const own = cgroupHierarchies().find((h) => h.version === 2)?.ownDir ?? "/sys/fs/cgroup";
      const wanted = ["memory", "pids", "cpu"];
      let added: string[] = [];

      /** A cgroup below the own one, offered the controllers; undefined when that cannot be. */
      const testCgroup = (name: string): string | undefined => {
        const enabled = readFileSync(join(own, "cgroup.subtree_control"), "utf8").split(/\s+/);
        const missing = wanted.filter((c) => !enabled.includes(c));
        try {
          if (missing.length > 0)
            writeFileSync(
              join(own, "cgroup.subtree_control"),
              missing.map((c) => `+${c}`).join(" "),
            );
        } catch {
          return undefined; // the own cgroup holds processes: only the root may then delegate
        }
        added = [...added, ...missing];
        const dir = join(own, `srtest-${name}-${process.pid}`);
        mkdirSync(dir);
        return dir;
      };
      after(() => {
        if (added.length > 0)
          writeFileSync(join(own, "cgroup.subtree_control"), added.map((c) => `-${c}`).join(" "));
      });

      /** A launcher that first moves itself into `cg`. */
      const launcherIn = (cg: string): string => {
        const wrapper = fx.write(
          `launch-in-${cg.split("/").pop() ?? ""}.sh`,
          `#!/bin/sh\necho $$ > ${cg}/cgroup.procs || exit 125\nexec ${paths.launcher} "$@"\n`,
        );
        chmodSync(wrapper, 0o755);
        return wrapper;
      };

      const removeCgroup = async (dir: string): Promise<void> => {
        for (let i = 0; i < 50 && existsSync(dir); i++) {
          try {
            rmdirSync(dir);
          } catch {
            await sleep(100);
          }
        }
      };

      test("a launcher alone in its cgroup moves into a leaf so that cgroup can delegate, and moves back", async (t) => {
        const cg = testCgroup("leaf");
        if (!cg) {
          t.skip("the own cgroup cannot delegate controllers (it holds processes)");
          return;
        }
        try {
          const prepared = prepareRun(
            fx.app(
              "leaf",
              ["/bin/sleep", "4"],
              "resources: { memory: 64Mi, pids: 32, cpu: 0.5 }\n",
            ),
          );
          const running = runPlan(prepared.plan, prepared.filter.bpf, {
            landlockAbi: prepared.host.landlock.abi ?? 0,
            launcher: launcherIn(cg),
          });
          let done = false;
          void running.finally(() => (done = true));
          const seen = await until(() => {
            if (done) return null;
            const entries = readdirSync(cg);
            const leaf = entries.find((e) => /^secure-run-launcher-\d+$/.test(e));
            const app = entries.find((e) => /^secure-run-leaf-\d+$/.test(e));
            if (!leaf || !app) return undefined;
            return {
              launcher: leaf.slice("secure-run-launcher-".length),
              leafProcs: readFileSync(join(cg, leaf, "cgroup.procs"), "utf8").trim(),
              delegated: readFileSync(join(cg, "cgroup.subtree_control"), "utf8").trim(),
              processes: readFileSync(join(cg, "cgroup.procs"), "utf8").trim(),
              cpu: readFileSync(join(cg, app, "cpu.max"), "utf8").trim(),
            };
          }, slow);
          const { exitCode, report } = await running;
          assert.ok(seen, "the launcher's leaf and the app's cgroup were seen");
          assert.equal(seen.leafProcs, seen.launcher, "the launcher is in its leaf");
          assert.equal(seen.processes, "", "the cgroup itself holds no process");
          assert.deepEqual(seen.delegated.split(" ").sort(), ["cpu", "memory", "pids"]);
          assert.equal(seen.cpu, "50000 100000");
          assert.equal(exitCode, 0, JSON.stringify(report));
          assert.equal(report.cgroup?.driver, "v2");
          // Gone: the app's cgroup and the leaf (the launcher moved back before removing it),
          // and the delegation is as it was.
          assert.deepEqual(
            readdirSync(cg).filter((e) => e.startsWith("secure-run-")),
            [],
          );
          assert.equal(readFileSync(join(cg, "cgroup.subtree_control"), "utf8").trim(), "");
        } finally {
          await removeCgroup(cg);
        }
      });

      test("a launcher that shares its cgroup with another process says why it cannot delegate", async (t) => {
        const cg = testCgroup("busy");
        if (!cg) {
          t.skip("the own cgroup cannot delegate controllers (it holds processes)");
          return;
        }
        const other = spawn("/bin/sleep", ["600"], { stdio: "ignore" });
        const otherExited = new Promise((r) => other.on("exit", r));
        try {
          writeFileSync(join(cg, "cgroup.procs"), String(other.pid));
          const prepared = prepareRun(
            fx.app("busy", ["/bin/true"], "resources: { memory: 64Mi }\n"),
          );
          const { exitCode, report } = await runPlan(prepared.plan, prepared.filter.bpf, {
            landlockAbi: prepared.host.landlock.abi ?? 0,
            launcher: launcherIn(cg),
          });
          assert.equal(exitCode, 125, JSON.stringify(report));
          assert.equal(report.error?.step, "cgroup");
          assert.match(
            `${report.error?.message ?? ""}: ${report.error?.detail ?? ""}`,
            /holds other processes, so it cannot delegate .*no-internal-process rule/,
          );
          assert.deepEqual(
            readdirSync(cg).filter((e) => e.startsWith("secure-run-")),
            [],
          );
        } finally {
          other.kill("SIGKILL");
          await otherExited;
          await removeCgroup(cg);
        }
      });
    });

    test("nothing is left behind: no secure-run cgroup", () => {
      assert.deepEqual(leftoverCgroups(), []);
    });
  });
}

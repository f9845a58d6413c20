/** Detached instances, for real: run -d, ps, logs -f, stop, kill, restart policies, pause, many
 * at once, a killed supervisor, concurrent commands, hostile state, and two users. Every launch
 * here is a real supervisor (the launcher in instance mode) with real cgroups. */
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cgroupHierarchies } from "../../src/host/cgroups.js";
import {
  canLaunch,
  cli,
  createTestUser,
  isRoot,
  rootless,
  rootlessBestEffort,
  spawnCli,
  tempDir,
  type CliResult,
  type TestUser,
} from "../helpers.js";

const tmp = tempDir("instances");
const state = join(tmp.dir, "state");
const env = { ...process.env, SECURE_RUN_STATE_DIR: state };
const sr = (args: string[], timeout = 60_000): CliResult => cli(args, { env, timeout });

function app(name: string, script: string, extra = ""): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n` +
      `command: [/bin/sh, -c, ${JSON.stringify(script)}]\n` +
      `syscalls: { profiles: [process] }\n${extra}${rootlessBestEffort}`,
  );
}

function runD(file: string, ...flags: string[]): string {
  const r = sr(["run", "-d", ...flags, file]);
  assert.equal(r.status, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/, "the full id");
  return id;
}

interface PsJson {
  id: string;
  name: string;
  status: string;
  statusText: string;
  restarts: number;
  problem?: string;
}
function ps(all = true): PsJson[] {
  const r = sr(["ps", "--json", ...(all ? ["-a"] : [])]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as PsJson[];
}
const one = (id: string): PsJson | undefined => ps().find((e) => e.id === id);
const stateOf = (id: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(state, "instances", id, "state.json"), "utf8")) as Record<
    string,
    unknown
  >;

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const skip = canLaunch ? false : "real launches need root, or the rootless pass";

describe("detached instances", { skip }, () => {
  after(() => {
    // Whatever a failed test left running.
    const r = sr(["ps", "-aq"]);
    const ids = r.stdout.split("\n").filter(Boolean);
    if (ids.length) sr(["rm", "-f", ...ids]);
    tmp.remove();
  });

  test("run -d returns at once, leaves no Node process, and comes back: ps, logs -f, stop", async () => {
    const file = app(
      "ticker",
      "echo started; echo oops >&2; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done",
    );
    const id = runD(file, "--name", "ticker");
    // spawnSync returned: the CLI ended and nothing holds its output open.
    const e = one(id);
    assert.equal(e?.name, "ticker");
    assert.equal(e?.status, "running");
    assert.deepEqual(
      sr(["ps", "--format", "{{.Name}} {{.Status}}"])
        .stdout.split("\n")
        .filter((l) => l.startsWith("ticker")),
      ["ticker running"],
    );
    // The supervisor is in a session of its own, not a child of any Node process.
    const st = stateOf(id);
    const stat = readFileSync(`/proc/${Number(st.supervisorPid)}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    assert.equal(Number(f[3]), Number(st.supervisorPid), "its own session (setsid)");
    const ppid = Number(f[1]);
    assert.doesNotMatch(readFileSync(`/proc/${ppid}/cmdline`, "utf8"), /node/, "not Node's child");

    const follow = spawnCli(["logs", "-f", "--tail", "1", id], { env });
    let out = "";
    let err = "";
    follow.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    follow.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const ended = new Promise<number | null>((r) => follow.on("exit", (c) => r(c)));
    await until("two new ticks through logs -f", () => (out.match(/tick/g) ?? []).length >= 3);
    assert.doesNotMatch(out, /started/, "--tail 1 starts at the last record");

    const t0 = Date.now();
    const stop = sr(["stop", "ticker"]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.ok(Date.now() - t0 < 5000, "a cooperative app stops at once");
    assert.equal(await ended, 0, "logs -f ends with the instance");
    assert.equal(one(id)?.status, "stopped");
    assert.equal(
      ps(false).find((x) => x.id === id),
      undefined,
      "ps without -a: running only",
    );
    const all = sr(["logs", "ticker"]);
    assert.match(all.stdout, /^started\ntick 1\n/);
    assert.match(all.stderr, /^oops\n/, "stderr records on standard error");
    assert.match(
      sr(["logs", "-t", "--tail", "1", id.slice(0, 8)]).stdout,
      /^\d{4}-\d\d-\d\dT\S+Z tick \d+\n$/,
    );

    // start: same id, same name, a new run.
    const start = sr(["start", "ticker"]);
    assert.equal(start.status, 0, start.stderr);
    assert.equal(one(id)?.status, "running");
    assert.equal(sr(["rm", "ticker"]).status, 1, "rm of a running instance without -f is refused");
    assert.match(sr(["rm", "ticker"]).stderr, /cannot remove the running instance .*rm -f/s);
    assert.equal(sr(["rm", "-f", "ticker"]).status, 0);
    assert.equal(existsSync(join(state, "instances", id)), false);
    assert.equal(existsSync(join(state, "names", "ticker")), false);
    assert.match(sr(["logs", "ticker"]).stderr, /No such instance: ticker/);
  });

  test("a failed first start says why, exits with the launcher's code and leaves nothing", () => {
    const file = tmp.write(
      "missing.yaml",
      `apiVersion: secure-run/v1\nkind: App\nname: missing\ncommand: [/nonexistent/app]\n${rootlessBestEffort}`,
    );
    const r = sr(["run", "-d", "--name", "missing", file]);
    assert.equal(r.status, 127, r.stderr);
    assert.match(r.stderr, /command not found/);
    assert.equal(r.stdout, "");
    assert.equal(existsSync(join(state, "names", "missing")), false, "the name is free again");
    assert.equal(
      ps().some((e) => e.name === "missing"),
      false,
      "no instance is left",
    );
  });

  test("restart on-failure: restarted with backoff, counted, up to maxRetries", () => {
    const file = app(
      "crasher",
      "echo run; exit 3",
      "restart: { policy: on-failure, maxRetries: 2 }\n",
    );
    const t0 = Date.now();
    const id = runD(file);
    const w = sr(["wait", id]);
    assert.equal(w.stdout.trim(), "3");
    assert.equal(w.status, 3, "wait exits with the app's code");
    assert.ok(Date.now() - t0 >= 300, "backoff: 100 ms then 200 ms between the runs");
    const e = one(id);
    assert.equal(e?.restarts, 2);
    assert.equal(e?.status, "exited");
    assert.equal(e?.statusText, "exited (3)");
    assert.equal(sr(["logs", id]).stdout, "run\nrun\nrun\n", "three runs, one log");
    assert.equal(sr(["rm", id]).status, 0);
  });

  test("run -d of an unchanged app starts from the bundle cache; its restart policy keeps a foreground run supervised", () => {
    const cache = join(tmp.dir, "cache-detach");
    const envC = { ...env, SECURE_RUN_BUNDLE_CACHE: cache, SECURE_RUN_CACHE_DEBUG: "1" };
    const run = (args: string[]): CliResult => cli(args, { env: envC, timeout: 60_000 });
    const file = app(
      "cached",
      "echo up; exit 3",
      "restart: { policy: on-failure, maxRetries: 1 }\n",
    );
    const first = run(["run", "-d", file]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /cache: miss: not in the cache/);
    assert.match(first.stderr, /cache: stored /);
    const second = run(["run", "-d", file]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /cache: hit /, "planned once, started from the cache");
    assert.doesNotMatch(second.stderr, /stored/);
    const ids = [first.stdout.trim(), second.stdout.trim()];
    for (const id of ids) {
      const w = sr(["wait", id]);
      assert.equal(w.stdout.trim(), "3", "the cached instance keeps the restart policy");
      assert.equal(one(id)?.restarts, 1);
      const doc = JSON.parse(
        readFileSync(join(state, "instances", id, "instance.json"), "utf8"),
      ) as { app: string; restart: { policy: string } };
      assert.equal(doc.app, file);
      assert.equal(doc.restart.policy, "on-failure");
    }
    // The foreground warm path must not launch it unsupervised: the restart happens.
    const fg = run(["run", file]);
    assert.equal(fg.status, 3, fg.stderr);
    assert.match(fg.stderr, /the entry is for run -d/);
    assert.match(fg.stderr, /restarting cached \(restart 1\)/);
    // A changed app is planned again.
    writeFileSync(file, readFileSync(file, "utf8").replace("echo up", "echo again"));
    const third = run(["run", "-d", file]);
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stderr, /cache: miss: .*changed/);
    ids.push(third.stdout.trim());
    assert.equal(sr(["wait", ids[2] ?? ""]).status, 3);
    assert.equal(sr(["logs", ids[2] ?? ""]).stdout, "again\nagain\n");
    assert.equal(sr(["rm", ...ids]).status, 0);
  });

  test("--cgroup-parent is kept: start puts the instance's cgroups below it again", (t) => {
    if (!isRoot) {
      t.skip("root only: a user here has no cgroup of its own to make a parent in");
      return;
    }
    const parent = `sr-parent-${process.pid}`;
    const made: string[] = [];
    for (const h of cgroupHierarchies()) {
      try {
        mkdirSync(join(h.ownDir, parent));
        made.push(join(h.ownDir, parent));
      } catch {
        // a hierarchy this test cannot write: the instance does not use it either
      }
    }
    try {
      const id = runD(app("parented", "exec sleep 1000"), "--cgroup-parent", parent);
      const dirs = (): string[] => {
        const r = sr(["inspect", id]);
        assert.equal(r.status, 0, r.stderr);
        const [v] = JSON.parse(r.stdout) as { cgroup: { dirs: Record<string, string> } }[];
        return Object.values(v?.cgroup.dirs ?? {});
      };
      const first = dirs();
      assert.ok(first.length > 0);
      for (const d of first) assert.match(d, new RegExp(`/${parent}/secure-run-parented-\\d+$`));
      assert.equal(sr(["stop", "--time", "2", id]).status, 0);
      assert.equal(sr(["start", id]).status, 0);
      const again = dirs();
      assert.ok(again.length > 0);
      for (const d of again) assert.match(d, new RegExp(`/${parent}/secure-run-parented-\\d+$`));
      assert.equal(sr(["rm", "-f", id]).status, 0);
    } finally {
      for (const d of made) rmdirSync(d);
    }
  });

  test("--rm: the supervisor removes the instance and its name when the app ends", async () => {
    const file = app("brief", "echo bye; sleep 0.3");
    const id = runD(file, "--rm", "--name", "brief");
    await until(
      "the instance and its name are gone",
      () => !existsSync(join(state, "instances", id)) && !existsSync(join(state, "names", "brief")),
    );
    assert.equal(one(id), undefined);
  });

  test("wait of an --rm instance gives its exit code, also once it is removed; gc drops it when old", async () => {
    const file = app("brief-exit", "sleep 0.5; exit 3");
    const id = runD(file, "--rm");
    // Waiting while it runs: the supervisor removes it as it ends.
    const waiter = spawnCli(["wait", id], { env });
    let out = "";
    waiter.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise((r) => waiter.on("close", r));
    assert.equal(code, 3);
    assert.equal(out, "3\n");
    await until("the instance is gone", () => !existsSync(join(state, "instances", id)));
    // Called after: found by its id (or a prefix), not listed by ps.
    for (const ref of [id, id.slice(0, 12)]) {
      const w = sr(["wait", ref]);
      assert.equal(w.status, 3, w.stderr);
      assert.equal(w.stdout, "3\n");
    }
    assert.equal(one(id), undefined);
    // Kept a few minutes: gc removes one older than that, and wait then knows nothing of it.
    const kept = join(state, "instances", `.exit-${id}`);
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(kept, old, old);
    const gc = sr(["gc"]);
    assert.equal(gc.status, 0, gc.stderr);
    assert.equal(existsSync(kept), false);
    const w = sr(["wait", id]);
    assert.notEqual(w.status, 0);
    assert.match(w.stderr, /no such instance/i);
  });

  test(
    "--rm: a removal stopped half-way leaves no half instance (the directory leaves its name first); gc finishes it",
    { skip: rootless ? "root only: a mount in the instance's directory stops its removal" : false },
    async () => {
      const file = app("pinned", "echo up; sleep 1");
      const id = runD(file, "--rm", "--name", "pinned");
      const instances = join(state, "instances");
      const dir = join(instances, id);
      // Removal never enters a mount: one in the directory stops it there.
      mkdirSync(join(dir, "pin"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "pinned", join(dir, "pin")]);
      let pinned = join(dir, "pin");
      let left = "";
      try {
        // The directory leaves its name first, then the instance's name goes.
        await until(
          "the instance and its name are gone",
          () => !existsSync(dir) && !existsSync(join(state, "names", "pinned")),
        );
        const rest = readdirSync(instances).filter((e) => e.startsWith(`.rm-${id}-`));
        assert.equal(rest.length, 1, readdirSync(instances).join(" "));
        left = join(instances, rest[0] ?? "");
        pinned = join(left, "pin");
        assert.equal(existsSync(pinned), true, "the mount stopped the removal");
        const p = sr(["ps", "-a"]);
        assert.equal(p.status, 0, p.stderr);
        assert.equal(p.stderr, "", "no warning of a half instance");
        assert.equal(one(id), undefined);
      } finally {
        execFileSync("umount", [pinned]);
      }
      const pid = Number(/-(\d+)$/.exec(left)?.[1]);
      await until("its supervisor ended", () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
      const gc = sr(["gc"]);
      assert.equal(gc.status, 0, gc.stderr);
      assert.match(gc.stdout, new RegExp(`removed ${left.replace(/[.]/g, "\\.")}`));
      assert.equal(existsSync(left), false);
    },
  );

  test("rm -f of a --rm instance: it is gone, and rm says so without an error", () => {
    const file = app("brief-forced", "echo up; sleep 600");
    const ids = [runD(file, "--rm"), runD(file, "--rm")];
    // The supervisor removes an --rm instance as it ends, while rm -f waits for that end.
    const r = sr(["rm", "-f", ...ids]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.stdout.split("\n").filter(Boolean), ids);
    for (const id of ids) {
      assert.equal(existsSync(join(state, "instances", id)), false);
      assert.equal(one(id), undefined);
    }
  });

  test("stop of an app that ignores SIGTERM kills it after --time", async () => {
    const file = app("stubborn", "trap '' TERM; echo ready; while true; do sleep 0.1; done");
    const id = runD(file);
    await until("the app is up", () => sr(["logs", id]).stdout.includes("ready"));
    const t0 = Date.now();
    const r = sr(["stop", "--time", "1", id]);
    const took = Date.now() - t0;
    assert.equal(r.status, 0, r.stderr);
    assert.ok(took >= 1000, `waited the second it was given (${took} ms)`);
    assert.ok(took < 6000, `then killed it (${took} ms)`);
    assert.equal(one(id)?.status, "stopped");
    assert.equal(sr(["rm", id]).status, 0);
  });

  test("a writable root persists across stop and start and goes with rm; a volume outlives rm", async () => {
    const vol = join(tmp.dir, "vol");
    mkdirSync(vol, { recursive: true });
    chmodSync(vol, 0o777); // root inside is an unprivileged id outside
    const file = app(
      "keeper",
      // Counts its starts in the root (the layer) and in the volume.
      "n=$(cat /etc/starts 2>/dev/null || echo 0); n=$((n+1)); echo $n > /etc/starts; " +
        "echo $n >> /data/starts; echo started $n; exec sleep 1000",
      `user: root\nroot: { host: true, writable: true }\nmounts:\n  - { source: ${vol}, target: /data, readOnly: false }\n`,
    );
    const id = runD(file);
    await until("the first start", () => sr(["logs", id]).stdout.includes("started 1"));
    const upper = join(state, "instances", id, "layer", "upper");
    assert.equal(readFileSync(join(upper, "etc", "starts"), "utf8"), "1\n", "written to the layer");
    assert.equal(sr(["stop", "--time", "1", id]).status, 0);
    assert.equal(sr(["start", id]).status, 0);
    await until("the second start", () => sr(["logs", id]).stdout.includes("started 2"));
    assert.equal(sr(["rm", "-f", id]).status, 0);
    assert.ok(!existsSync(join(state, "instances", id)), "the instance and its layer are gone");
    assert.equal(readFileSync(join(vol, "starts"), "utf8"), "1\n2\n", "the volume is kept");
    // Without root.writable the root stays read-only.
    const ro = runD(app("readonly", "echo x > /etc/starts 2>&1 || echo refused; exec sleep 1000"));
    await until("its output", () => sr(["logs", ro]).stdout.includes("refused"));
    assert.equal(sr(["rm", "-f", ro]).status, 0);
  });

  test("stop sends the app's own stop signal (stop.signal)", async () => {
    const file = app(
      "quitter",
      "trap 'echo got QUIT; exit 0' QUIT; trap '' TERM; echo ready; while true; do sleep 0.1; done",
      "stop: { signal: SIGQUIT, timeout: 5 }\n",
    );
    const id = runD(file);
    await until("the app is up", () => sr(["logs", id]).stdout.includes("ready"));
    const t0 = Date.now();
    assert.equal(sr(["stop", id]).status, 0);
    assert.ok(Date.now() - t0 < 4000, "it ended on the stop signal, not after the timeout");
    assert.match(sr(["logs", id]).stdout, /got QUIT/);
    assert.equal(sr(["rm", id]).status, 0);
  });

  // Pause and unpause themselves (the freezer's files, ps and inspect, a log that stops growing)
  // are in the shared cgroup suite (test/shared/cgroup-suite.ts), which this host runs for cgroup
  // v1 (test/integration/cgroup.test.ts) and the VM's cgroup2 lane for v2.
  test(
    "pause of an instance without a cgroup is refused, and says why",
    {
      skip:
        rootless && process.env.SECURE_RUN_TEST_DELEGATED !== "1"
          ? false
          : "only a user's instance on a host that delegates no cgroup has none",
    },
    () => {
      const id = runD(app("counter", "while true; do sleep 0.2; done"), "--name", "counter");
      // No cgroup is delegated to a user here (v1): pause says so rather than pretending.
      const r = sr(["pause", "counter"]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cannot pause instance .*: it has no cgroup/);
      assert.equal(sr(["rm", "-f", id]).status, 0);
    },
  );

  test("20 instances of one app at once, each with its own cgroup and state; rm -f of all", async () => {
    const file = app("many", "while true; do sleep 1; done");
    const runs = Array.from({ length: 20 }, () => {
      const c = spawnCli(["run", "-d", file], { env });
      let out = "";
      let err = "";
      c.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      c.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      // "close", not "exit": a child's exit can be seen before its last output is read.
      return new Promise<string>((resolve, reject) =>
        c.on("close", (code) =>
          code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}: ${err}`)),
        ),
      );
    });
    const ids = await Promise.all(runs);
    for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/, "each run -d printed its id");
    assert.equal(new Set(ids).size, 20);
    const listed = sr(["ps", "--json", "-a"]);
    assert.equal(listed.status, 0, listed.stderr);
    const entries = (JSON.parse(listed.stdout) as PsJson[]).filter((e) => ids.includes(e.id));
    const missing = ids.filter((id) => !entries.some((e) => e.id === id));
    assert.deepEqual(missing, [], `ps lists every instance; it said: ${listed.stderr}`);
    assert.equal(listed.stderr, "", "ps warns of nothing");
    const names = new Set(entries.map((e) => e.name));
    assert.equal(names.size, 20, "20 names");
    const cgroups = new Set<string>();
    for (const id of ids) {
      const st = stateOf(id);
      assert.equal(st.status, "running");
      const cg = st.cgroup as { dirs: Record<string, string> } | null;
      if (!rootless || cg) {
        assert.ok(cg, "a cgroup of its own");
        for (const d of Object.values(cg.dirs)) {
          assert.ok(existsSync(d), d);
          cgroups.add(d);
        }
      }
    }
    if (!rootless) assert.ok(cgroups.size >= 20 * 2, "no cgroup shared (memory and pids at least)");
    const rm = sr(["rm", "-f", ...ids], 120_000);
    assert.equal(rm.status, 0, rm.stderr);
    for (const id of ids) assert.equal(existsSync(join(state, "instances", id)), false);
    for (const d of cgroups) assert.equal(existsSync(d), false, `${d} removed`);
  });

  test(
    "a supervisor killed with SIGKILL: ps says dead, gc clears its cgroup and marks it",
    { skip: rootless ? "rootless: gc of cgroups needs a delegated cgroup" : false },
    async () => {
      const file = app("victim", "while true; do sleep 1; done");
      const id = runD(file);
      const st = stateOf(id);
      const dirs = Object.values((st.cgroup as { dirs: Record<string, string> }).dirs);
      process.kill(Number(st.supervisorPid), "SIGKILL");
      await until("the lock is released", () => one(id)?.status === "dead");
      assert.equal(one(id)?.status, "dead");
      assert.ok(
        dirs.every((d) => existsSync(d)),
        "the cgroups are left behind",
      );
      const gc = sr(["gc"]);
      assert.equal(gc.status, 0, gc.stderr);
      assert.match(gc.stdout, new RegExp(`marked instance ${id.slice(0, 12)} failed`));
      for (const d of dirs) assert.equal(existsSync(d), false, `${d} removed by gc`);
      const after = one(id);
      assert.equal(after?.status, "failed");
      assert.equal(sr(["rm", id]).status, 0);
    },
  );

  test("stop and rm -f at once on one instance: both succeed or one says why; nothing is torn", async () => {
    for (let round = 0; round < 3; round++) {
      const file = app("race", "while true; do sleep 1; done");
      const id = runD(file);
      const run = (args: string[]): Promise<{ code: number | null; err: string }> => {
        const c = spawnCli(args, { env });
        let err = "";
        c.stderr?.on("data", (d: Buffer) => (err += d.toString()));
        return new Promise((r) => c.on("close", (code) => r({ code, err })));
      };
      const [stop, rm] = await Promise.all([run(["stop", id]), run(["rm", "-f", id])]);
      assert.equal(rm.code, 0, rm.err);
      assert.ok(
        stop.code === 0 || /No such instance/.test(stop.err),
        `stop: ${stop.code} ${stop.err}`,
      );
      assert.equal(existsSync(join(state, "instances", id)), false);
      // What is left is readable: ps works.
      assert.equal(sr(["ps", "-a"]).status, 0);
    }
  });

  test("hostile state: a cgroup that is not the instance's, a symlinked state.json", () => {
    const file = app("hostile", "while true; do sleep 1; done");
    const id = runD(file);
    const dir = join(state, "instances", id);
    const good = readFileSync(join(dir, "state.json"), "utf8");
    const st = JSON.parse(good) as {
      cgroup: { driver: string; dirs: Record<string, string> } | null;
    };
    try {
      // The cgroup fields point at a whole hierarchy (the host's root cgroups), not the instance's.
      const bad = {
        ...st,
        cgroup: {
          driver: "v1",
          dirs: { memory: "/sys/fs/cgroup/memory", freezer: "/sys/fs/cgroup/freezer" },
        },
      };
      writeFileSync(join(dir, "state.json.x"), JSON.stringify(bad));
      renameSync(join(dir, "state.json.x"), join(dir, "state.json"));
      const stats = sr(["stats", "--no-stream", id]);
      assert.equal(stats.status, 125);
      assert.match(
        stats.stderr,
        /refusing the cgroup "\/sys\/fs\/cgroup\/memory" named in state\.json: not named secure-run-<name>-<pid>/,
      );
      const pause = sr(["pause", id]);
      assert.notEqual(pause.status, 0);
      assert.match(pause.stderr, /refusing the cgroup/);
      // A state.json that is a link (to a state that would pass) is not read at all.
      writeFileSync(join(tmp.dir, "elsewhere.json"), good);
      unlinkSync(join(dir, "state.json"));
      symlinkSync(join(tmp.dir, "elsewhere.json"), join(dir, "state.json"));
      const e = one(id);
      assert.equal(e?.status, "dead", "nothing it says is believed");
      assert.match(e?.problem ?? "", /state\.json: is a symbolic link/);
      assert.notEqual(sr(["pause", id]).status, 0);
    } finally {
      try {
        unlinkSync(join(dir, "state.json"));
      } catch {
        // gone
      }
      writeFileSync(join(dir, "state.json"), good);
    }
    assert.equal(sr(["rm", "-f", id]).status, 0);
  });
});

describe(
  "two users' instances",
  { skip: !isRoot ? "needs root to make the test user" : rootless ? "root's pass only" : false },
  () => {
    let user: TestUser;
    const own = tempDir("instances-users");
    before(() => {
      user = createTestUser();
    });
    after(() => {
      user.remove();
      own.remove();
    });

    test("each sees only its own; another's state directory is refused", () => {
      const file = own.write(
        "mine.yaml",
        "apiVersion: secure-run/v1\nkind: App\nname: mine\ncommand: [/bin/sh, -c, 'while true; do sleep 1; done']\nsyscalls: { profiles: [process] }\n",
      );
      const rootState = join(own.dir, "state");
      const rootEnv = { ...process.env, SECURE_RUN_STATE_DIR: rootState };
      const started = cli(["run", "-d", "--name", "roots", file], { env: rootEnv });
      assert.equal(started.status, 0, started.stderr);
      const rootId = started.stdout.trim();
      try {
        assert.match(
          cli(["ps", "-a", "-q"], { env: rootEnv }).stdout,
          new RegExp(rootId.slice(0, 12)),
        );
        const theirs = cli(["ps", "-a", "-q"], { as: user });
        assert.equal(theirs.status, 0, theirs.stderr);
        assert.doesNotMatch(theirs.stdout, new RegExp(rootId.slice(0, 12)));
        const stop = cli(["stop", rootId], { as: user });
        assert.equal(stop.status, 1);
        assert.match(stop.stderr, /No such instance/);
        // Pointed at root's directory, the user's CLI refuses it rather than reading it.
        const pointed = cli(["ps", "-a"], { as: user, env: { SECURE_RUN_STATE_DIR: rootState } });
        assert.notEqual(pointed.status, 0);
        assert.match(pointed.stderr, /(owned by uid 0|permission denied|EACCES)/i);
        assert.match(
          cli(["ps", "--format", "{{.Name}} {{.Status}}"], { env: rootEnv }).stdout,
          /^roots running$/m,
          "root's instance is untouched",
        );
      } finally {
        cli(["rm", "-f", rootId], { env: rootEnv });
      }
    });
  },
);

/** Issue 16: any user runs an app in its sandbox. Root creates an unprivileged user
 * (`secure-run-test`, test/helpers.ts createTestUser) and runs the CLI as it; root looks at the
 * sandbox from the host's side: the app's /proc/PID/status, the host's mount table before, during
 * and after, the files the app tried to write, the user's own files outside the view. On this
 * host (cgroup v1, no delegation for a user) the limits are best effort: the plan says so and
 * `run` refuses unless the app accepts it. The cgroup v2 VM lane proves the limits enforced in a
 * delegated subtree (test/vm/guest/cgroup2-rootless.ts). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  cli,
  commandAs,
  createTestUser,
  isRoot,
  root,
  spawnCli,
  type CliResult,
  type TestUser,
} from "../helpers.js";
import { hostMounts } from "../hostile/common.js";

const skip = isRoot
  ? false
  : "root creates the test user (the rootless pass of scripts/test.mjs runs the other launch tests as it)";

let user: TestUser;
let apps: string;
let mountsBefore: string[] = [];

/** An app definition in the user's directory; `extra` is YAML appended. The limits of the
 * example are accepted as best effort (cgroup v1 here: nothing delegated to a user). */
function app(name: string, script: string, extra = "bestEffort: [memory, pids]\n"): string {
  const file = join(apps, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(["/bin/sh", "-c", script])}\n` +
      `syscalls: { profiles: [process] }\nresources: { memory: 64Mi, pids: 32 }\n${extra}`,
  );
  user.give(file);
  return file;
}

const said = (r: CliResult): string => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
const run = (file: string, args: string[] = []): CliResult =>
  cli(["run", ...args, file], { as: user, timeout: 60_000 });

/** The fields of /proc/PID/status, as root reads them from the host. */
function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const i = l.indexOf(":");
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return out;
}

/** Host pids whose command line contains `marker`. */
function pidsOf(marker: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every host process of the test user's uid. */
function userProcesses(): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => {
      try {
        return status(p).Uid?.split(/\s+/).includes(String(user.uid)) ?? false;
      } catch {
        return false;
      }
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("rootless: an unprivileged user runs apps in their sandbox", { skip }, () => {
  before(() => {
    user = createTestUser();
    apps = join(user.home, "apps");
    mkdirSync(apps);
    user.give(apps);
    mountsBefore = hostMounts();
  });
  after(() => {
    user?.remove();
  });

  test("the example runs: no capability, no_new_privs, the filter, its own processes only", () => {
    const hello = join(apps, "hello.yaml");
    writeFileSync(
      hello,
      `${readFileSync(join(root, "examples/hello.yaml"), "utf8")}\nbestEffort: [memory, pids]\n`,
    );
    user.give(hello);
    const r = run(hello);
    assert.equal(r.status, 0, said(r));
    assert.match(r.stdout, /^Hello from hello, running as nobody \(uid 65534\)\.$/m);
    assert.match(r.stdout, /^CapEff:\s+0+$/m);
    assert.match(r.stdout, /^CapBnd:\s+0+$/m);
    assert.match(r.stdout, /^NoNewPrivs:\s+1$/m);
    assert.match(r.stdout, /^Seccomp:\s+2$/m);
    const visible = Number(/Processes visible: (\d+)/.exec(r.stdout)?.[1]);
    // init, sh, the command substitution's subshell, ls and grep: the sandbox's own only.
    assert.ok(visible >= 1 && visible <= 5, r.stdout);
  });

  test("cgroup v1: the plan says the limits are not enforced for this user and how to get them", () => {
    const file = app("limits", "true", "");
    const p = cli(["plan", "--json", file], { as: user });
    assert.equal(p.status, 0, said(p));
    const plan = JSON.parse(p.stdout) as {
      enforcement: { part: string; enforced: boolean; detail: string }[];
    };
    for (const part of ["memory", "pids"]) {
      const e = plan.enforcement.find((x) => x.part === part);
      assert.equal(e?.enforced, false, `${part}: ${JSON.stringify(e)}`);
    }
    const text = cli(["plan", file], { as: user });
    // How to get them (issue 16): a delegated cgroup v2 subtree, e.g. from systemd.
    assert.match(text.stdout + text.stderr, /systemd-run --user/);
    const r = run(file);
    assert.equal(r.status, 125, said(r));
    assert.match(r.stderr, /cannot enforce memory/);
    assert.match(r.stderr, /bestEffort: \[memory, pids\]/);
  });

  test("a low port on the host's network is refused at its field, with the way out", () => {
    const file = app(
      "lowport",
      "true",
      "bestEffort: [memory, pids]\nnetwork: { mode: host, listen: [{ port: 80 }] }\n",
    );
    const r = cli(["plan", file], { as: user });
    assert.equal(r.status, 2, said(r));
    assert.match(
      r.stderr,
      /network\.listen\[0\].*rootless: port 80 is below 1024 on the host's network/,
    );
    assert.match(r.stderr, /hint: use network\.mode: none/);
    // In its own network namespace the same port needs nothing: the plan stands.
    const own = app(
      "lowport-own",
      "true",
      "bestEffort: [memory, pids]\nnetwork: { listen: [{ port: 80 }] }\n",
    );
    assert.equal(cli(["plan", own], { as: user }).status, 0);
  });

  test("from the host: the app runs as the user, in a user namespace of its own, with no capability, and no mount appears on the host", async () => {
    const marker = `sleep ${1000 + (process.pid % 1000)}.25`;
    const child = spawnCli(["run", app("watched", `echo ready; exec ${marker}`)], {
      as: user,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 300 && !out.includes("ready"); i++) await sleep(100);
      assert.match(out, /ready/, out);
      const [pid] = pidsOf(marker);
      assert.ok(pid, `the app's process (${marker}) is visible from the host`);
      const s = status(pid);
      // Outside, the app is the caller's uid: every id is the test user's.
      assert.deepEqual(s.Uid?.split(/\s+/), Array(4).fill(String(user.uid)), s.Uid);
      for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"])
        assert.match(s[set] ?? "", /^0+$/, `${set} ${s[set]}`);
      assert.equal(s.NoNewPrivs, "1");
      assert.equal(s.Seccomp, "2");
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync("/proc/self/ns/user"));
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync("/proc/self/ns/mnt"));
      assert.notEqual(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync("/proc/self/ns/pid"));
      // (The test runs in the host's namespaces: /proc/self is the reference; /proc/1 may be out of
      // reach in a container.) No process of the user's holds a capability in the initial user namespace (the CLI, the
      // launcher, its supervisor: nothing of secure-run is setuid or has file capabilities).
      const initUserNs = readlinkSync("/proc/self/ns/user");
      for (const p of userProcesses()) {
        try {
          if (readlinkSync(`/proc/${p}/ns/user`) !== initUserNs) continue;
          const ps = status(p);
          assert.match(ps.CapEff ?? "", /^0+$/, `pid ${p} (${ps.Name}) CapEff ${ps.CapEff}`);
          assert.match(ps.CapPrm ?? "", /^0+$/, `pid ${p} (${ps.Name}) CapPrm ${ps.CapPrm}`);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
      }
      // The view was made inside the app's mount namespace: the host's table is unchanged
      // while the app runs.
      assert.deepEqual(
        hostMounts().filter((m) => !mountsBefore.includes(m)),
        [],
        "the host's mount table gained entries while the app runs",
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });

  test("no host process is visible, not even the user's own", () => {
    const marker = `${2000 + (process.pid % 1000)}.75`;
    const [file, args] = commandAs(user, ["sleep", marker]);
    // Its output goes nowhere: spawnSync waits for the pipes, which a background job would hold.
    const host = spawnSync("sh", ["-c", `"$@" >/dev/null 2>&1 & echo $!`, "sh", file, ...args], {
      encoding: "utf8",
    });
    const hostPid = Number(host.stdout.trim());
    try {
      const r = run(
        app(
          "ps",
          `for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline; echo " <- $d"; done; ls -d /proc/[0-9]* | wc -l`,
        ),
      );
      assert.equal(r.status, 0, said(r));
      assert.doesNotMatch(r.stdout, new RegExp(marker.replace(".", "\\.")), r.stdout);
      // PID 1 inside is the launcher's init (a copy of the launcher, never the host's init); no
      // other process but the app's own.
      const others = r.stdout
        .split("\n")
        .filter((l) => l.includes(" <- /proc/") && !l.endsWith(" <- /proc/1"));
      assert.doesNotMatch(others.join("\n"), /secure-run|node|systemd|init /, r.stdout);
      const count = Number(r.stdout.trim().split("\n").pop());
      assert.ok(count <= 4, `processes visible: ${count}\n${r.stdout}`);
    } finally {
      if (hostPid > 0) process.kill(hostPid, "SIGKILL");
    }
  });

  test("no write outside the writable places; the user's own files outside the view are out of reach", () => {
    const secretDir = join(user.home, "private");
    mkdirSync(secretDir);
    const secret = join(secretDir, "secret");
    writeFileSync(secret, "the user's own secret\n");
    user.give(secretDir);
    const name = `rootless-wrote-${process.pid}`;
    const places = [
      "/",
      "/usr",
      "/usr/bin",
      "/etc",
      "/var/tmp",
      "/dev/shm",
      "/proc/sys/kernel",
      user.home,
      secretDir,
      "/tmp",
    ];
    const script =
      `for p in ${places.join(" ")}; do (echo x > "$p/${name}") 2>/dev/null && echo "wrote $p"; done; ` +
      // Ways back to a file of the caller's uid outside the view.
      `for f in ${secret} /proc/1/root${secret} /proc/self/root${secret} /proc/1/cwd${secret} ` +
      `/proc/self/fd/../../..${secret}; do cat "$f" 2>/dev/null && echo "read $f"; done; ` +
      `ls -d ${user.home} 2>/dev/null && echo "home visible"; true`;
    const r = run(app("writes", script));
    assert.equal(r.status, 0, said(r));
    assert.deepEqual(
      r.stdout.split("\n").filter((l) => l.startsWith("wrote ")),
      // /dev is the sandbox's own tmpfs (its /dev/shm too): nothing reaches the host's (checked
      // below).
      ["wrote /dev/shm", "wrote /tmp"],
      r.stdout,
    );
    assert.doesNotMatch(r.stdout, /secret|^read |home visible/m, r.stdout);
    // On the host: nothing written anywhere the app tried, the sandbox's /tmp is its own.
    for (const p of places)
      assert.equal(existsSync(join(p, name)), false, `${p}/${name} on the host`);
  });

  test("seccomp and Landlock hold rootless: a refused call fails, /tmp is written but not run from", () => {
    const r = run(
      app(
        "confined",
        "unshare -U true 2>/dev/null && echo unshared; cp /bin/true /tmp/t && echo copied; /tmp/t 2>/dev/null && echo ran-from-tmp; /bin/true && echo ran-from-usr",
      ),
    );
    assert.equal(r.status, 0, said(r));
    assert.match(r.stdout, /^copied$/m);
    assert.match(r.stdout, /^ran-from-usr$/m);
    assert.doesNotMatch(r.stdout, /unshared|ran-from-tmp/, r.stdout);
  });

  test("--explain reports a refused call rootless", () => {
    const r = run(app("explained", "unshare -U true; true"), ["--explain"]);
    assert.equal(r.status, 0, said(r));
    assert.match(r.stderr, /denied: unshare\(/, r.stderr);
  });

  test("compile, then the launcher alone runs the bundle as the user", () => {
    const hello = app("bundled", 'echo "bundle ran as $(id -u)"');
    const out = join(apps, "bundled.bundle");
    const c = cli(["compile", "-o", out, hello], { as: user });
    assert.equal(c.status, 0, said(c));
    const [file, args] = commandAs(user, [
      join(root, "build/Release/secure-run-launch"),
      "--bundle",
      out,
    ]);
    const r = spawnSync(file, args, { encoding: "utf8", timeout: 30_000, env: user.env });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^bundle ran as 65534$/m);
  });

  test("trace learns a profile rootless", () => {
    const out = join(apps, "traced.profile.yaml");
    const r = cli(
      [
        "trace",
        "--best-effort",
        "memory",
        "--best-effort",
        "pids",
        "-o",
        out,
        "--",
        "/bin/sh",
        "-c",
        "echo hi | cat",
      ],
      { as: user },
    );
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, "hi\n");
    assert.match(readFileSync(out, "utf8"), /execve/);
  });

  test("doctor and gc work for the user; its state is its own", () => {
    const d = cli(["doctor", "--json"], { as: user });
    assert.ok(d.status === 0 || d.status === 1, said(d));
    JSON.parse(d.stdout);
    const g = cli(["gc"], { as: user });
    assert.equal(g.status, 0, said(g));
    // Nothing of the user's went to root's state: the user's files are under its home.
    const owned = spawnSync("find", [user.home, "!", "-user", String(user.uid)], {
      encoding: "utf8",
    });
    assert.equal(owned.stdout, "", "files in the user's home not owned by it");
  });

  test("with newuidmap and a subordinate range, the other ids inside map to the range (as Podman's)", (t) => {
    if (!existsSync("/usr/bin/newuidmap") || !existsSync("/usr/bin/newgidmap")) {
      t.skip("newuidmap/newgidmap not installed (scripts/setup.sh --test installs uidmap)");
      return;
    }
    const files = ["/etc/subuid", "/etc/subgid"];
    const saved = files.map((f) => (existsSync(f) ? readFileSync(f, "utf8") : null));
    const line = `${user.name}:2100000000:65536\n`;
    try {
      for (const [i, f] of files.entries()) writeFileSync(f, (saved[i] ?? "") + line);
      const r = cli(
        [
          "exec",
          "--best-effort",
          "memory",
          "--best-effort",
          "pids",
          "--",
          "/bin/cat",
          "/proc/self/uid_map",
        ],
        { as: user },
      );
      assert.equal(r.status, 0, said(r));
      const map = r.stdout
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/).map(Number));
      // The app's user (65534) is the caller; every other id of 0..65536 is in the range.
      assert.deepEqual(map, [
        [0, 2100000000, 65534],
        [65534, user.uid, 1],
        [65535, 2100065534, 2],
      ]);
      assert.match(r.stderr, /subordinate ranges/);
    } finally {
      for (const [i, f] of files.entries()) {
        const content = saved[i];
        if (content === null || content === undefined) rmSync(f, { force: true });
        else writeFileSync(f, content);
      }
    }
  });

  test("rm of an instance whose app gave files of its layer to other ids (of the user's range): removed in a user namespace with the range", async (t) => {
    if (!existsSync("/usr/bin/newuidmap") || !existsSync("/usr/bin/newgidmap")) {
      t.skip("newuidmap/newgidmap not installed (scripts/setup.sh --test installs uidmap)");
      return;
    }
    const files = ["/etc/subuid", "/etc/subgid"];
    const saved = files.map((f) => (existsSync(f) ? readFileSync(f, "utf8") : null));
    const start = 2100000000;
    const line = `${user.name}:${start}:65536\n`;
    const file = join(apps, "chowner.yaml");
    // Root inside is the user; ids 1 and 2 inside are the range's first two. CAP_CHOWN, and the
    // calls to use it, let the app give what it made in its layer to them.
    writeFileSync(
      file,
      "apiVersion: secure-run/v1\nkind: App\nname: chowner\nuser: root\ncapabilities: [CHOWN]\n" +
        `command: ${JSON.stringify([
          "/bin/sh",
          "-c",
          "mkdir -p /var/x/d && echo hi >/var/x/d/f && echo top >/var/x/f && ln -s /etc /var/x/link && " +
            "chmod 700 /var/x/d && chown 2:2 /var/x/d/f && chown -h 1:1 /var/x/d /var/x/f /var/x/link /var/x && " +
            "echo chowned",
        ])}\n` +
        "syscalls: { profiles: [process], allow: [chown, fchown, fchownat, lchown] }\n" +
        "root: { host: true, writable: true }\nresources: { memory: 64Mi, pids: 32 }\n" +
        "bestEffort: [memory, pids]\n",
    );
    user.give(file);
    const instances = join(user.env.XDG_DATA_HOME as string, "secure-run", "instances");
    let id = "";
    try {
      for (const [i, f] of files.entries()) writeFileSync(f, (saved[i] ?? "") + line);
      const r = cli(["run", "-d", "--name", "chowner", file], { as: user });
      assert.equal(r.status, 0, said(r));
      id = r.stdout.trim();
      const w = cli(["wait", id], { as: user });
      const logs = cli(["logs", id], { as: user });
      assert.equal(w.status, 0, `${said(w)}\nlogs: ${said(logs)}`);
      assert.match(logs.stdout, /^chowned$/m);
      // From the host: the app's files are of the range's ids, not the user's.
      const x = join(instances, id, "layer/upper/var/x");
      const owners = spawnSync("stat", ["-c", "%u:%g %n", x, join(x, "f"), join(x, "d/f")], {
        encoding: "utf8",
      }).stdout;
      assert.deepEqual(
        owners
          .trim()
          .split("\n")
          .map((l) => l.split(" ")[0]),
        [`${start}:${start}`, `${start}:${start}`, `${start + 1}:${start + 1}`],
        owners,
      );
      const rm = cli(["rm", "chowner"], { as: user });
      assert.equal(rm.status, 0, said(rm));
      assert.equal(existsSync(join(instances, id)), false, "the instance's directory is gone");
      assert.deepEqual(readdirSync(instances), []);
      assert.equal(cli(["ps", "-a", "-q"], { as: user }).stdout, "");
      // The supervisor has ended; here (PID 1 is not a prompt reaper) its zombie may linger a
      // moment: the last test counts the user's processes.
      for (let i = 0; i < 200 && userProcesses().length > 0; i++) await sleep(100);
    } finally {
      for (const [i, f] of files.entries()) {
        const content = saved[i];
        if (content === null || content === undefined) rmSync(f, { force: true });
        else writeFileSync(f, content);
      }
      // What a failure left (the user cannot remove it; root can).
      if (id) rmSync(join(instances, id), { recursive: true, force: true });
      rmSync(join(user.env.XDG_DATA_HOME as string, "secure-run", "names", "chowner"), {
        force: true,
      });
    }
  });

  test("nothing is left: no mount on the host, no process of the user's", () => {
    assert.deepEqual(
      hostMounts().filter((m) => !mountsBefore.includes(m)),
      [],
      "the host's mount table gained entries",
    );
    assert.deepEqual(userProcesses(), [], "processes of the test user left");
  });
});

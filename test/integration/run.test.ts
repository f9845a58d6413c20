/** Real launches, as root: the sandbox as the app sees it, limits, exit statuses, clean-up. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  canLaunch,
  cli,
  cliCommandLine,
  leftoverCgroups,
  root,
  rootless,
  rootlessBestEffort,
  rootlessBestEffortFlags,
  rootOnly,
  spawnCli,
  tempDir,
} from "../helpers.js";
import { launcherProcesses } from "../hostile/common.js";
import { buildProgram } from "../shared/fixtures.js";

// As root, and again as an unprivileged user in the rootless pass (scripts/test.mjs, issue 16).
const skip = canLaunch
  ? false
  : "real launches run as root, or as the test user in the rootless pass (SECURE_RUN_TEST_AS=user)";
/** Tests of the app's cgroup: none is made for a user to whom nothing is delegated (cgroup v1
 * here); the VM lane runs the cgroup suite rootless in a delegated subtree. */
const noUserCgroup = rootlessBestEffort
  ? "rootless on this host: no cgroup is delegated to the user (cgroup v1); the cgroup v2 VM lane proves a delegated subtree"
  : false;
const tmp = tempDir("run");
const probeDir = join(tmp.dir, "bin");
const probe = join(probeDir, "probe");
const rootfs = join(tmp.dir, "rootfs");
let mountsBefore = 0;
let tmpBefore: string[] = [];

function app(name: string, command: string[], extra = ""): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(command)}\n` +
      `mounts:\n  - { source: ${probeDir}, target: /opt/probe }\n${extra}${rootlessBestEffort}`,
  );
}

function runApp(file: string): ReturnType<typeof cli> {
  return cli(["run", file], { timeout: 60_000 });
}

/** The launcher's processes, and any process whose command line names this test's directory. */
function ownProcesses(): string[] {
  return launcherProcesses(tmp.dir);
}

describe("secure-run run", { skip }, () => {
  before(() => {
    mountsBefore = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
    tmpBefore = readdirSync(tmpdir()).filter((f) => f !== tmp.dir.split("/").pop());
    execFileSync("mkdir", ["-p", probeDir]);
    buildProgram("probe", probe, "dynamic");
    // A rootfs of one static program and an /etc/passwd.
    execFileSync("mkdir", ["-p", join(rootfs, "bin"), join(rootfs, "etc")]);
    buildProgram("probe", join(rootfs, "bin/probe"), "static");
    tmp.write(
      "rootfs/etc/passwd",
      "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n",
    );
    tmp.write("rootfs/etc/group", "root:x:0:\napp:x:1000:\n");
  });
  after(() => {
    tmp.remove();
  });

  test("the example runs and shows its sandbox", () => {
    const example = readFileSync(join(root, "examples/hello.yaml"), "utf8");
    const r = runApp(tmp.write("hello.yaml", `${example}\n${rootlessBestEffort}`));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Hello from hello, running as nobody \(uid 65534\)\.$/m);
  });

  test("the app's exit status is secure-run's", () => {
    assert.equal(runApp(app("exit0", ["/opt/probe/probe", "exit", "0"])).status, 0);
    assert.equal(runApp(app("exit7", ["/opt/probe/probe", "exit", "7"])).status, 7);
  });

  test("killed by a signal: 128+N", () => {
    const r = runApp(
      app("selfkill", ["/bin/sh", "-c", "kill -TERM $$"], "syscalls: { profiles: [process] }\n"),
    );
    assert.equal(r.status, 143);
  });

  test("SIGTERM to secure-run reaches the app; its end is reported as 128+15", async () => {
    const file = app("sleeper", ["/bin/sleep", "30"]);
    const child = spawnCli(["run", file], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    assert.equal(code, 143);
    assert.ok(Date.now() - started < 5000, "the app ended promptly");
  });

  test("a command that does not exist: 127; one that cannot be executed: 126", () => {
    const missing = runApp(app("missing", ["/usr/bin/no-such-program"]));
    assert.equal(missing.status, 127);
    assert.match(
      missing.stderr,
      /^secure-run: command not found: execve `\/usr\/bin\/no-such-program`: No such file or directory$/m,
    );
    const notExec = runApp(app("notexec", ["/etc/passwd"]));
    assert.equal(notExec.status, 126);
    assert.match(
      notExec.stderr,
      /^secure-run: command cannot be invoked: execve `\/etc\/passwd`: Permission denied$/m,
    );
  });

  test("a syscall outside the allowlist fails inside and works outside", () => {
    const outside = execFileSync(probe, ["socket"], { encoding: "utf8" });
    assert.equal(outside, "socket: ok\n");
    const inside = runApp(app("nosocket", ["/opt/probe/probe", "socket"]));
    assert.equal(inside.stdout, "socket: errno 38 (ENOSYS)\n");
    assert.equal(inside.status, 1);
  });

  test(
    "a 32-bit syscall (int 0x80) from the 64-bit app kills it; outside it works",
    { skip: process.arch !== "x64" ? "x86_64 only" : false },
    () => {
      assert.match(
        execFileSync(probe, ["int80"], { encoding: "utf8" }),
        /^int80: getpid returned \d+$/m,
      );
      const r = runApp(app("int80", ["/opt/probe/probe", "int80"]));
      assert.equal(r.status, 128 + 31, `SIGSYS expected: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "");
    },
  );

  test("TIOCSTI cannot push input into a terminal, even through the upper bits", () => {
    const out = (req: string): string =>
      runApp(app(`ioctl-${req}`, ["/opt/probe/probe", "ioctl", req])).stdout;
    assert.equal(out("0x5412"), "ioctl: errno 1 (EPERM)\n");
    assert.equal(out("0x100005412"), "ioctl: errno 1 (EPERM)\n");
    assert.equal(out("0x541c"), "ioctl: errno 1 (EPERM)\n");
    // Other requests reach the kernel: stdin is no terminal here.
    assert.equal(out("0x5401"), "ioctl: errno 25 (ENOTTY)\n");
  });

  test("socket: allowed alone it is local-only; declaring network ports allows IP sockets", () => {
    const local = runApp(
      app("socket-local", ["/opt/probe/probe", "socket"], "syscalls: { allow: [socket] }\n"),
    );
    assert.equal(local.stdout, "socket: errno 38 (ENOSYS)\n");
    const net = runApp(
      app("socket-net", ["/opt/probe/probe", "socket"], "network: { connect: [443] }\n"),
    );
    assert.equal(net.stdout, "socket: ok\n");
  });

  test("capabilities are gone, no_new_privs is set, the filter is loaded", () => {
    const r = runApp(
      app(
        "status",
        [
          "/bin/sh",
          "-c",
          "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status",
        ],
        "syscalls: { profiles: [process] }\n",
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const fields: Record<string, string> = Object.fromEntries(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(/:\s+/) as [string, string]),
    );
    assert.deepEqual(fields, {
      CapInh: "0000000000000000",
      CapPrm: "0000000000000000",
      CapEff: "0000000000000000",
      CapBnd: "0000000000000000",
      CapAmb: "0000000000000000",
      NoNewPrivs: "1",
      Seccomp: "2",
    });
  });

  test("a kept capability is in every set, and only it", () => {
    const r = runApp(
      app(
        "keepcap",
        ["/bin/sh", "-c", "grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status"],
        "syscalls: { profiles: [process] }\ncapabilities: [NET_BIND_SERVICE]\n",
      ),
    );
    assert.equal(
      r.stdout,
      "CapEff:\t0000000000000400\nCapBnd:\t0000000000000400\nCapAmb:\t0000000000000400\n",
    );
  });

  test("host processes are not visible; the app's own are", () => {
    const r = runApp(
      app(
        "ps",
        ["/bin/sh", "-c", "ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '"],
        "syscalls: { profiles: [process] }\n",
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const pids = r.stdout.trim().split(" ").map(Number);
    assert.ok(pids.includes(1), "init is pid 1");
    assert.ok(pids.length <= 5, `sees ${pids.length} processes: ${r.stdout}`);
    assert.ok(!pids.includes(process.pid), "the test runner's pid is not visible");
  });

  test("the root is read-only, /tmp is writable, host files outside the view are absent", () => {
    const r = runApp(
      app(
        "fs",
        [
          "/bin/sh",
          "-c",
          "touch /x 2>&1; echo data > /tmp/f && cat /tmp/f; ls /root /home 2>&1; ls /etc/shadow 2>&1",
        ],
        "syscalls: { profiles: [process], allow: [utimensat] }\n",
      ),
    );
    assert.match(r.stdout, /touch: cannot touch '\/x': Read-only file system/);
    assert.match(r.stdout, /^data$/m);
    assert.match(r.stdout, /ls: cannot access '\/root': No such file or directory/);
    assert.match(r.stdout, /ls: cannot access '\/etc\/shadow': No such file or directory/);
  });

  test("/proc is masked where it tells about the host, and /proc/sys is read-only", () => {
    const r = runApp(
      app(
        "procview",
        [
          "/bin/sh",
          "-c",
          "wc -c < /proc/interrupts; wc -c < /proc/keys; echo 1 > /proc/sys/kernel/panic 2>&1; cat /proc/sys/kernel/ostype",
        ],
        "syscalls: { hints: [shell] }\n",
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    // On the host they are not empty: the masking is what the test sees.
    assert.ok(
      execFileSync("wc", ["-c", "/proc/interrupts"], { encoding: "utf8" }).trim() !==
        "0 /proc/interrupts",
    );
    assert.deepEqual(r.stdout.split("\n").slice(0, 2), ["0", "0"]);
    assert.match(r.stderr, /\/proc\/sys\/kernel\/panic: Read-only file system/);
    assert.match(r.stdout, /^Linux$/m);
  });

  test("Landlock: /tmp may be written but not executed from; /usr may be run", () => {
    const r = runApp(
      app(
        "noexec",
        [
          "/bin/sh",
          "-c",
          'cp /bin/true /tmp/t && echo copied; /tmp/t; echo "exec: $?"; /bin/true && echo usr ok',
        ],
        "syscalls: { hints: [shell] }\n",
      ),
    );
    assert.match(r.stdout, /^copied$/m);
    assert.match(r.stderr, /\/tmp\/t: Permission denied/);
    assert.match(r.stdout, /^exec: 126$/m);
    assert.match(r.stdout, /^usr ok$/m);
  });

  test("Landlock: only the declared TCP ports may be bound and connected to", () => {
    const net = "network: { listen: [8080], connect: [5432] }\n";
    assert.equal(
      runApp(app("bind-ok", ["/opt/probe/probe", "bind", "8080"], net)).stdout,
      "bind: ok\n",
    );
    assert.equal(
      runApp(app("bind-no", ["/opt/probe/probe", "bind", "8081"], net)).stdout,
      "bind: errno 13 (EACCES)\n",
    );
    // Nothing listens: allowed is "refused by the peer", not allowed is Landlock's EACCES.
    assert.equal(
      runApp(app("conn-ok", ["/opt/probe/probe", "connect", "5432"], net)).stdout,
      "connect: errno 111 (ECONNREFUSED)\n",
    );
    assert.equal(
      runApp(app("conn-no", ["/opt/probe/probe", "connect", "5433"], net)).stdout,
      "connect: errno 13 (EACCES)\n",
    );
  });

  test("a shell waits for a background job under the process profile (rt_sigsuspend)", () => {
    // Without rt_sigsuspend, dash's `wait` fails with ENOSYS and spins at full CPU forever.
    const r = cli(
      [
        "exec",
        ...rootlessBestEffortFlags,
        "--profile",
        "process",
        "--",
        "/bin/sh",
        "-c",
        "trap 'exit 3' TERM; sleep 0.2 & wait $!; echo waited",
      ],
      { timeout: 20_000 },
    );
    assert.equal(r.signal, null, "ended by itself, not by the test's timeout");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "waited\n");
  });

  test("a port below 1024 in a private network namespace binds without any capability", () => {
    const r = runApp(
      app("lowport", ["/opt/probe/probe", "bind", "80"], "network: { listen: [80] }\n"),
    );
    assert.equal(r.stdout, "bind: ok\n", r.stderr);
    const plan = JSON.parse(
      cli([
        "plan",
        "--json",
        tmp.write(
          "lowport-plan.yaml",
          "apiVersion: secure-run/v1\nkind: App\nname: lp\ncommand: [x]\nnetwork: { listen: [80] }\n",
        ),
      ]).stdout,
    ) as {
      capabilities: { keep: unknown[] };
    };
    assert.deepEqual(plan.capabilities.keep, []);
  });

  test("restart on-failure: at most maxRetries more runs", () => {
    const r = runApp(
      app(
        "flaky",
        ["/bin/sh", "-c", "echo run; exit 3"],
        "syscalls: { hints: [shell] }\nrestart: { policy: on-failure, maxRetries: 2 }\n",
      ),
    );
    assert.equal(r.status, 3);
    assert.equal(r.stdout, "run\nrun\nrun\n");
    assert.equal((r.stderr.match(/restarting flaky/g) ?? []).length, 2);
  });

  test("instances: each runs in its own sandbox", () => {
    const r = runApp(
      app(
        "twins",
        ["/bin/sh", "-c", "echo pid $$"],
        "syscalls: { hints: [shell] }\ninstances: 3\n",
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    // Each is pid 2 of its own pid namespace (init is 1).
    assert.equal(r.stdout, "pid 2\npid 2\npid 2\n");
  });

  test("a rootfs directory replaces the host view; its own users apply", () => {
    const r = runApp(
      tmp.write(
        "rootfs-app.yaml",
        `apiVersion: secure-run/v1\nkind: App\nname: rootfs-app\nroot: { rootfs: ${rootfs} }\nuser: app\nhostname: inside\ncommand: [/bin/probe, exit, "5"]\n${rootlessBestEffort}`,
      ),
    );
    assert.equal(r.status, 5, r.stderr);
  });

  test("each isolation property holds inside, and the same probe on the host sees it missing", () => {
    const parse = (text: string): Record<string, string> =>
      Object.fromEntries(
        text
          .trim()
          .split("\n")
          .map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]),
      );
    // "Without the layers": the probe as the caller, in throwaway mount and network namespaces so
    // that what it changes (a mount, a sysctl) stays there; a directory descriptor left open. A
    // user gets them as root of a user namespace of its own (`unshare -r`), as the launcher does.
    const outside = parse(
      execFileSync(
        "bash",
        [
          "-c",
          `exec 7</tmp; exec unshare ${rootless ? "-r " : ""}-m -n --propagation private ${probe} report`,
        ],
        { encoding: "utf8" },
      ),
    );
    // What an unprivileged caller cannot do on the host either: no contrast to show there.
    const callerLacks = new Set(rootless ? ["bpf"] : []);
    const r = spawnSync(
      "bash",
      [
        "-c",
        `exec 7</tmp; exec ${cliCommandLine} run ${app("report", ["/opt/probe/probe", "report"])}`,
      ],
      {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const inside = parse(r.stdout);
    const expect: [string, string, (v: string) => boolean][] = [
      ["pids", "the app's processes only", (v) => Number(v) <= 3],
      ["inherited-fds", "no descriptor of the caller's", (v) => v === "0"],
      ["CapEff", "no capability", (v) => v === "0000000000000000"],
      ["CapBnd", "an empty bounding set", (v) => v === "0000000000000000"],
      ["NoNewPrivs", "no_new_privs", (v) => v === "1"],
      ["Seccomp", "a seccomp filter", (v) => v === "2"],
      ["mount", "mount refused", (v) => v === "EPERM"],
      ["ptrace", "ptrace refused", (v) => v === "EPERM"],
      ["bpf", "bpf refused", (v) => v === "EPERM"],
      ["keyctl", "keyctl refused", (v) => v === "EPERM"],
      ["unshare", "unshare refused", (v) => v === "EPERM"],
      ["io_uring_setup", "io_uring refused", (v) => v === "EPERM"],
      ["proc-sys-write", "/proc/sys read-only", (v) => v === "EROFS" || v === "EACCES"],
      [
        "init-exe",
        "the launcher's binary (init) cannot be opened",
        (v) => v === "EACCES" || v === "EPERM",
      ],
    ];
    for (const [key, what, holds] of expect) {
      assert.ok(
        holds(inside[key] ?? "(missing)"),
        `inside: ${what}: ${key} = ${inside[key] ?? "(missing)"}`,
      );
      if (key !== "init-exe" && !callerLacks.has(key))
        assert.ok(
          !holds(outside[key] ?? ""),
          `on the host the probe must see ${key} differently; it saw ${outside[key] ?? "(missing)"}`,
        );
    }
  });

  test(
    "a setuid binary does not elevate inside; on the host it does",
    { skip: rootOnly("making a binary setuid root takes root") },
    () => {
      const suid = join(probeDir, "probe-suid");
      execFileSync("cp", [probe, suid]);
      execFileSync("chmod", ["4755", suid]);
      try {
        assert.equal(
          execFileSync(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", suid, "euid"],
            { encoding: "utf8" },
          ),
          "euid 0\n",
        );
        assert.equal(runApp(app("suid", ["/opt/probe/probe-suid", "euid"])).stdout, "euid 65534\n");
      } finally {
        execFileSync("rm", ["-f", suid]);
      }
    },
  );

  test("the launcher's binary and the host's files are not in the view", () => {
    const r = runApp(
      app(
        "view",
        [
          "/bin/sh",
          "-c",
          `ls ${join(root, "build/Release")} 2>&1; ls /work 2>&1; readlink /proc/1/exe 2>&1`,
        ],
        "syscalls: { hints: [shell] }\n",
      ),
    );
    assert.match(r.stdout, /cannot access .*build\/Release.*No such file/);
    assert.doesNotMatch(r.stdout, /secure-run-launch$/m);
  });

  test("init shows the app a name, not the launcher's command line", () => {
    const r = runApp(
      app(
        "initname",
        ["/bin/sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline; echo; cat /proc/1/comm"],
        "syscalls: { hints: [shell] }\n",
      ),
    );
    const [cmdline, comm] = r.stdout.split("\n");
    // Without the wipe, init (a clone of the launcher) shows `secure-run-launch --bundle PATH …`.
    assert.equal(cmdline?.trim(), "secure-run-init", r.stdout);
    assert.equal(comm, "sr-init");
  });

  test("the hostname inside is the app's; the host's is unchanged", () => {
    const before = execFileSync("hostname", { encoding: "utf8" });
    assert.equal(
      runApp(app("named", ["/bin/uname", "-n"], "hostname: inside-box\n")).stdout,
      "inside-box\n",
    );
    assert.equal(execFileSync("hostname", { encoding: "utf8" }), before);
  });

  test("root inside is an unprivileged user outside", async () => {
    const file = app("rootuser", ["/bin/sleep", "5"], "user: root\n");
    const child = spawnCli(["run", file], { stdio: "ignore" });
    try {
      let uid: string | undefined;
      for (let i = 0; i < 50 && uid === undefined; i++) {
        await new Promise((res) => setTimeout(res, 100));
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          try {
            if (readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("/bin/sleep\x005")) {
              uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
            }
          } catch {
            // gone
          }
        }
      }
      // Root's launches map root inside to a range from 100000; a user's (without newuidmap and
      // /etc/subuid) map it to the user's own uid, never to root.
      if (rootless) assert.equal(uid, String(process.getuid?.()), "uid outside");
      else
        assert.ok(uid !== undefined && Number(uid) >= 100000, `uid outside: ${uid ?? "not found"}`);
    } finally {
      child.kill("SIGTERM");
      await new Promise((res) => child.on("exit", res));
    }
  });

  test(
    "50 concurrent launches all succeed, each in its own cgroup",
    { skip: noUserCgroup },
    async () => {
      const file = app(
        "many",
        ["/bin/sh", "-c", "cat /proc/self/cgroup | grep memory; sleep 1"],
        "syscalls: { hints: [shell] }\n",
      );
      const results = await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
              const c = spawnCli(["run", "--json", file], {
                stdio: ["ignore", "pipe", "pipe"],
              });
              let out = "";
              let err = "";
              c.stdout?.on("data", (d: Buffer) => (out += d.toString()));
              c.stderr?.on("data", (d: Buffer) => (err += d.toString()));
              c.on("close", (code) => resolve({ code, out: out + err }));
            }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.code),
        Array(50).fill(0),
      );
      // Inside its cgroup namespace each sees itself at the root; the supervisors' pids differ.
      const launchers = new Set(results.map((r) => /"exitCode":0/.test(r.out)));
      assert.deepEqual([...launchers], [true]);
    },
  );

  test(
    "200 launches, some killed with SIGKILL: nothing is left once gc has run",
    { skip: noUserCgroup },
    async () => {
      const file = app("churn", ["/bin/sleep", "30"]);
      const launcherOf = (parent: number): number | undefined => {
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          try {
            const st = readFileSync(`/proc/${pid}/stat`, "utf8");
            if (
              st.includes("(secure-run-laun") &&
              Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]) === parent
            )
              return Number(pid);
          } catch {
            // gone
          }
        }
        return undefined;
      };
      const until = async (what: () => boolean): Promise<void> => {
        for (let i = 0; i < 200 && !what(); i++) await new Promise((res) => setTimeout(res, 50));
      };
      for (let round = 0; round < 10; round++) {
        const batch = Array.from({ length: 20 }, () =>
          spawnCli(["run", file], { stdio: "ignore" }),
        );
        const exited = batch.map((c) => new Promise((res) => c.on("exit", res)));
        // Each launch is under way (its launcher started) before it is ended.
        const launchers = await Promise.all(
          batch.map(async (c) => {
            let l: number | undefined;
            await until(() => (l = launcherOf(c.pid ?? -1)) !== undefined);
            return l;
          }),
        );
        await new Promise((res) => setTimeout(res, 300));
        batch.forEach((c, i) => {
          const launcher = launchers[i];
          // Kill secure-run itself (the launcher ends the app), or its launcher (gc cleans up).
          if (i % 4 === 0) c.kill("SIGKILL");
          else if (i % 4 === 1 && launcher !== undefined) process.kill(launcher, "SIGKILL");
          else c.kill("SIGTERM");
        });
        await Promise.all(exited);
      }
      const gc = cli(["gc"]);
      assert.equal(gc.status, 0, gc.stderr);
      // The launchers killed outright left their cgroups (the killed CLIs' launchers did not).
      const removed = Number(/^(\d+) removed/m.exec(gc.stdout)?.[1] ?? 0);
      assert.ok(removed >= 10, gc.stdout);
      assert.deepEqual(leftoverCgroups(), []);
    },
  );

  test(
    "--cgroup-parent: the app's cgroup goes below it, which must exist",
    { skip: noUserCgroup },
    () => {
      const r = cli([
        "run",
        "--cgroup-parent",
        "no-such-parent",
        app("parent", ["/opt/probe/probe", "exit", "0"]),
      ]);
      assert.equal(r.status, 125);
      assert.match(
        r.stderr,
        /launch failed at step "cgroup": mkdir `[^`]*\/no-such-parent\/secure-run-parent-\d+`: No such file or directory/,
      );
    },
  );

  test("nothing is left behind: no cgroup, mount, process or temporary file", () => {
    assert.deepEqual(leftoverCgroups(), []);
    assert.equal(readFileSync("/proc/self/mountinfo", "utf8").split("\n").length, mountsBefore);
    assert.deepEqual(ownProcesses(), []);
    const tmpNow = readdirSync(tmpdir()).filter((f) => f !== tmp.dir.split("/").pop());
    assert.deepEqual(
      tmpNow.filter((f) => !tmpBefore.includes(f) && f.startsWith("secure-run")),
      [],
    );
  });
});

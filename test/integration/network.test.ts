/** Private networks, for real (issue 18): busybox httpd in a network namespace of its own answers
 * on its published port on the host's loopback; three instances on three host ports; egress
 * only to the connect list (nftables in the app's namespace), checked against listeners on the
 * bridge's host address and in a namespace the test makes (root), and rootless against the
 * host's loopback and a namespace of the test's reached through a pasta of its own; DNS only to
 * the resolvers the app's own resolv.conf names (resolvers of the test's, the host's files
 * named by SECURE_RUN_HOST_RESOLV_CONF and SECURE_RUN_RESOLVED_RESOLV_CONF); after SIGKILL of an
 * instance's supervisor and `gc`, the links, the ruleset, the IPAM leases and the netns files are
 * as before; pasta is its supervisor's child, never a zombie left to init. As root the plumbing
 * is the CNI plugins; in the rootless pass, pasta. Traffic stays on the host: loopback, the
 * bridge, and the test's own namespaces. */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  canLaunch,
  cli,
  fetchText,
  isRoot,
  rootless,
  root,
  rootlessBestEffort,
  spawnCli,
  tempDir,
} from "../helpers.js";

const tmp = tempDir("net");
const state = join(tmp.dir, "state");
const env = { ...process.env, SECURE_RUN_STATE_DIR: state, NO_COLOR: "1" };
const IPAM = "/var/lib/cni/networks/secure-run";
const NETNS_FILES = "/run/secure-run/netns";
const GATEWAY = "10.89.0.1";
const PROFILE = join(process.cwd(), "examples/busybox-httpd.profile.yaml");
const missing = ["/usr/lib/cni/bridge", "/usr/sbin/nft", "/usr/bin/pasta", "/bin/busybox"].filter(
  (f) => !existsSync(f),
);
const skip = !canLaunch
  ? "needs root or the rootless pass"
  : missing.length
    ? `missing ${missing.join(", ")} (scripts/setup.sh --test installs them)`
    : false;

/** A port base of this run's own, so that a parallel run elsewhere does not collide. */
const BASE = 20000 + (process.pid % 2000) * 10;

mkdirSync(join(tmp.dir, "www"));
writeFileSync(join(tmp.dir, "www/index.html"), "hello from a private network\n");

function httpd(name: string, publish: string, extra = ""): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n` +
      `command: [/bin/busybox, httpd, -f, -p, "80", -h, /www]\n` +
      `mounts: [{ source: ./www, target: /www }]\n` +
      `network: { mode: private, listen: [80], publish: [${JSON.stringify(publish)}] }\n` +
      `syscalls: { profiles: [${PROFILE}] }\n${extra}${rootlessBestEffort}`,
  );
}

/** A busybox shell script as an app in a private network that may connect to `connect`. */
function shellApp(name: string, script: string, connect: string[]): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n` +
      `command: [/bin/busybox, sh, -c, ${JSON.stringify(script)}]\n` +
      `network: { mode: private, connect: ${JSON.stringify(connect)} }\n` +
      `syscalls: { profiles: [process], allow: [setuid, setgid, alarm] }\n${rootlessBestEffort}`,
  );
}

/** An app that connects to each HOST:PORT with busybox nc (Debian 12's busybox wget crashes) and
 * prints "HOST:PORT ok" or "HOST:PORT refused". */
function client(name: string, connect: string[], targets: string[]): string {
  const script = targets
    .map((t) => {
      const [host, port] = t.split(":");
      return `if busybox nc -w 3 ${host} ${port} </dev/null 2>/dev/null; then echo "${t} ok"; else echo "${t} refused"; fi`;
    })
    .join("; ");
  return shellApp(name, script, connect);
}

/** An app that prints its resolv.conf's nameservers, what its resolver answers for test.srn,
 * and whether each of `servers` answers when asked directly. */
function dnsClient(name: string, connect: string[], servers: string[]): string {
  const ask = (server = ""): string =>
    `busybox nslookup -timeout=2 test.srn ${server} 2>/dev/null | busybox grep -o '10\\.1\\.2\\.[0-9]*' | busybox tail -1`;
  const script = [
    "busybox grep ^nameserver /etc/resolv.conf",
    `a=$(${ask()}); echo "test.srn is \${a:-unresolved}"`,
    ...servers.map(
      (s) =>
        `a=$(${ask(s)}); if [ -n "$a" ]; then echo "${s} answered"; else echo "${s} refused"; fi`,
    ),
  ].join("; ");
  return shellApp(name, script, connect);
}

/** The environment that makes secure-run read the host's resolv.conf and systemd-resolved's
 * from files of the test's, with these texts. */
function resolvFiles(host: string, resolved: string): Record<string, string> {
  return {
    SECURE_RUN_HOST_RESOLV_CONF: tmp.write("host-resolv.conf", host),
    SECURE_RUN_RESOLVED_RESOLV_CONF: tmp.write("resolved-resolv.conf", resolved),
  };
}

/** test/fixtures/dnsd.mjs on ADDRESS:53 (behind `prefix`), answering `answer`; once ready. */
async function dnsd(prefix: string[], address: string, answer: string): Promise<ChildProcess> {
  const argv = [...prefix, process.execPath, join(root, "test/fixtures/dnsd.mjs"), address, answer];
  const c = spawn(argv[0] ?? "", argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise<void>((resolve, reject) => {
    c.stdout?.once("data", () => resolve());
    c.once("exit", (code) => reject(new Error(`dnsd on ${address} exited ${code}`)));
  });
  return c;
}

async function fetchSoon(url: string, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fetchText(url);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function started(file: string): {
  child: ChildProcess;
  exited: Promise<number | null>;
  err: () => string;
} {
  const child = spawnCli(["run", file], { env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (c: string) => (err += c));
  child.stdout?.resume();
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, err: () => err };
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A host address that a rootless app's pasta does not take for the app (it copies the address
 * of the default route's interface): a connection to it from the app leaves through pasta and
 * reaches the host. Undefined when the host has no other (the root pass made the bridge's). */
function otherHostAddress(): string | undefined {
  const dev = /\bdev (\S+)/.exec(sh("ip", ["-4", "route", "show", "default"]))?.[1];
  return sh("ip", ["-4", "-o", "addr", "show"])
    .split("\n")
    .map((l) => /^\d+: (\S+)\s+inet ([\d.]+)\//.exec(l))
    .find((m) => m && m[1] !== "lo" && m[1] !== dev)?.[2];
}

/** The state letter and parent of a process (undefined: gone). */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state = "", ppid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** The caller's ended pasta processes that wait for `parent` to reap them. */
function pastaZombiesOf(parent: number): string[] {
  return sh("ps", ["-u", String(process.getuid?.()), "-o", "pid=,ppid=,stat=,comm="])
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(
      ([, ppid, stat = "", comm = ""]) =>
        Number(ppid) === parent && stat.startsWith("Z") && /^pas/.test(comm),
    )
    .map(([pid]) => pid ?? "");
}

/** What a network leaves on the host, compared before and after: the links (the veths), the
 * ruleset (without counters), the IPAM leases, the netns files, pasta processes of ours. */
function hostNetwork(): Record<string, string> {
  const list = (d: string): string => (existsSync(d) ? readdirSync(d).sort().join(" ") : "");
  const out: Record<string, string> = {
    netnsFiles: list(NETNS_FILES),
    // The documents (the resolv.conf the launches share stays, as the state directory does).
    networkDocs: list(join(state, "networks"))
      .split(" ")
      .filter((f) => f !== "resolv.conf")
      .join(" "),
  };
  if (isRoot) {
    out.links = sh("ip", ["-o", "link", "show"])
      .split("\n")
      .map((l) => l.replace(/^\d+: /, "").split(":")[0])
      .sort()
      .join(" ");
    out.ruleset = sh("nft", ["list", "ruleset"]).replace(
      /counter packets \d+ bytes \d+/g,
      "counter",
    );
    out.leases = list(IPAM);
  } else {
    // Running forwarders (one killed with its supervisor stays a zombie until init reaps it).
    out.pasta = sh("ps", ["-u", String(process.getuid?.()), "-o", "stat=,comm="])
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([stat = "", comm = ""]) => !stat.startsWith("Z") && /^pas(ta|st)/.test(comm))
      .map(([, comm]) => comm)
      .join(" ");
  }
  return out;
}

describe("a private network", { skip }, () => {
  let baseline: Record<string, string>;
  after(() => {
    tmp.remove();
  });

  test("busybox httpd answers on its published port on 127.0.0.1; its run leaves nothing", async () => {
    // The bridge, and CNI's own chains, stay from the first network on (as Podman's cni-podman0).
    const port = BASE;
    const run = started(httpd("web", `127.0.0.1:${port}:80`));
    try {
      assert.equal(await fetchSoon(`http://127.0.0.1:${port}/`), "hello from a private network\n");
      if (isRoot) assert.match(sh("ip", ["-o", "link", "show"]), /veth/);
    } finally {
      run.child.kill("SIGTERM");
    }
    await run.exited;
    assert.doesNotMatch(run.err(), /network (add|cleanup|del)/, run.err());
    baseline = hostNetwork();
    if (isRoot) {
      assert.equal(baseline.leases, "last_reserved_ip.0 lock", "no IPAM lease left");
      assert.doesNotMatch(baseline.links ?? "", /veth/, "no veth left");
    }
    assert.equal(baseline.netnsFiles, "");
    assert.equal(baseline.networkDocs, "");
    // Nothing answers on the port any more.
    await assert.rejects(fetchText(`http://127.0.0.1:${port}/`));
  });

  test("three instances on three host ports at once; plan shows them", async () => {
    const file = httpd("web3", `127.0.0.1:${BASE + 1}-${BASE + 3}:80`, "instances: 3\n");
    const plan = cli(["plan", "--json", file], { env });
    assert.equal(plan.status, 0, plan.stderr);
    const publish = (JSON.parse(plan.stdout) as { network: { publish: unknown[] } }).network
      .publish;
    assert.deepEqual(publish, [
      {
        hostIp: "127.0.0.1",
        hostPorts: [BASE + 1, BASE + 2, BASE + 3],
        port: 80,
        protocol: "tcp",
        reasons: [{ kind: "field", ref: "network.publish[0]" }],
      },
    ]);
    const run = started(file);
    try {
      for (const p of [BASE + 1, BASE + 2, BASE + 3])
        assert.equal(await fetchSoon(`http://127.0.0.1:${p}/`), "hello from a private network\n");
    } finally {
      run.child.kill("SIGTERM");
    }
    await run.exited;
    assert.deepEqual(hostNetwork(), baseline);
  });

  test(
    "egress goes only to the connect list: not to an undeclared port or address; DNS only to the resolver its resolv.conf names",
    { skip: rootless ? "root only: the bridge's host address and the test's namespace" : false },
    async () => {
      // Listeners the app must not reach (undeclared) and one it may: on the bridge's host address
      // and in a namespace of the test's own, routed through the host.
      const ns = `secure-run-test-net-${process.pid}`;
      const hostVeth = `srt${process.pid % 100000}`;
      sh("ip", ["netns", "add", ns]);
      // busybox httpd, each a process of the test's (the test waits in spawnSync meanwhile).
      const servers: ChildProcess[] = [];
      const serve = async (prefix: string[], address: string): Promise<void> => {
        const c = spawn(
          prefix[0] ?? "",
          [...prefix.slice(1), "busybox", "httpd", "-f", "-p", address, "-h", join(tmp.dir, "www")],
          { stdio: "ignore" },
        );
        servers.push(c);
        const [host, port] = address.split(":");
        await fetchSoon(`http://${host}:${port}/`, 5000);
      };
      try {
        sh("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        sh("ip", ["addr", "add", "10.199.0.1/30", "dev", hostVeth]);
        sh("ip", ["link", "set", hostVeth, "up"]);
        sh("ip", ["-n", ns, "addr", "add", "10.199.0.2/30", "dev", "eth0"]);
        sh("ip", ["-n", ns, "link", "set", "eth0", "up"]);
        sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
        sh("ip", ["-n", ns, "route", "add", "default", "via", "10.199.0.1"]);
        await serve(["ip", "netns", "exec", ns], `10.199.0.2:${BASE + 5}`);
        // The declared port at an undeclared address: Landlock lets the app connect to the port,
        // only the network's rules refuse it.
        await serve(["env"], `${GATEWAY}:${BASE + 5}`);
        await serve(["env"], `${GATEWAY}:${BASE + 6}`);
        await serve(["env"], `${GATEWAY}:${BASE + 7}`);
        const allowed = `10.199.0.2:${BASE + 5}`;
        const wrongAddress = `${GATEWAY}:${BASE + 5}`;
        const wrongPort = `${GATEWAY}:${BASE + 6}`;
        const declaredHost = `${GATEWAY}:${BASE + 7}`;
        const file = client(
          "client",
          [`10.199.0.2:${BASE + 5}`, `${GATEWAY}/32:${BASE + 7}`],
          [allowed, wrongAddress, wrongPort, declaredHost],
        );
        const r = cli(["run", file], { env, timeout: 30_000 });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.deepEqual(r.stdout.trim().split("\n"), [
          `${allowed} ok`,
          `${wrongAddress} refused`,
          `${wrongPort} refused`,
          `${declaredHost} ok`,
        ]);
        // DNS: the host's resolv.conf names systemd-resolved's stub only (out of the network's
        // reach): the app gets resolved's upstream server, a resolver in the test's namespace,
        // and may query that one only (another one, on the bridge's address, is refused).
        servers.push(await dnsd(["ip", "netns", "exec", ns], "10.199.0.2", "10.1.2.3"));
        servers.push(await dnsd([], GATEWAY, "10.1.2.4"));
        const d = cli(["run", dnsClient("dns", [allowed], [GATEWAY])], {
          env: { ...env, ...resolvFiles("nameserver 127.0.0.53\n", "nameserver 10.199.0.2\n") },
          timeout: 30_000,
        });
        assert.equal(d.status, 0, `${d.stdout}\n${d.stderr}`);
        assert.deepEqual(d.stdout.trim().split("\n"), [
          "nameserver 10.199.0.2",
          "test.srn is 10.1.2.3",
          `${GATEWAY} refused`,
        ]);
      } finally {
        for (const c of servers) c.kill("SIGKILL");
        spawnSync("ip", ["link", "del", hostVeth]);
        spawnSync("ip", ["netns", "del", ns]);
      }
      assert.deepEqual(hostNetwork(), baseline);
    },
  );

  test(
    "rootless (pasta): egress only to the connect list, not to the host's loopback nor to a namespace of the test's",
    {
      skip: !rootless
        ? "the rootless pass's: as root, the test above"
        : !otherHostAddress()
          ? "this host has one address only, which pasta gives the app (the root pass's bridge adds one)"
          : false,
    },
    async () => {
      // The test's own namespaces (user, network, pid: its processes end with it), with three
      // listeners, reachable from the host through a pasta of the test's on a host address the
      // app's pasta leads to; and a listener on the host's loopback.
      const addr = otherHostAddress() ?? "";
      const [p1, p2, p3] = [BASE + 5, BASE + 6, BASE + 7];
      const www = join(tmp.dir, "www");
      const procs: ChildProcess[] = [];
      try {
        const ns = spawn(
          "unshare",
          [
            "--user",
            "--map-root-user",
            "--net",
            "--pid",
            "--fork",
            "--kill-child",
            "busybox",
            "sh",
            "-c",
            `for p in ${p1} ${p2}; do busybox httpd -f -p $p -h ${www} & done; exec busybox httpd -f -p ${p3} -h ${www}`,
          ],
          { stdio: "ignore" },
        );
        procs.push(ns);
        await new Promise((r) => setTimeout(r, 200));
        const fwd = spawn(
          "pasta",
          [
            "--config-net",
            "--quiet",
            "--foreground",
            "--ipv4-only",
            ...[p1, p2, p3].flatMap((p) => ["-t", `${addr}/${p}`]),
            "-T",
            "none",
            "-u",
            "none",
            "-U",
            "none",
            String(ns.pid),
          ],
          { stdio: "ignore" },
        );
        procs.push(fwd);
        procs.push(
          spawn("busybox", ["httpd", "-f", "-p", `127.0.0.1:${p2}`, "-h", www], {
            stdio: "ignore",
          }),
        );
        for (const u of [`${addr}:${p1}`, `${addr}:${p2}`, `${addr}:${p3}`, `127.0.0.1:${p2}`])
          await fetchSoon(`http://${u}/`, 5000);
        // Landlock lets the app connect to p1 and p2 at any address: the network's rules refuse
        // ADDR:p2 (declared only at 127.0.0.1), which without them would answer.
        const file = client(
          "rclient",
          [`${addr}:${p1}`, `127.0.0.1:${p2}`],
          [`${addr}:${p1}`, `${addr}:${p2}`, `127.0.0.1:${p2}`, `${addr}:${p3}`],
        );
        const r = cli(["run", file], { env, timeout: 30_000 });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.deepEqual(r.stdout.trim().split("\n"), [
          `${addr}:${p1} ok`,
          `${addr}:${p2} refused`,
          `127.0.0.1:${p2} refused`,
          `${addr}:${p3} refused`,
        ]);
        // DNS: the host names resolved's stub only; the app's resolv.conf names resolved's
        // upstream server, queried through pasta (the VM lane, whose test may bind port 53,
        // asks one; here nothing answers there).
        const d = cli(["run", dnsClient("rdns", [`${addr}:${p1}`], [])], {
          env: { ...env, ...resolvFiles("nameserver 127.0.0.53\n", `nameserver ${addr}\n`) },
          timeout: 30_000,
        });
        assert.equal(d.status, 0, `${d.stdout}\n${d.stderr}`);
        assert.equal(d.stdout.split("\n")[0], `nameserver ${addr}`);
      } finally {
        await Promise.all(
          procs.reverse().map(
            (c) =>
              new Promise((res) => {
                if (c.exitCode !== null || c.signalCode !== null) res(undefined);
                else c.once("exit", res).kill("SIGKILL");
              }),
          ),
        );
      }
      assert.deepEqual(hostNetwork(), baseline);
    },
  );

  test("after SIGKILL of an instance's supervisor, gc leaves the host's network as before", async () => {
    const port = BASE + 8;
    const r = cli(["run", "-d", "--name", "netkill", httpd("webd", `127.0.0.1:${port}:80`)], {
      env,
    });
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    assert.equal(await fetchSoon(`http://127.0.0.1:${port}/`), "hello from a private network\n");
    const ps = cli(["ps", "--json"], { env });
    assert.match(ps.stdout, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    const inspect = cli(["inspect", "netkill"], { env });
    assert.match(inspect.stdout, new RegExp(`"hostPort": ${port}`));
    const statePid = (
      JSON.parse(readFileSync(join(state, "instances", id, "state.json"), "utf8")) as {
        supervisorPid: number;
      }
    ).supervisorPid;
    assert.ok(statePid > 0);
    process.kill(statePid, "SIGKILL");
    await new Promise((res) => setTimeout(res, 300));
    assert.notDeepEqual(hostNetwork(), baseline, "the killed supervisor's network is still there");
    const gc = cli(["gc"], { env });
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stdout, /removed network of instance/);
    assert.deepEqual(hostNetwork(), baseline);
    await assert.rejects(fetchText(`http://127.0.0.1:${port}/`));
    assert.equal(cli(["rm", "netkill"], { env }).status, 0);
  });

  test("a restarting instance gets its network again on each run, and rm -f leaves nothing", async () => {
    const file = tmp.write(
      "restarting.yaml",
      `apiVersion: secure-run/v1\nkind: App\nname: restarting\ncommand: [/bin/sh, -c, "sleep 0.3"]\n` +
        `network: { mode: private, listen: [80], publish: ["127.0.0.1:${BASE + 4}:80"] }\n` +
        `syscalls: { profiles: [process] }\nrestart: always\n${rootlessBestEffort}`,
    );
    const r = cli(["run", "-d", "--name", "netrestart", file], { env });
    assert.equal(r.status, 0, r.stderr);
    let restarts = 0;
    for (const end = Date.now() + 15_000; restarts < 2 && Date.now() < end;) {
      await new Promise((res) => setTimeout(res, 200));
      const ps = JSON.parse(cli(["ps", "--json"], { env }).stdout) as {
        name: string;
        restarts: number;
      }[];
      restarts = ps.find((p) => p.name === "netrestart")?.restarts ?? 0;
    }
    assert.ok(restarts >= 2, `restarts: ${restarts}`);
    if (rootless) {
      // Each run's pasta is the supervisor's child, which reaps it after each run's del: no
      // zombie waits for the host's init.
      const id = r.stdout.trim();
      const supervisor = (
        JSON.parse(readFileSync(join(state, "instances", id, "state.json"), "utf8")) as {
          supervisorPid: number;
        }
      ).supervisorPid;
      let live: { state: string; ppid: number } | undefined;
      for (const end = Date.now() + 5000; !live && Date.now() < end;) {
        const doc = JSON.parse(
          readFileSync(join(state, "instances", id, "network.json"), "utf8"),
        ) as { pasta?: { pid: number } };
        live = doc.pasta ? procStat(doc.pasta.pid) : undefined;
        if (!live || live.state === "Z") {
          live = undefined;
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      assert.equal(live?.ppid, supervisor, "pasta is the supervisor's child");
      // (One ended a moment ago waits for its del to exit: only one still there later counts.)
      const first = pastaZombiesOf(supervisor);
      await new Promise((res) => setTimeout(res, 500));
      assert.deepEqual(
        pastaZombiesOf(supervisor).filter((z) => first.includes(z)),
        [],
      );
    }
    assert.doesNotMatch(cli(["logs", "netrestart"], { env }).stdout, /network (add|del|cleanup)/);
    assert.equal(cli(["rm", "-f", "netrestart"], { env }).status, 0);
    assert.deepEqual(hostNetwork(), baseline);
  });

  test("a failed launch leaves nothing: the app not found, a destination not resolved", () => {
    const missingApp = tmp.write(
      "missing.yaml",
      `apiVersion: secure-run/v1\nkind: App\nname: missing\ncommand: [/no/such/program]\n` +
        `network: { mode: private, listen: [80], publish: ["127.0.0.1:${BASE + 9}:80"] }\n${rootlessBestEffort}`,
    );
    const r = cli(["run", missingApp], { env, timeout: 60_000 });
    assert.equal(r.status, 127, r.stderr);
    assert.deepEqual(hostNetwork(), baseline);
    const unresolved = client("unresolved", ["no-such-host.invalid:80"], []);
    const u = cli(["run", unresolved], { env, timeout: 60_000 });
    assert.equal(u.status, 125, u.stderr);
    assert.match(u.stderr, /launch failed at step "network"/);
    assert.match(u.stderr, /cannot resolve no-such-host\.invalid/);
    assert.deepEqual(hostNetwork(), baseline);
  });
});

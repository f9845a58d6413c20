/** The cgroup2 lane, a private network rootless (issue 18): pasta on Debian 12's own kernel. The
 * guest is set up as a host with a network: loopback up, a dummy interface with the default
 * route (pasta gives the app its address and routes), a second host address for the app to
 * reach through pasta, and /dev/net/tun open to users as Debian's udev makes it; the tun and
 * nftables modules are in the initramfs (assets/boot.sh). The test user runs the CLI; Linux 6.1
 * has no Landlock TCP rules, so the network's nftables rules are the only thing between the app
 * and an undeclared port here. Two launches, each a few seconds under TCG. */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  cliPath,
  commandAs,
  createTestUser,
  fetchText,
  root,
  type TestUser,
} from "../../helpers.js";

const HOST = "10.198.0.1";
const OTHER = "10.198.0.2";
const PORT = 18080;
let user: TestUser;
let dir: string;
const servers: ChildProcess[] = [];

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `ip ${args.join(" ")}: ${r.stderr}`);
}

async function fetchSoon(url: string, ms: number): Promise<string> {
  for (const end = Date.now() + ms; ;) {
    try {
      return await fetchText(url, 5000);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function app(name: string, body: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n${body}` +
      "bestEffort: [landlock, cpu, memory, pids]\n",
  );
  user.give(file);
  return file;
}

/** The user's secure-run with `args`. */
function userCli(args: string[]): [string, string[]] {
  return commandAs(user, [process.execPath, cliPath, ...args]);
}

function serve(address: string): Promise<string> {
  const c = spawn("busybox", ["httpd", "-f", "-p", address, "-h", join(dir, "www")], {
    stdio: "ignore",
  });
  servers.push(c);
  return fetchSoon(`http://${address}/`, 30_000);
}

describe("cgroup v2 rootless: a private network with pasta", () => {
  before(() => {
    ip("link", "set", "lo", "up");
    ip("link", "add", "srn-vm0", "type", "dummy");
    ip("addr", "add", "10.0.2.15/24", "dev", "srn-vm0");
    ip("link", "set", "srn-vm0", "up");
    ip("route", "add", "default", "via", "10.0.2.2", "dev", "srn-vm0");
    ip("link", "add", "srn-vm1", "type", "dummy");
    ip("addr", "add", `${HOST}/24`, "dev", "srn-vm1");
    ip("addr", "add", `${OTHER}/24`, "dev", "srn-vm1");
    ip("link", "set", "srn-vm1", "up");
    chmodSync("/dev/net/tun", 0o666);
    user = createTestUser();
    dir = join(user.home, "net");
    mkdirSync(join(dir, "www"), { recursive: true });
    writeFileSync(join(dir, "www/index.html"), "hello from a private network\n");
    user.give(dir);
  });
  after(() => {
    for (const s of servers) s.kill("SIGKILL");
    spawnSync("ip", ["link", "del", "srn-vm0"]);
    spawnSync("ip", ["link", "del", "srn-vm1"]);
    user?.remove();
  });

  test("busybox httpd answers on its published port on 127.0.0.1, rootless", async () => {
    const file = app(
      "web",
      `command: [/bin/busybox, httpd, -f, -p, "80", -h, /www]\n` +
        `mounts: [{ source: ./www, target: /www }]\n` +
        `network: { mode: private, listen: [80], publish: ["127.0.0.1:${PORT}:80"] }\n` +
        `syscalls: { profiles: [${join(root, "examples/busybox-httpd.profile.yaml")}] }\n`,
    );
    const [exe, args] = userCli(["run", file]);
    const run = spawn(exe, args, { env: user.env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    run.stderr?.setEncoding("utf8").on("data", (c: string) => (err += c));
    const exited = new Promise((r) => run.once("exit", r));
    try {
      assert.equal(
        await fetchSoon(`http://127.0.0.1:${PORT}/`, 180_000).catch((e: unknown) => {
          throw new Error(`${(e as Error).message}; its stderr: ${err}`);
        }),
        "hello from a private network\n",
      );
    } finally {
      run.kill("SIGTERM");
      await exited;
    }
    assert.doesNotMatch(err, /network (add|cleanup|del)/, err);
    await assert.rejects(fetchText(`http://127.0.0.1:${PORT}/`, 5000));
  });

  test("egress only to the connect list: a declared port at another address is refused; DNS only to the resolver its resolv.conf names", async () => {
    // Listeners on a host address the app reaches through pasta, and on the host's loopback.
    await serve(`${HOST}:${PORT + 1}`);
    await serve(`${HOST}:${PORT + 2}`);
    await serve(`127.0.0.1:${PORT + 2}`);
    // DNS: the host's resolv.conf names resolved's stub only, resolved's a resolver of the
    // test's: the app asks that one through pasta; another one, not written, it may not ask.
    for (const [address, answer] of [
      [HOST, "10.1.2.3"],
      [OTHER, "10.1.2.4"],
    ] as const) {
      const dnsd = spawn(
        process.execPath,
        [join(root, "test/fixtures/dnsd.mjs"), address, answer],
        {
          stdio: ["ignore", "pipe", "ignore"],
        },
      );
      servers.push(dnsd);
      await new Promise((r) => dnsd.stdout?.once("data", r));
    }
    writeFileSync(join(dir, "host-resolv.conf"), "nameserver 127.0.0.53\n");
    writeFileSync(join(dir, "resolved-resolv.conf"), `nameserver ${HOST}\n`);
    const targets = [`${HOST}:${PORT + 1}`, `${HOST}:${PORT + 2}`, `127.0.0.1:${PORT + 2}`];
    const ask = (server = ""): string =>
      `a=$(busybox nslookup -timeout=5 test.srn ${server} 2>/dev/null | busybox grep -o '10\\.1\\.2\\.[0-9]*' | busybox tail -1)`;
    const dns = [
      "busybox grep ^nameserver /etc/resolv.conf",
      `${ask()}; echo "test.srn is \${a:-unresolved}"`,
      `${ask(OTHER)}; if [ -n "$a" ]; then echo "${OTHER} answered"; else echo "${OTHER} refused"; fi`,
    ];
    const script = targets
      .map((t) => {
        const [h, p] = t.split(":");
        return `if busybox nc -w 5 ${h} ${p} </dev/null 2>/dev/null; then echo "${t} ok"; else echo "${t} refused"; fi`;
      })
      .concat(dns)
      .join("; ");
    const file = app(
      "client",
      `command: [/bin/busybox, sh, -c, ${JSON.stringify(script)}]\n` +
        `network: { mode: private, connect: ["${HOST}:${PORT + 1}", "127.0.0.1:${PORT + 2}"] }\n` +
        "syscalls: { profiles: [process], allow: [setuid, setgid, alarm] }\n",
    );
    const [exe, args] = userCli(["run", file]);
    const r = spawnSync(exe, args, {
      env: {
        ...user.env,
        SECURE_RUN_HOST_RESOLV_CONF: join(dir, "host-resolv.conf"),
        SECURE_RUN_RESOLVED_RESOLV_CONF: join(dir, "resolved-resolv.conf"),
      },
      encoding: "utf8",
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `${HOST}:${PORT + 1} ok`,
      `${HOST}:${PORT + 2} refused`,
      `127.0.0.1:${PORT + 2} refused`,
      `nameserver ${HOST}`,
      "test.srn is 10.1.2.3",
      `${OTHER} refused`,
    ]);
  });
});

/**
 * Real apps from Debian packages (nginx, redis-server, python3 http.server, node, busybox httpd)
 * run under secure-run with their learned profiles, are exercised over loopback three times in a
 * row, and are shown to be held to their profile: a syscall their request path needs, taken out
 * of the allowlist, is refused by the kernel and reported by --explain.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { parseDocument } from "yaml";
import {
  canLaunch,
  leftoverCgroups,
  root,
  rootlessBestEffort,
  spawnCli,
  tempDir,
} from "../helpers.js";

interface AppCase {
  file: string;
  port: number;
  /** The program the Debian package (or Node) installs. */
  binary: string;
  /** What a client does; resolves when the app answered right. */
  exercise(port: number): Promise<void>;
  /** A syscall on the path of every request. */
  requestSyscall: string;
}

const site = readFileSync(join(root, "examples/site/index.html"), "utf8");

async function httpGet(port: number): Promise<void> {
  const body = await new Promise<string>((done, fail) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/index.html", timeout: 3000, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () =>
          res.statusCode === 200 ? done(text) : fail(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 3 s")));
    req.on("error", fail);
    req.end();
  });
  assert.equal(body, site, "the served file is examples/site/index.html");
}

/** RESP over a plain socket: PING, SET, GET, checked reply by reply. */
async function redisPingSetGet(port: number): Promise<void> {
  const value = `v-${process.pid}-${Date.now()}`;
  const reply = await new Promise<string>((done, fail) => {
    const s = connect({ host: "127.0.0.1", port });
    let text = "";
    const expected = `+PONG\r\n+OK\r\n$${value.length}\r\n${value}\r\n`;
    s.setTimeout(3000, () =>
      s.destroy(new Error(`no full answer within 3 s: ${JSON.stringify(text)}`)),
    );
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      text += d;
      if (text.length >= expected.length) {
        s.end();
        done(text);
      }
    });
    s.on("error", fail);
    s.write(
      `*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${value.length}\r\n${value}\r\n` +
        `*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`,
    );
  });
  assert.equal(reply, `+PONG\r\n+OK\r\n$${value.length}\r\n${value}\r\n`);
}

const apps: AppCase[] = [
  {
    file: "nginx.yaml",
    port: 8081,
    binary: "/usr/sbin/nginx",
    exercise: httpGet,
    requestSyscall: "accept4",
  },
  {
    file: "redis.yaml",
    port: 6380,
    binary: "/usr/bin/redis-server",
    exercise: redisPingSetGet,
    requestSyscall: "accept4",
  },
  {
    file: "python-web.yaml",
    port: 8080,
    binary: "/usr/bin/python3",
    exercise: httpGet,
    requestSyscall: "accept4",
  },
  {
    file: "node-web.yaml",
    port: 8082,
    binary: "/usr/bin/node",
    exercise: httpGet,
    requestSyscall: "accept4",
  },
  {
    file: "busybox-httpd.yaml",
    port: 8083,
    binary: "/bin/busybox",
    exercise: httpGet,
    requestSyscall: "accept",
  },
];

const tmp = tempDir("apps");
after(() => tmp.remove());

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once("error", () => done(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => done(true)));
  });
}

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(appFile: string, extra: string[] = []): Running {
  const child = spawnCli(["run", ...extra, appFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("close", (code, signal) => done({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Resolves when the port accepts a connection; fails if the app exits first or after 20 s. */
async function waitListening(port: number, app: Running): Promise<void> {
  const deadline = Date.now() + 20_000;
  let ended = false;
  void app.exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`the app ended before listening:\n${app.output()}`);
    const ok = await new Promise<boolean>((done) => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        done(true);
      });
      s.once("error", () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`port ${port} not open after 20 s:\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(app: Running): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill("SIGTERM");
  const timer = setTimeout(() => app.child.kill("SIGKILL"), 10_000);
  const r = await app.exited;
  clearTimeout(timer);
  return r;
}

/** The app definition with its relative paths made absolute, changed by `edit`, in a temp dir. */
function variant(
  file: string,
  name: string,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
): string {
  const path = join(root, "examples", file);
  const doc = parseDocument(readFileSync(path, "utf8"));
  const abs = (p: unknown): string =>
    isAbsolute(String(p)) ? String(p) : resolve(dirname(path), String(p));
  const mounts = doc.getIn(["mounts"]) as
    { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] } | undefined;
  for (const m of mounts?.items ?? []) m.set("source", abs(m.get("source")));
  const profiles = doc.getIn(["syscalls", "profiles"]) as
    { items: { value: unknown }[] } | undefined;
  for (const p of profiles?.items ?? []) p.value = abs(p.value);
  edit(doc);
  return tmp.write(`${name}.yaml`, `${doc.toString()}${rootlessBestEffort}`);
}

const skip = !canLaunch
  ? "real launches run as root, or as the test user in the rootless pass"
  : apps
      .filter((a) => !existsSync(a.binary))
      .map((a) => a.binary)
      .join(", ") || false;

describe("real apps under their learned profiles", { skip: skip && `missing: ${skip}` }, () => {
  after(() => assert.deepEqual(leftoverCgroups(), [], "no cgroup is left behind"));

  for (const a of apps) {
    test(`${a.file}: serves over loopback, three runs in a row`, async () => {
      assert.ok(await portFree(a.port), `port ${a.port} is free`);
      for (let i = 1; i <= 3; i++) {
        // --explain: any refusal on the way would show, so the profile is complete for this path.
        // Rootless here (cgroup v1): the same file with its limits accepted as best effort.
        const file = rootlessBestEffort
          ? variant(a.file, a.file.replace(/\.yaml$/, ""), () => {})
          : join(root, "examples", a.file);
        const app = start(file, ["--explain"]);
        try {
          await waitListening(a.port, app);
          await a.exercise(a.port);
          await a.exercise(a.port);
        } catch (e) {
          await stop(app);
          throw new Error(`run ${i}: ${(e as Error).message}\n--- app output ---\n${app.output()}`);
        }
        const end = await stop(app);
        assert.ok(
          end.code !== 125 && end.code !== 126 && end.code !== 127,
          `run ${i}: secure-run itself did not fail (${JSON.stringify(end)})\n${app.output()}`,
        );
        assert.doesNotMatch(app.output(), /denied:/, "nothing was refused");
        assert.ok(await portFree(a.port), `run ${i}: the port is released`);
      }
    });

    test(`${a.file}: ${a.requestSyscall} taken out of the allowlist is refused, and the request fails`, async () => {
      const file = variant(a.file, `${a.file.replace(/\.yaml$/, "")}-deny`, (doc) =>
        doc.setIn(["syscalls", "deny"], [a.requestSyscall]),
      );
      const app = start(file, ["--explain"]);
      try {
        await waitListening(a.port, app);
        await assert.rejects(
          a.exercise(a.port),
          "the app cannot serve without " + a.requestSyscall,
        );
        const deadline = Date.now() + 5000;
        while (
          !new RegExp(`denied: ${a.requestSyscall}\\(`).test(app.output()) &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 100));
        assert.match(app.output(), new RegExp(`denied: ${a.requestSyscall}\\(`), app.output());
      } finally {
        await stop(app);
      }
    });
  }
});

/** A real Debian image: `debootstrap --variant=minbase --include=redis-server bookworm` as an OCI
 * layout of a zstd and a gzip layer (test/images/debian.ts builds it once and caches it), loaded
 * into a store of the test's own. `trace` learns redis-server's profile from the image while a
 * client sends PING, SET and GET; then redis-server runs from the image under that profile alone
 * (no hints) and answers on loopback, with nothing refused; and accept4, taken out of it, is
 * refused by the kernel and reported. Root; then rootless, the test user loading the same layout
 * into its own store and running it under the same profile. */
import assert from "node:assert/strict";
import { type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  cli,
  createTestUser,
  isRoot,
  leftoverCgroups,
  spawnCli,
  tempDir,
  type TestUser,
} from "../helpers.js";
import { pingSetGet } from "./redis-client.js";
import { DEBIAN_REDIS_PORT as PORT, DEBIAN_TAG, debianImage, debianUnavailable } from "./debian.js";

const skip = debianUnavailable();
const tmp = tempDir("image-debian");
chmodSync(tmp.dir, 0o755);
const state = join(tmp.dir, "state");
const env = { SECURE_RUN_STATE_DIR: state, SECURE_RUN_BUNDLE_CACHE: join(tmp.dir, "bundles") };

/** A RESP client: PING, SET, GET; exits 0 when every reply is right (the trace's exercise). */
const CLIENT = `
const net = require("node:net");
const value = "v-" + process.pid;
const expected = "+PONG\\r\\n+OK\\r\\n$" + value.length + "\\r\\n" + value + "\\r\\n";
const s = net.connect({ host: "127.0.0.1", port: Number(process.argv[2]) });
let text = "";
s.setTimeout(5000, () => { console.error("timeout: " + JSON.stringify(text)); process.exit(1); });
s.setEncoding("utf8");
s.on("data", (d) => {
  text += d;
  if (text.length >= expected.length) { s.end(); process.exit(text === expected ? 0 : 1); }
});
s.on("error", (e) => { console.error(e.message); process.exit(1); });
s.write("*1\\r\\n$4\\r\\nPING\\r\\n*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$" + value.length + "\\r\\n" + value + "\\r\\n*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n");
`;
const client = tmp.write("client.cjs", CLIENT);
chmodSync(client, 0o644);

interface Served {
  reply: string;
  output: string;
  code: number | null;
}

/** Resolves true once the port accepts a connection, false if the app ends or 20 s pass. */
async function listening(child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await new Promise<boolean>((done) => {
      const s = connect({ host: "127.0.0.1", port: PORT });
      s.once("connect", () => {
        s.destroy();
        done(true);
      });
      s.once("error", () => done(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** `secure-run run --explain FILE`; once redis listens, PING, SET, GET (`refused`: then waits
 * for that refusal to be reported); then SIGTERM. */
async function serve(
  file: string,
  o: { as?: TestUser; env?: NodeJS.ProcessEnv; refused?: RegExp } = {},
): Promise<Served> {
  const child: ChildProcess = spawnCli(["run", "--explain", file], {
    ...(o.as ? { as: o.as } : {}),
    env: { ...(o.as ? o.as.env : process.env), ...(o.env ?? env) },
  });
  // A refused accept4 is retried (and reported) in a loop: only the start of the output is kept.
  let output = "";
  const keep = (d: Buffer): void => {
    if (output.length < 256 * 1024) output += d.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let reply = "";
  try {
    if (await listening(child)) {
      reply = await pingSetGet(PORT, "debian").catch((e: unknown) => {
        output += `\n(the client: ${(e as Error).message})`;
        return "";
      });
      const deadline = Date.now() + 5000;
      while (o.refused && !o.refused.test(output) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill("SIGTERM");
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return { reply, output, code };
}

const appFile = (name: string, image: string, extra = ""): string =>
  tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\nroot: { image: "${image}" }\n` +
      `network: { mode: host }\nresources: { memory: 256Mi, pids: 32 }\n${extra}`,
  );

const profile = join(tmp.dir, "redis-debian.profile.yaml");
/** The test user's limits where no cgroup is delegated to it (cgroup v1 here), as in the
 * rootless pass (helpers.ts rootlessBestEffort). */
const bestEffort =
  process.env.SECURE_RUN_TEST_DELEGATED === "1" ? "" : "bestEffort: [cpu, memory, pids]\n";
let layout = "";

describe("a Debian image (debootstrap minbase + redis-server)", { skip, timeout: 900_000 }, () => {
  before(() => {
    const img = debianImage();
    layout = img.dir;
    if (img.built)
      console.log(`# built the Debian image in ${img.seconds.toFixed(0)} s: ${img.dir}`);
  });
  after(() => {
    tmp.remove();
    assert.deepEqual(leftoverCgroups(), [], "no cgroup is left behind");
  });

  test("load: the OCI layout's zstd and gzip layers go into the store", () => {
    const r = cli(["load", "--json", "--tag", "debian-redis", `oci:${layout}:${DEBIAN_TAG}`], {
      env,
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const image = JSON.parse(r.stdout) as {
      layers: string[];
      layersUnpacked: number;
      size: number;
    };
    assert.equal(image.layers.length, 2);
    assert.equal(image.layersUnpacked, 2);
    assert.ok(image.size > 50 * 1024 * 1024, `a real Debian tree: ${image.size} bytes`);
  });

  test("trace learns redis-server's profile from the image while a client talks to it", () => {
    const file = appFile("redis-debian-trace", "debian-redis");
    const r = cli(
      [
        "trace",
        "--no-progress",
        "-o",
        profile,
        "--exercise",
        `${process.execPath} ${client} ${PORT}`,
        file,
      ],
      { env, timeout: 120_000 },
    );
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const learned = readFileSync(profile, "utf8");
    for (const call of ["accept4", "epoll_wait", "bind", "listen"])
      assert.match(learned, new RegExp(`\\n  ${call}: `), `the profile has ${call}`);
  });

  test("redis-server from the image answers on loopback under the learned profile alone", async () => {
    const file = appFile(
      "redis-debian",
      "debian-redis",
      `syscalls: { profiles: [${profile}], hints: [] }\n`,
    );
    const r = await serve(file);
    assert.equal(r.reply, "+PONG\r\n+OK\r\n$6\r\ndebian\r\n", r.output);
    assert.doesNotMatch(r.output, /denied:/, "nothing was refused");
    assert.ok(r.code === 0 || r.code === 143, `ended on SIGTERM (exit ${r.code}):\n${r.output}`);
  });

  test("accept4 taken out of the learned profile is refused by the kernel, and reported", async () => {
    const file = appFile(
      "redis-debian-deny",
      "debian-redis",
      `syscalls: { profiles: [${profile}], hints: [], deny: [accept4] }\n`,
    );
    const r = await serve(file, { refused: /denied: accept4\(/ });
    assert.equal(r.reply, "", "redis cannot answer without accept4");
    assert.match(r.output, /denied: accept4\(/, r.output);
  });

  test(
    "rootless: the test user loads the same layout and runs redis-server under the profile",
    {
      skip: isRoot ? false : "the test user is made by root",
    },
    async () => {
      const user = createTestUser();
      try {
        // The cache is root's (0700): the test user gets a copy of the layout and the profile.
        const own = join(user.home, "layout");
        cpSync(layout, own, { recursive: true });
        const file = join(user.home, "redis-debian.yaml");
        cpSync(profile, join(user.home, "redis.profile.yaml"));
        cpSync(
          appFile(
            "redis-debian-rootless",
            `oci:${own}:${DEBIAN_TAG}`,
            `syscalls: { profiles: [./redis.profile.yaml], hints: [] }\n${bestEffort}`,
          ),
          file,
        );
        user.give(user.home);
        const r = await serve(file, { as: user, env: {} });
        assert.equal(r.reply, "+PONG\r\n+OK\r\n$6\r\ndebian\r\n", r.output);
        assert.doesNotMatch(r.output, /denied:/, "nothing was refused");
      } finally {
        user.remove();
      }
    },
  );
});

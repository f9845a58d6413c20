/** A real server from an image: redis-server and the libraries it links, taken from the host's
 * Debian package (no network, no debootstrap: see docs/images.md), saved as a docker archive whose
 * config names the command, the user and the exposed port. The app file says only the root, the
 * network and the learned profile (examples/redis.profile.yaml); redis answers PING, SET and GET
 * on loopback. debian.test.ts runs a whole Debian image (debootstrap); this one stays: about a
 * second, no mirror needed, and the docker-archive path with a gzip layer. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { canLaunch, root, spawnCli, tempDir } from "../helpers.js";
import { pingSetGet } from "./redis-client.js";
import { writeDockerArchive, type Entry } from "./build.js";

const PORT = 6393;
const binary = "/usr/bin/redis-server";
const skip = !canLaunch
  ? "real launches run as root (or as the test user)"
  : !existsSync(binary)
    ? `${binary} is not installed (Debian package redis-server: scripts/setup.sh --test)`
    : false;
const tmp = tempDir("image-server");

/** redis-server, its libraries and the dynamic loader, under their own paths. */
function redisEntries(): Entry[] {
  const ldd = execFileSync("ldd", [binary], { encoding: "utf8" });
  const files = [binary, ...[...ldd.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] ?? "")];
  const dirs = new Set<string>(["etc", "tmp", "var", "var/lib", "var/lib/redis"]);
  for (const f of files) {
    const parts = f.slice(1).split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [
    ...[...dirs].sort().map((d): Entry => ({
      name: `${d}/`,
      type: "directory",
      mode: d === "tmp" ? 0o1777 : 0o755,
    })),
    ...files.map((f): Entry => ({
      name: f.slice(1),
      mode: 0o755,
      body: readFileSync(realpathSync(f)),
    })),
    {
      name: "etc/passwd",
      mode: 0o644,
      body: "root:x:0:0:root:/root:/bin/false\nredis:x:101:101::/var/lib/redis:/bin/false\n",
    },
    { name: "etc/group", mode: 0o644, body: "root:x:0:\nredis:x:101:\n" },
  ];
}

describe("a real server from an image", { skip }, () => {
  after(() => tmp.remove());

  test("redis-server from a docker archive answers on loopback, under its learned profile", async () => {
    await writeDockerArchive(join(tmp.dir, "redis.tar"), {
      layers: [{ entries: redisEntries(), gzip: true }],
      config: {
        Entrypoint: [binary],
        Cmd: [
          "--port",
          String(PORT),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          "/tmp",
          "--protected-mode",
          "yes",
        ],
        User: "redis",
        ExposedPorts: { [`${PORT}/tcp`]: {} },
      },
    });
    const file = tmp.write(
      "redis.yaml",
      `apiVersion: secure-run/v1\nkind: App\nname: redis-image\nroot: { image: docker-archive:./redis.tar }\n` +
        `network: { mode: host }\nresources: { memory: 128Mi, pids: 16 }\n` +
        `syscalls: { profiles: [${join(root, "examples/redis.profile.yaml")}] }\n`,
    );
    const child = spawnCli(["run", file], {
      env: { ...process.env, SECURE_RUN_STATE_DIR: join(tmp.dir, "state") },
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      let reply = "";
      for (let i = 0; i < 100 && !reply; i++) {
        reply = await pingSetGet(PORT, "image").catch(() => "");
        if (!reply) await new Promise((r) => setTimeout(r, 100));
        if (child.exitCode !== null) break;
      }
      assert.equal(reply, "+PONG\r\n+OK\r\n$5\r\nimage\r\n", `redis answered (stderr: ${stderr})`);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await exited;
    assert.ok(
      code === 0 || code === 143,
      `redis ended on SIGTERM (exit ${code}); stderr: ${stderr}`,
    );
  });
});

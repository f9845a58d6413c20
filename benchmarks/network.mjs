// Private networks (issue 18), side by side in one run: the launch of `exec -- /bin/true` with
// `--net private` (CNI as root, pasta otherwise) against `--net none`; and the request rate of
// busybox httpd through a published port on 127.0.0.1 against the same server on the host's
// network (a bounded loopback load: --requests requests, --concurrency at a time, each a new
// connection). Podman's `run --network bridge -p` needs an image and is left to
// benchmarks/images.mjs's image when that is wanted.
//   node benchmarks/network.mjs [--runs N] [--requests N] [--concurrency N] [--out FILE]
// Not part of the test suite; writes benchmarks/results/network.json unless --out says otherwise.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machine, median, root } from "./common.mjs";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "8" },
    out: { type: "string", default: join(root, "benchmarks/results/network.json") },
  },
});
const cli = join(root, "dist/cli/secure-run");
const say = (s) => console.log(`network: ${s}`);
const work = mkdtempSync(join(tmpdir(), "secure-run-test-net-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
const env = { ...process.env, SECURE_RUN_STATE_DIR: join(work, "state"), NO_COLOR: "1" };

function launchMs(net) {
  const times = [];
  for (let i = 0; i < Number(flags.runs); i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cli, ["exec", "--quiet", "--net", net, "--", "/bin/true"], { env });
    if (r.status !== 0) throw new Error(`exec --net ${net}: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

function fetchOnce(url, agent) {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  });
}

async function requestRate(url) {
  const agent = new Agent({ keepAlive: false, maxSockets: Number(flags.concurrency) });
  let left = Number(flags.requests);
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Number(flags.concurrency) }, async () => {
      while (left-- > 0) await fetchOnce(url, agent);
    }),
  );
  return Number(flags.requests) / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function ready(url) {
  for (let i = 0; i < 200; i++) {
    try {
      await fetchOnce(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url}: no answer`);
}

async function serve(mode, port) {
  const site = join(work, "site");
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, "index.html"), "x".repeat(1024));
  const net =
    mode === "host"
      ? `{ mode: host, listen: [${port}] }`
      : `{ mode: private, listen: [80], publish: ["127.0.0.1:${port}:80"] }`;
  const file = join(work, `${mode}.yaml`);
  writeFileSync(
    file,
    `apiVersion: secure-run/v1\nkind: App\nname: bench-${mode}\n` +
      `command: [/bin/busybox, httpd, -f, -p, "${mode === "host" ? `127.0.0.1:${port}` : "80"}", -h, /site]\n` +
      `mounts: [{ source: ${site}, target: /site }]\nnetwork: ${net}\n` +
      `syscalls: { profiles: [${join(root, "examples/busybox-httpd.profile.yaml")}] }\n` +
      `resources: { pids: 256 }\n`,
  );
  const child = spawn(cli, ["run", file], { env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/`;
  await ready(url);
  const rate = await requestRate(url);
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  return rate;
}

const launch = { none: launchMs("none"), private: launchMs("private") };
say(
  `launch: none ${launch.none.toFixed(1)} ms, private ${launch.private.toFixed(1)} ms (median of ${flags.runs})`,
);
const port = 21000 + (process.pid % 1000);
const rate = { host: await serve("host", port), private: await serve("private", port + 1) };
say(
  `requests/s: host ${rate.host.toFixed(0)}, private ${rate.private.toFixed(0)} (${((rate.private / rate.host) * 100).toFixed(0)}% of host)`,
);
writeFileSync(
  flags.out,
  `${JSON.stringify({ machine: machine(), flags, launchMs: launch, requestsPerSecond: rate }, null, 2)}\n`,
);

/** Compiled bundles and the run cache, for real: `secure-run compile`, `secure-run-launch
 * --bundle` (and its refusals), and `secure-run run` whose second launch of an unchanged app
 * skips planning, while any change to what the bundle was made from misses the cache. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeBundle } from "../../src/bundle/format.js";
import { paths } from "../../src/paths.cjs";
import { compileFilters } from "../../src/seccomp/compile.js";
import { prepareRun } from "../../src/launch/prepare.js";
import {
  cli,
  canLaunch,
  leftoverCgroups,
  rootless,
  rootlessBestEffort,
  spawnCli,
  tempDir,
} from "../helpers.js";

const skip = canLaunch
  ? false
  : "real launches run as root, or as the test user in the rootless pass (SECURE_RUN_TEST_AS=user)";
const tmp = tempDir("bundle");
const cache = join(tmp.dir, "cache");
const env = { SECURE_RUN_BUNDLE_CACHE: cache, SECURE_RUN_CACHE_DEBUG: "1" };

function app(name: string, command: string[], extra = ""): string {
  return tmp.write(
    `${name}.yaml`,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(command)}\n${extra}${rootlessBestEffort}`,
  );
}

function launch(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(paths.launcher, args, { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const run = (file: string, more: string[] = [], extraEnv = {}): ReturnType<typeof cli> =>
  cli(["run", ...more, file], { env: { ...env, ...extraEnv } });

/** "hit …", "miss: why", "stored …" or "not cached: why", from SECURE_RUN_CACHE_DEBUG. */
function cacheSaid(stderr: string): string[] {
  return [...stderr.matchAll(/^secure-run: cache: (.*)$/gm)].map((m) => m[1] ?? "");
}

describe("compiled bundles", { skip }, () => {
  before(() => mkdirSync(cache, { recursive: true }));
  after(() => {
    tmp.remove();
    assert.deepEqual(leftoverCgroups(), [], "no cgroup is left behind");
  });

  test("compile: the launcher's arguments and exactly the plan's filters, for the host", () => {
    const file = app("hello", ["/bin/sh", "-c", "echo hello; exit 7"]);
    const out = join(tmp.dir, "hello.bundle");
    const r = cli(["compile", file, "-o", out, "--arch", "x86_64,aarch64"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /filters: x86_64 \d+ instructions, aarch64 \d+ instructions/);
    const b = decodeBundle(readFileSync(out), out);
    assert.equal(b.name, "hello");
    assert.match(b.inputs, /^[0-9a-f]{64}$/);
    const plan = prepareRun(file).plan;
    const want = compileFilters(plan.seccomp, undefined, ["x86_64", "aarch64"]);
    assert.deepEqual(
      b.filters.map((f) => [f.arch, f.bpf.toString("hex")]),
      want.map((f) => [f.arch, f.bpf.toString("hex")]),
    );
    assert.ok(b.args.includes("--"), "the command is in the bundle");
    assert.ok(!b.args.includes("--seccomp-fd"), "no descriptor: the filter is in the bundle");
    const launched = launch(["--bundle", out]);
    assert.equal(launched.status, 7, launched.stderr);
    assert.equal(launched.stdout, "hello\n");
  });

  test("the launcher refuses bundles for another host, another architecture, or damaged", () => {
    const file = app("refused", ["/bin/true"]);
    const good = join(tmp.dir, "good.bundle");
    assert.equal(cli(["compile", file, "-o", good]).status, 0);
    const data = readFileSync(good);
    const variant = (name: string, bytes: Buffer | string): string => {
      const f = join(tmp.dir, name);
      writeFileSync(f, bytes);
      return f;
    };
    const text = data.toString("latin1");
    const cases: [string, string, RegExp][] = [
      [
        "kernel",
        variant(
          "k.bundle",
          Buffer.from(text.replace(/^host-kernel .*$/m, "host-kernel 4.19.0-1-amd64"), "latin1"),
        ),
        /made for another host \(kernel 4\.19\.0-1-amd64, this host has /,
      ],
      [
        "landlock",
        variant(
          "l.bundle",
          Buffer.from(text.replace(/^host-landlock .*$/m, "host-landlock 99"), "latin1"),
        ),
        /another host \(landlock 99/,
      ],
      [
        "architecture",
        variant(
          "a.bundle",
          Buffer.from(text.replace(/^filter x86_64 /m, "filter aarch64 "), "latin1"),
        ),
        /no seccomp filter for x86_64, this host's architecture/,
      ],
      ["truncated", variant("t.bundle", data.subarray(0, data.length - 40)), /damaged|truncated/],
      ["not a bundle", variant("n.bundle", "hello\n"), /not a secure-run bundle/],
      ["missing", join(tmp.dir, "absent.bundle"), /cannot open it/],
    ];
    for (const [what, f, message] of cases) {
      const r = launch(["--bundle", f]);
      assert.equal(r.status, 125, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
    }
    const extra = launch(["--bundle", good, "--", "/bin/true"]);
    assert.equal(extra.status, 125);
    assert.match(extra.stderr, /the bundle holds the command/);
  });

  test("run: compiled into the cache once, then launched from it while nothing changed", () => {
    const file = app("cached", ["/bin/sh", "-c", "echo cached"]);
    const first = run(file);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, "cached\n");
    assert.match(cacheSaid(first.stderr).join("\n"), /miss: not in the cache\nstored /);
    const second = run(file);
    assert.equal(second.stdout, "cached\n");
    assert.deepEqual(
      cacheSaid(second.stderr).map((s) => s.split(" ")[0]),
      ["hit"],
      "planned once only",
    );
    // Touched, not changed: still a hit (content is compared when the signature differs).
    const now = new Date();
    utimesSync(file, now, now);
    assert.match(cacheSaid(run(file).stderr)[0] ?? "", /^hit /);
  });

  test("no Node process stays: the CLI's own process becomes the launcher", async () => {
    const file = app("sleeper", ["/bin/sleep", "4"]);
    assert.equal(run(file).status, 0, "the first run, cold, fills the cache");
    for (const warm of [false, true]) {
      if (!warm) rmSync(cache, { recursive: true, force: true });
      const child = spawnCli(["run", file], {
        env: { ...process.env, ...env },
        stdio: "ignore",
      });
      const exited = new Promise((done) => child.on("exit", done));
      const pid = child.pid ?? -1;
      // Planning (cold) takes a moment; then the process is the launcher's.
      const cmdline = (): string => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return "";
        }
      };
      for (let i = 0; i < 150 && !cmdline().includes("--bundle\0"); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(cmdline(), /--bundle\0/, `${warm ? "warm" : "cold"} run`);
      assert.equal(readlinkSync(`/proc/${pid}/exe`), paths.launcher);
      assert.equal(await exited, 0);
    }
  });

  test("every input misses the cache when it changes", () => {
    const site = join(tmp.dir, "site");
    mkdirSync(site);
    const profile = tmp.write(
      "inputs.profile.yaml",
      "name: inputs-extra\ndescription: d\nsyscalls:\n  write: w\n",
    );
    const config = tmp.write(
      "config.yaml",
      "apiVersion: secure-run/v1\nkind: Config\ndefaults:\n  memory: 64Mi\n",
    );
    const rootfs = join(tmp.dir, "rootfs");
    mkdirSync(join(rootfs, "etc"), { recursive: true });
    mkdirSync(join(rootfs, "bin"));
    // A static program of its own: the rootfs has no C library.
    writeFileSync(join(tmp.dir, "true.c"), "int main(void) { return 0; }\n");
    spawnSync("cc", ["-O2", "-static", "-o", join(rootfs, "bin/true"), join(tmp.dir, "true.c")]);
    writeFileSync(
      join(rootfs, "etc/passwd"),
      "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
    );
    writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\n");
    const file = app(
      "inputs",
      ["/bin/true"],
      `user: app\nroot: { rootfs: ${rootfs} }\nmounts:\n  - { source: ${site}, target: /srv }\n` +
        "syscalls: { profiles: [./inputs.profile.yaml] }\n",
    );
    const runIt = (): string => {
      const r = run(file, ["--config", config]);
      assert.equal(r.status, 0, r.stderr);
      return cacheSaid(r.stderr).join("; ");
    };
    runIt();
    assert.match(runIt(), /^hit /, "warm before any change");
    const changes: [string, () => void, RegExp][] = [
      [
        "the app file",
        () => writeFileSync(file, `${readFileSync(file, "utf8")}# changed\n`),
        /inputs\.yaml changed/,
      ],
      [
        "a profile it names",
        () => writeFileSync(profile, `${readFileSync(profile, "utf8")}  getpid: g\n`),
        /inputs\.profile\.yaml changed/,
      ],
      [
        "the configuration",
        () =>
          writeFileSync(
            config,
            "apiVersion: secure-run/v1\nkind: Config\ndefaults:\n  memory: 32Mi\n",
          ),
        /config\.yaml changed/,
      ],
      [
        "the rootfs accounts",
        () =>
          writeFileSync(
            join(rootfs, "etc/passwd"),
            "root:x:0:0::/:/bin/sh\napp:x:1001:1001::/:/bin/sh\n",
          ),
        /etc\/passwd changed/,
      ],
      ["the rootfs entries", () => mkdirSync(join(rootfs, "opt")), /rootfs changed/],
      [
        "a mount source",
        () => {
          rmSync(site, { recursive: true });
          mkdirSync(site);
        },
        /site changed/,
      ],
      [
        "the launcher",
        () => {
          const t = statSync(paths.launcher).mtime;
          utimesSync(paths.launcher, new Date(), new Date(t.getTime() + 1000));
        },
        /secure-run-launch changed/,
      ],
    ];
    for (const [what, change, why] of changes) {
      // The launcher's binary is root's: only the root pass can change it.
      if (rootless && what === "the launcher") continue;
      change();
      if (what === "the rootfs accounts") {
        // app's uid changed: still valid, now 1001
        writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1001:\n");
      }
      const said = runIt();
      assert.match(said, /^miss: /, `${what}: ${said}`);
      assert.match(said, why, what);
      assert.match(runIt(), /^hit /, `${what}: warm again after recompiling`);
    }
    // The entry's own record: another version, another host.
    const dir = cache;
    const entryFile = readdirSync(dir).find(
      (n) => n.endsWith(".json") && readFileSync(join(dir, n), "utf8").includes(file),
    );
    assert.ok(entryFile);
    const entry = JSON.parse(readFileSync(join(dir, entryFile), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, entryFile), JSON.stringify({ ...entry, version: "0.0.0" }));
    assert.match(runIt(), /^miss: made by another secure-run version/);
    const again = JSON.parse(readFileSync(join(dir, entryFile), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, entryFile), JSON.stringify({ ...again, host: "0000000000000000" }));
    assert.match(runIt(), /^miss: the host changed/);
  });

  test("a plan's notices are said on the app's first launch and when they change, not on every launch", () => {
    // A volume whose host path is a link: the plan says so in a notice, on any host.
    const real = join(tmp.dir, "notice-data");
    mkdirSync(real, { recursive: true });
    symlinkSync(real, join(tmp.dir, "notice-link"));
    const volume = (mountPath: string): string =>
      `mounts:\n  - { source: ${join(tmp.dir, "notice-link")}, target: ${mountPath} }\n`;
    const notice =
      /secure-run: notice: mounts\[0\]\.source: .*notice-link is reached through a symlink/;
    const said = join(tmp.dir, "said");
    const env2 = { SECURE_RUN_SAID_DIR: said };
    // Launched from the bundle cache after the first run.
    const warm = app("noticed", ["/bin/true"], volume("/data"));
    const first = run(warm, [], env2);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, notice, "the first launch says it");
    const second = run(warm, [], env2);
    assert.match(cacheSaid(second.stderr)[0] ?? "", /^hit /);
    assert.doesNotMatch(second.stderr, notice, "a warm launch does not");
    assert.match(run(warm, ["--verbose"], env2).stderr, notice, "--verbose says it");
    // Supervised (a restart policy: not cached): the store remembers what was said.
    const sup = app("noticed-sup", ["/bin/true"], `${volume("/data")}restart: on-failure\n`);
    assert.match(run(sup, [], env2).stderr, notice);
    assert.doesNotMatch(run(sup, [], env2).stderr, notice);
    writeFileSync(sup, readFileSync(sup, "utf8").replace("target: /data", "target: /data2"));
    assert.doesNotMatch(run(sup, [], env2).stderr, notice, "the same notice: not news");
    symlinkSync(real, join(tmp.dir, "notice-link2"));
    writeFileSync(sup, readFileSync(sup, "utf8").replace("notice-link,", "notice-link2,"));
    assert.match(run(sup, [], env2).stderr, /notice-link2 is reached through a symlink/, "changed");
  });

  test("a warm launch summarises refused syscalls as a cold one does; --quiet, also warm, does not", () => {
    // No process profile: the shell's fork is refused, and it fails.
    const file = app("refusing", ["/bin/sh", "-c", "echo hi | cat"], "syscalls: { hints: [] }\n");
    const summary =
      /the sandbox refused 1 call of refusing[^]*clone .* by sh .*syscalls.profiles: \[process\]/;
    const cold = run(file);
    assert.notEqual(cold.status, 0);
    assert.match(cold.stderr, summary);
    const warm = run(file);
    assert.match(cacheSaid(warm.stderr)[0] ?? "", /^hit /);
    assert.match(warm.stderr, summary);
    const quiet = run(file, ["--quiet"]);
    assert.match(cacheSaid(quiet.stderr)[0] ?? "", /^hit /, "--quiet keeps the warm path");
    assert.notEqual(quiet.status, 0);
    assert.doesNotMatch(quiet.stderr, summary);
  });

  test("what needs the CLI's supervision is not cached; SECURE_RUN_NO_CACHE turns it off", () => {
    const file = app("supervised", ["/bin/true"]);
    const r = run(file, ["--report"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(cacheSaid(r.stderr).join("\n"), /not cached: --explain, --report and --json/);
    assert.match(r.stderr, /supervised exited with 0/);
    const off = run(file, [], { SECURE_RUN_NO_CACHE: "1" });
    assert.equal(off.status, 0);
    assert.deepEqual(cacheSaid(off.stderr), []);
  });
});

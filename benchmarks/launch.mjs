// Launch overhead, side by side: launch and exit of the same trivial static program
// (`int main(void){return 0;}`, cc -static -O2) under bare exec, unshare (the namespace floor),
// bubblewrap with and without a seccomp filter, firejail, runc and crun running secure-run's own
// OCI export (with its seccomp, without, and crun with Docker's default profile),
// secure-run-launch (given the plan's arguments; with --bundle once it exists), `secure-run run`
// (warm cache and cold) and `node -e 0`. A small C driver (launch-driver.c) times
// fork + exec + wait with CLOCK_MONOTONIC, interleaved: every round runs every variant once, in a
// rotated order. Also: the memory of a supervised instance (VmRSS and Pss of the supervisor).
// Targets of issue 9 are checked against this run's medians.
//
// Run after `npm run build`, as root (runc, crun, firejail and secure-run need it):
//   node benchmarks/launch.mjs [--quick] [--rounds N] [--warmup N] [--out FILE] [--no-memory]
// Environment: BENCH_QUICK=1, BENCH_ROUNDS, BENCH_WARMUP do the same as the flags.
// Writes benchmarks/results/launch.json (or --out).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { shownCommand } from "./common.mjs";

const root = new URL("..", import.meta.url).pathname;
const cliPath = join(root, "dist/cli/main.cjs");
// What users start (package.json's bin): the snapshot when it is valid, else main.cjs.
const cliExe = join(root, "dist/cli/secure-run");
const launcherPath = join(root, "build/Release/secure-run-launch");

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    rounds: { type: "string" },
    warmup: { type: "string" },
    out: { type: "string", default: join(root, "benchmarks/results/launch.json") },
    "no-memory": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const quick = flags.quick;
// The cold CLI run (the slowest line by far) runs in every third round only, to keep the whole
// benchmark short: still interleaved with the others, with a third of the samples.
const slowEvery = quick ? 1 : 3;
const rounds = Number(flags.rounds ?? process.env.BENCH_ROUNDS ?? (quick ? 5 : 60));
const warmup = Number(flags.warmup ?? process.env.BENCH_WARMUP ?? (quick ? 2 : 15));
if (!(rounds >= 1 && warmup >= 0)) {
  console.error("launch: --rounds must be ≥ 1 and --warmup ≥ 0");
  process.exit(2);
}

const isRoot = process.getuid?.() === 0;
const tag = `srbench-${process.pid}`;
const say = (s) => console.log(s);
const firstLine = (s) => (s ?? "").trim().split("\n")[0] ?? "";
const tail = (s, n = 300) => {
  const t = (s ?? "").trim().replace(/\s+/g, " ");
  return t.length > n ? `…${t.slice(-n)}` : t;
};
/** What a failed command said: its first error-looking line, else the end of its output. */
const why = (s) =>
  (s ?? "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /(^\w*Error\b|error:|^secure-run:)/i.test(l)) ?? tail(s);
/** The first line of `cmd --version` (or null when it does not run). */
const version = (cmd, args = ["--version"]) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? firstLine(r.stdout || r.stderr) : null;
};
const node = (args, opts = {}) =>
  spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    ...opts,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });

// ---- the machine and the tools -----------------------------------------------------------

const debian = existsSync("/etc/debian_version")
  ? readFileSync("/etc/debian_version", "utf8").trim()
  : null;
const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  kernel: release(),
  debian,
  loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
};
const dpkgVersion = (pkg) => {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout ? r.stdout : null;
};
const tools = {
  node: process.version,
  secureRun: existsSync(cliPath) ? firstLine(node(["--version"]).stdout) || null : null,
  unshare: version("unshare"),
  bwrap: version("bwrap"),
  firejail: version("firejail"),
  runc: version("runc"),
  crun: version("crun"),
  podman: version("podman"),
  libseccomp: dpkgVersion("libseccomp2"),
  cc: version("cc"),
};

// ---- what exists of issue 9's fast path ------------------------------------------------------

function detectCompile() {
  if (!existsSync(cliPath)) return { ok: false, reason: "dist/cli/main.cjs not built" };
  const r = node(["compile", "--help"]);
  // commander prints the top-level help (exit 0) for an unknown command: look for its usage.
  if (r.status === 0 && /Usage: secure-run compile/.test(r.stdout)) return { ok: true };
  return { ok: false, reason: "`secure-run compile` does not exist yet" };
}
function detectBundle() {
  if (!existsSync(launcherPath)) return { ok: false, reason: "the launcher is not built" };
  const r = spawnSync(launcherPath, ["--help"], { encoding: "utf8" });
  if (`${r.stdout}${r.stderr}`.includes("--bundle")) return { ok: true };
  return { ok: false, reason: "secure-run-launch has no --bundle yet" };
}
const compileCmd = detectCompile();
const bundleOpt = detectBundle();

// ---- set-up: programs, app definitions, exports, filters --------------------------------------

const tmp = mkdtempSync(join(tmpdir(), `secure-run-bench-${tag}-`));
chmodSync(tmp, 0o755); // the sandboxes' users (65534, the user namespace's 100000+) pass through
const bin = join(tmp, "bin");
const logs = join(tmp, "logs");
const cache = join(tmp, "cache"); // XDG_CACHE_HOME: the user's own cache is never touched
mkdirSync(bin, { mode: 0o755 });
mkdirSync(logs);
mkdirSync(cache);
chmodSync(bin, 0o755);

let holder = null; // the process keeping crun's private mount namespace
const cleanups = [];
let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const f of cleanups.reverse())
    try {
      f();
    } catch {
      // best effort; leftovers are checked and reported
    }
  if (!flags.keep) rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

const result = {
  date: new Date().toISOString(),
  machine,
  tools,
  config: {
    quick,
    warmup,
    rounds,
    program: "int main(void){return 0;} (cc -static -O2)",
    timing:
      "launch-driver.c: CLOCK_MONOTONIC around fork + the variant's set-up + execve + the tool's whole life + wait4; variants interleaved round-robin (rotated start each round); set-up and clean-up commands (cache emptying, container deletion) are not timed",
  },
  variants: [],
  memory: null,
  targets: [],
  leftovers: [],
};

try {
  const cc = (src, out, extra = []) => {
    writeFileSync(join(tmp, `${out}.c`), src);
    execFileSync("cc", ["-O2", ...extra, "-o", join(bin, out), join(tmp, `${out}.c`)]);
  };
  cc("int main(void){return 0;}\n", "true", ["-static"]);
  // Sleeps up to 60 s in short steps (a refused sleep would end it early: checked below).
  cc(
    "#include <time.h>\nint main(void){for(int i=0;i<600;i++){struct timespec t={0,100000000};nanosleep(&t,0);}return 0;}\n",
    "sleeper",
    ["-static"],
  );
  const driver = join(tmp, "launch-driver");
  execFileSync("cc", ["-O2", "-Wall", "-o", driver, join(root, "benchmarks/launch-driver.c")]);
  const prog = join(bin, "true");

  const appFile = (name, file, program) => {
    const path = join(tmp, file);
    writeFileSync(
      path,
      `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: [/opt/bench/${program}]\n` +
        `mounts:\n  - { source: ${bin}, target: /opt/bench, readOnly: true }\n` +
        `resources: { memory: 32Mi, pids: 16 }\n`,
    );
    return path;
  };
  const trueApp = appFile(tag, "true.yaml", "true");
  const sleepApp = appFile(`${tag}-mem`, "sleeper.yaml", "sleeper");
  const cliEnv = { XDG_CACHE_HOME: cache, NO_COLOR: "1" };

  const dockerProfile = [
    join(root, "../shared/reference/docker-default-seccomp.json"),
    "/work/shared/reference/docker-default-seccomp.json",
  ].find(existsSync);

  // Docker's default filter as raw struct sock_filter bytes, for bwrap --seccomp.
  let dockerBpf = null;
  let dockerBpfWhy = "Docker's default profile not found (shared/reference)";
  if (dockerProfile && existsSync(cliPath)) {
    const out = join(tmp, "docker.bpf");
    const r = node(
      ["seccomp", "compile", `docker:${dockerProfile}`, "--arch", "x86_64", "-o", out],
      {},
    );
    if (r.status === 0 && existsSync(out)) dockerBpf = out;
    else dockerBpfWhy = `seccomp compile failed: ${why(r.stderr)}`;
  }

  // secure-run's OCI export of the app, and copies: without seccomp, with Docker's default.
  let oci = null;
  let ociWhy = "";
  if (existsSync(cliPath)) {
    const dir = join(tmp, "oci");
    const r = node(["export", trueApp, "--format", "oci", "-o", dir]);
    if (r.status === 0) oci = dir;
    else ociWhy = `secure-run export failed: ${why(r.stderr)}`;
  } else ociWhy = "dist/cli/main.cjs not built";
  const ociConfig = oci ? JSON.parse(readFileSync(join(oci, "config.json"), "utf8")) : null;
  const { DOCKER_DEFAULT_CAPABILITIES } = await import(
    join(root, "dist/src/plan/seccomp-source.js")
  );
  const DOCKER_CAPS = DOCKER_DEFAULT_CAPABILITIES.map((c) => `CAP_${c}`);
  /** Docker's default profile as containerd hands it to the runtime on amd64 (Docker's caps). */
  const dockerAsOci = (p) => {
    const arch = (list) => list?.some((a) => a === "amd64" || a === "x86_64");
    const syscalls = p.syscalls
      .filter((s) => {
        const inc = s.includes ?? {};
        const exc = s.excludes ?? {};
        if (inc.arches && !arch(inc.arches)) return false;
        if (inc.caps && !inc.caps.every((c) => DOCKER_CAPS.includes(c))) return false;
        if (exc.arches && arch(exc.arches)) return false;
        if (exc.caps && exc.caps.some((c) => DOCKER_CAPS.includes(c))) return false;
        return true;
      })
      .map((s) => ({
        names: s.names,
        action: s.action,
        ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}),
        ...(s.args?.length ? { args: s.args } : {}),
      }));
    const m = p.archMap.find((a) => a.architecture === "SCMP_ARCH_X86_64");
    return {
      defaultAction: p.defaultAction,
      ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
      architectures: [m.architecture, ...m.subArchitectures],
      syscalls,
    };
  };
  /** A bundle directory for one runtime and filter: its own config.json and cgroup path, the
   * export's rootfs by absolute path. */
  const ociBundle = (key, seccomp) => {
    const dir = join(tmp, `oci-${key}`);
    mkdirSync(dir, { mode: 0o755 });
    const c = JSON.parse(JSON.stringify(ociConfig));
    c.root.path = join(oci, "rootfs");
    c.linux.cgroupsPath = `secure-run.${tag}-${key}`;
    if (seccomp === null) delete c.linux.seccomp;
    else if (seccomp !== undefined) c.linux.seccomp = seccomp;
    writeFileSync(join(dir, "config.json"), JSON.stringify(c, null, 2));
    return dir;
  };
  const dockerOci =
    dockerProfile && oci ? dockerAsOci(JSON.parse(readFileSync(dockerProfile, "utf8"))) : null;

  // crun 1.8 refuses this host's hybrid cgroup layout: a private mount namespace, made once, in
  // which /sys/fs/cgroup holds only the caller's own v1 directories (interop notes). The driver
  // enters it with setns() before exec (microseconds, inside the timed part).
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  const hybrid = /^\S+ \S+ cgroup2 /m.test(mounts) && /^\S+ \S+ cgroup /m.test(mounts);
  let crunNs = null;
  let crunWhy = "";
  if (tools.crun && isRoot && oci && hybrid) {
    const script = `set -e
T="$1"
mkdir -p "$T"
mount --rbind /sys/fs/cgroup "$T"
mount -t tmpfs -o size=64k,mode=755 tmpfs /sys/fs/cgroup
for c in memory pids cpu cpuacct devices freezer; do
  [ -d "$T/$c" ] || continue
  own=$(awk -F: -v c="$c" '$2 == c { print $3 }' /proc/self/cgroup)
  mkdir "/sys/fs/cgroup/$c"
  mount --bind "$T/$c$own" "/sys/fs/cgroup/$c"
done
umount -l "$T"
echo ready
exec sleep 100000
`;
    holder = spawn(
      "unshare",
      ["--mount", "--propagation", "private", "sh", "-c", script, "sh", join(tmp, "cgroot")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => {
      if (holder?.exitCode === null) holder.kill("SIGKILL");
    });
    let out = "";
    let err = "";
    holder.stderr.on("data", (d) => (err += d));
    const ready = await Promise.race([
      new Promise((resolve) =>
        holder.stdout.on("data", (d) => {
          out += d;
          if (out.includes("ready")) resolve(true);
        }),
      ),
      new Promise((resolve) => holder.on("exit", () => resolve(false))),
      sleep(10_000).then(() => false),
    ]);
    if (ready) crunNs = `/proc/${holder.pid}/ns/mnt`;
    else crunWhy = `could not prepare crun's mount namespace: ${tail(err)}`;
  }

  // The launcher given the plan's arguments, as `secure-run run` gives them (a stand-in for
  // --bundle while it does not exist): the plan's BPF on fd 3, the exit report on fd 4.
  let direct = null;
  let directWhy = "";
  if (existsSync(launcherPath) && existsSync(cliPath)) {
    try {
      const { loadApp } = await import(join(root, "dist/src/appspec/load.js"));
      const { makePlan } = await import(join(root, "dist/src/plan/make.js"));
      const { runArgs } = await import(join(root, "dist/src/launch/run.js"));
      const made = makePlan(loadApp(trueApp));
      const planBpf = join(tmp, "plan.bpf");
      const r = node(["seccomp", "compile", trueApp, "--arch", "x86_64", "-o", planBpf]);
      if (r.status !== 0) throw new Error(`seccomp compile: ${why(r.stderr)}`);
      direct = {
        args: runArgs(made.plan, { landlockAbi: made.host.landlock.abi ?? 0 }),
        bpf: planBpf,
      };
    } catch (e) {
      directWhy = `could not make the launcher's arguments: ${tail(String(e?.message ?? e))}`;
    }
  } else directWhy = "not built (npm run build)";

  // Is there a bundle cache? Run once with an empty cache and look for what it left.
  const cacheRoot = join(cache, "secure-run");
  const cachedBundles = () =>
    existsSync(cacheRoot)
      ? readdirSync(cacheRoot, { recursive: true })
          .map(String)
          .filter((f) => f.endsWith(".bundle"))
          .map((f) => join(cacheRoot, f))
      : [];
  let cacheWhy = "";
  if (existsSync(cliPath)) {
    const r = node(["run", trueApp], { env: cliEnv });
    const files = existsSync(cacheRoot) ? readdirSync(cacheRoot, { recursive: true }) : [];
    if (r.status !== 0) cacheWhy = `secure-run run failed (exit ${r.status}): ${why(r.stderr)}`;
    else if (files.length === 0)
      cacheWhy =
        "no bundle cache yet: `secure-run run` left nothing under $XDG_CACHE_HOME/secure-run";
  } else cacheWhy = "dist/cli/main.cjs not built";

  // A compiled bundle: from `secure-run compile`, or else the one `run` cached (a copy: the cold
  // runs empty the cache).
  let bundleFile = null;
  let bundleSource = "";
  let bundleWhy = !bundleOpt.ok ? bundleOpt.reason : !compileCmd.ok ? compileCmd.reason : "";
  if (compileCmd.ok && bundleOpt.ok) {
    const out = join(tmp, "true.bundle");
    const r = node(["compile", trueApp, "-o", out]);
    if (r.status === 0 && existsSync(out)) {
      bundleFile = out;
      bundleSource = "secure-run compile";
    } else bundleWhy = `secure-run compile failed (exit ${r.status}): ${why(r.stderr)}`;
  } else if (bundleOpt.ok && !cacheWhy && cachedBundles().length === 1) {
    bundleFile = join(tmp, "true.bundle");
    copyFileSync(cachedBundles()[0], bundleFile);
    bundleSource = "the bundle `secure-run run` cached (`secure-run compile` is not there yet)";
  } else if (bundleOpt.ok && !compileCmd.ok)
    bundleWhy = `${compileCmd.reason}, and \`secure-run run\` cached no bundle to take`;

  // ---- rootless (issue 16) ---------------------------------------------------------------------
  // The same launches as an unprivileged user: the test suite's `secure-run-test` account
  // (test/helpers.ts createTestUser, removed at the end). Its bundle is compiled by it, for it:
  // the limits are best effort where nothing is delegated to it (cgroup v1 here), as its plan says.
  let testUser = null;
  let testUserWhy = isRoot ? "" : "the benchmark creates the test user: run it as root";
  if (isRoot) {
    try {
      const { createTestUser } = await import(join(root, "dist/test/helpers.js"));
      testUser = createTestUser();
      cleanups.push(() => testUser.remove());
    } catch (e) {
      testUserWhy = `no test user: ${tail(String(e?.message ?? e))}`;
    }
  }
  const asUser = (argv, opts = {}) =>
    spawnSync(
      "setpriv",
      [`--reuid=${testUser.uid}`, `--regid=${testUser.gid}`, "--init-groups", "--", ...argv],
      { encoding: "utf8", timeout: 120_000, env: testUser.env, ...opts },
    );
  let userBundle = null;
  let userBundleWhy =
    testUserWhy ||
    (!compileCmd.ok ? compileCmd.reason : "") ||
    (!bundleOpt.ok ? bundleOpt.reason : "");
  if (testUser && !userBundleWhy) {
    const dir = join(tmp, "rootless");
    mkdirSync(dir, { mode: 0o755 });
    const app = join(dir, "true.yaml");
    writeFileSync(app, `${readFileSync(trueApp, "utf8")}bestEffort: [memory, pids]\n`);
    testUser.give(dir);
    const out = join(dir, "true.bundle");
    const r = asUser([process.execPath, cliPath, "compile", app, "-o", out]);
    if (r.status === 0 && existsSync(out)) {
      // Does it launch? (The launcher as a user needs issue 16's rootless path.)
      const t = asUser([launcherPath, "--bundle", out], { timeout: 30_000 });
      if (t.status === 0) userBundle = out;
      else
        userBundleWhy = `the launcher as ${testUser.name} failed (exit ${t.status}): ${why(t.stderr)}`;
    } else
      userBundleWhy = `secure-run compile as ${testUser.name} failed (exit ${r.status}): ${why(r.stderr)}`;
  }
  // The plan's own filter for bwrap: the same BPF the launcher loads (compiled from the app).
  let planBpfFile = direct?.bpf ?? null;
  const planBpfWhy = directWhy || "no plan filter";

  // ---- the variants ----------------------------------------------------------------------------

  const NS = ["--user", "--map-root-user", "--pid", "--fork", "--mount", "--net", "--uts", "--ipc"];
  const bwrapArgs = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    prog,
    "/true",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
  ];
  const firejailArgs = [
    "--noprofile",
    "--quiet",
    "--net=none",
    "--ipc-namespace",
    "--hostname=bench",
    "--noroot",
    "--nonewprivs",
    "--caps.drop=all",
    "--seccomp",
  ];
  const need = (ok, why) => (ok ? null : why);
  const variants = [
    {
      id: "bare",
      label: "bare exec",
      argv: [prog],
      includes: "fork, execve of the static program, its exit, wait4: the driver's floor",
    },
    {
      id: "unshare",
      label: "unshare (namespace floor)",
      argv: ["unshare", ...NS, prog],
      includes:
        "unshare(1): user (root mapped), pid (forks), mount, net, uts, ipc namespaces; no new root, no cgroup, no seccomp, capabilities kept",
      unavailable: need(tools.unshare, "unshare not installed"),
    },
    {
      id: "bwrap-seccomp",
      label: "bubblewrap + seccomp",
      argv: ["bwrap", ...bwrapArgs, "--seccomp", "10", "/true"],
      user: isRoot ? [65534, 65534] : null,
      fds: dockerBpf ? [[10, "r", dockerBpf]] : [],
      includes: `bwrap ${isRoot ? "as uid 65534 (as root it would map root inside to root outside) " : ""}--unshare-all (user, pid, mount, net, uts, ipc, cgroup), a new root with the program bound read-only, /proc, /dev, new session, die-with-parent, capabilities dropped, no_new_privs, Docker's default filter (x86_64; compiled by secure-run) read from fd 10; no cgroup limits`,
      unavailable:
        need(tools.bwrap, "bwrap not installed (apt-get install bubblewrap)") ??
        need(dockerBpf, dockerBpfWhy),
    },
    {
      id: "bwrap",
      label: "bubblewrap, no seccomp",
      argv: ["bwrap", ...bwrapArgs, "/true"],
      user: isRoot ? [65534, 65534] : null,
      includes: "as bubblewrap + seccomp, without the filter",
      unavailable: need(tools.bwrap, "bwrap not installed (apt-get install bubblewrap)"),
    },
    {
      id: "firejail",
      label: "firejail",
      argv: ["firejail", ...firejailArgs, prog],
      includes:
        "firejail as root (Debian's firejail refuses users not in /etc/firejail/firejail.users, and --noroot only applies to other users): pid, mount, net (none), ipc, uts namespaces but no user namespace; its default seccomp filter, all capabilities dropped, no_new_privs",
      unavailable:
        need(
          tools.firejail,
          isRoot
            ? "firejail not installed (apt-get install firejail)"
            : "firejail not installed, or it refuses this user (/etc/firejail/firejail.users)",
        ) ?? need(isRoot, "needs root here"),
    },
  ];
  const ociWhyFor = (rt) =>
    need(tools[rt], `${rt} not installed (apt-get install ${rt})`) ??
    need(isRoot, "needs root") ??
    need(oci, ociWhy) ??
    (rt === "crun" && hybrid ? need(crunNs, crunWhy) : null);
  const runtimeIncludes = (rt) =>
    `${rt} run of secure-run's OCI export (user, pid, mount, net, uts, ipc, cgroup namespaces; memory and pids cgroup limits; the host view bound read-only; capabilities dropped; no_new_privs)${rt === "crun" && hybrid ? ", in a private mount namespace made once that shows crun only the v1 cgroups (entered with setns by the driver)" : ""}; the container is deleted afterwards, untimed`;
  for (const rt of ["crun", "runc"]) {
    for (const [key, label, seccomp, what] of [
      ["seccomp", `${rt} + seccomp`, undefined, "the plan's filter, compiled by the runtime"],
      ["none", `${rt}, no seccomp`, null, "linux.seccomp removed"],
      [
        "docker",
        `${rt} + Docker's seccomp`,
        dockerOci,
        "Docker's default profile (x86_64, x86, x32) as containerd passes it",
      ],
    ]) {
      if (key === "docker" && rt === "runc") continue; // one Docker-profile row is enough
      const unavailable =
        ociWhyFor(rt) ?? (key === "docker" ? need(dockerOci, dockerBpfWhy) : null);
      const id = `${rt}-${key}`;
      const bundle = unavailable ? "" : ociBundle(id, seccomp);
      const name = `${tag}-${id}-%N`;
      variants.push({
        id,
        label,
        argv: [rt, "run", "-b", bundle, name],
        post: [rt, "delete", "-f", name],
        mntns: rt === "crun" && hybrid ? crunNs : null,
        includes:
          key === "seccomp"
            ? `${runtimeIncludes(rt)}; seccomp: ${what}`
            : `as ${rt} + seccomp, with ${what}`,
        unavailable,
      });
    }
  }
  variants.push(
    {
      id: "launcher-args",
      label: "secure-run-launch (plan's arguments)",
      argv: direct ? [launcherPath, ...direct.args] : [],
      fds: direct
        ? [
            [3, "r", direct.bpf],
            [4, "w", "/dev/null"],
          ]
        : [],
      includes:
        "the launcher alone, given the arguments `secure-run run` computes and the precompiled BPF on fd 3 (no Node, no policy): user, pid, mount, net, uts, ipc, cgroup namespaces, cgroup limits, new root, capability drop, no_new_privs, Landlock, seccomp, supervisor and init; a stand-in for --bundle",
      unavailable: need(isRoot, "needs root here") ?? need(direct, directWhy),
    },
    {
      id: "launcher-bundle",
      label: "secure-run-launch --bundle",
      argv: bundleFile ? [launcherPath, "--bundle", bundleFile] : [],
      includes: `the launcher reading a compiled bundle (made by ${bundleSource || "secure-run compile"}): everything of the line above, with no Node and no policy on the path`,
      unavailable: need(bundleFile, bundleWhy) ?? need(isRoot, "needs root here"),
    },
    {
      id: "launcher-bundle-rootless",
      label: "secure-run-launch --bundle, rootless",
      argv: userBundle ? [launcherPath, "--bundle", userBundle] : [],
      user: testUser ? [testUser.uid, testUser.gid] : null,
      includes: `the launcher reading a bundle that ${testUser?.name ?? "the test user"} compiled, run as that unprivileged user (issue 16): a user namespace mapping its uid, pid, mount, net, uts, ipc, cgroup namespaces, a new root made inside, capability drop, no_new_privs, Landlock, the plan's seccomp filter; limits best effort (nothing delegated to the user on this host)`,
      unavailable: need(userBundle, userBundleWhy),
    },
    {
      id: "bwrap-plan-seccomp-rootless",
      label: "bubblewrap + the plan's filter, rootless",
      // --as-pid-1: bwrap's own pid-1 reaper would run under the plan's filter, which does not
      // allow it to wait (the launcher's init is outside the app's filter); without it bwrap has
      // less to do than the launcher, so the comparison only favours bwrap.
      argv: ["bwrap", ...bwrapArgs, "--as-pid-1", "--seccomp", "10", "/true"],
      user: testUser ? [testUser.uid, testUser.gid] : null,
      fds: planBpfFile ? [[10, "r", planBpfFile]] : [],
      includes: `bwrap as ${testUser?.name ?? "the test user"} --unshare-all (user, pid, mount, net, uts, ipc, cgroup), --as-pid-1 (no reaper), the program bound read-only, /proc, /dev, new session, die-with-parent, no_new_privs, and the same seccomp filter as the secure-run plan (x86_64, read from fd 10); no cgroup limits`,
      unavailable:
        need(tools.bwrap, "bwrap not installed (apt-get install bubblewrap)") ??
        need(testUser, testUserWhy) ??
        need(planBpfFile, planBpfWhy),
    },
    {
      id: "podman-rootless",
      label: "podman run --rm, rootless",
      argv: [],
      includes: "podman run --rm of the same static program as an unprivileged user",
      unavailable: !tools.podman
        ? "podman not installed; rootless Podman would also need newuidmap/newgidmap (package uidmap) and a range in /etc/subuid and /etc/subgid for the user, which this host has not"
        : "not measured: rootless Podman needs an image store and newuidmap with /etc/subuid ranges for the user; not set up by the benchmark",
    },
    {
      id: "run-warm",
      label: "secure-run run (warm cache)",
      argv: [cliExe, "run", trueApp],
      env: cliEnv,
      includes:
        "dist/cli/secure-run (node from the CLI's startup snapshot), its bundle cache (already filled), the launcher",
      unavailable: need(!cacheWhy, cacheWhy),
    },
    {
      id: "run-cold",
      label: cacheWhy ? "secure-run run (no cache)" : "secure-run run (cold cache)",
      argv: [cliExe, "run", trueApp],
      env: cliEnv,
      pre: ["rm", "-rf", join(cache, "secure-run")],
      every: slowEvery,
      includes: `node, the CLI: load and validate the app, host facts, evaluate the policy (wasm), compile the BPF, then the launcher; the cache is emptied (untimed) before each launch${slowEvery > 1 ? `; the slowest line, so run in one round of ${slowEvery} only` : ""}`,
      unavailable: need(existsSync(cliPath), "dist/cli/main.cjs not built"),
    },
    {
      id: "node",
      label: "node -e 0",
      argv: [process.execPath, "-e", "0"],
      includes: "starting and ending Node.js: the reference for the warm-run target",
    },
  );

  // ---- run the driver ----------------------------------------------------------------------------

  const runnable = variants.filter((v) => !v.unavailable);
  const spec = [];
  for (const v of runnable) {
    spec.push(`V ${v.id}`);
    for (const a of v.argv) spec.push(`A ${a}`);
    for (const [k, val] of Object.entries(v.env ?? {})) spec.push(`E ${k}=${val}`);
    if (v.every > 1) spec.push(`S ${v.every}`);
    if (v.user) spec.push(`U ${v.user[0]} ${v.user[1]}`);
    if (v.mntns) spec.push(`N ${v.mntns}`);
    for (const [fd, mode, path] of v.fds ?? []) spec.push(`F ${fd} ${mode} ${path}`);
    for (const a of v.pre ?? []) spec.push(`P ${a}`);
    for (const a of v.post ?? []) spec.push(`C ${a}`);
  }
  if (spec.some((l) => l.includes("\n"))) throw new Error("an argument holds a newline");
  const specFile = join(tmp, "spec");
  writeFileSync(specFile, `${spec.join("\n")}\n`);
  say(
    `launch: ${runnable.length} variants × (${warmup} warm-up + ${rounds} timed) rounds, interleaved…`,
  );
  const t0 = Date.now();
  const out = await new Promise((resolve, reject) => {
    const p = spawn(driver, [specFile, String(warmup), String(rounds), logs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    p.stdout.setEncoding("utf8");
    p.stdout.on("data", (d) => (text += d));
    p.on("error", reject);
    p.on("exit", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`launch-driver exited with ${code}`)),
    );
  });
  const driverSeconds = (Date.now() - t0) / 1000;

  const parsed = new Map();
  let cur = null;
  for (const line of out.split("\n")) {
    const [k, ...rest] = line.split(" ");
    if (k === "variant") parsed.set(rest[0], (cur = { id: rest[0] }));
    else if (k === "state") Object.assign(cur, { state: rest[0], status: Number(rest[1]) });
    else if (k === "failures") cur.failures = Number(rest[0]);
    else if (k === "rounds") cur.rounds = Number(rest[0]);
    else if (k === "wall" || k === "cpu") cur[k] = rest.filter(Boolean).map((x) => Number(x) / 1e6);
  }

  const quantile = (sorted, q) => {
    if (sorted.length === 0) return NaN;
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  const r3 = (x) => (Number.isFinite(x) ? Number(x.toFixed(3)) : null);
  const statusText = (s) =>
    s === 255
      ? "timed out"
      : s >= 120 && s <= 123
        ? `the driver could not set it up (${s})`
        : s > 128
          ? `killed by signal ${s - 128}`
          : `exit ${s}`;
  const logOf = (id) => {
    const f = join(logs, `${id}.log`);
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  };
  for (const v of variants) {
    const row = {
      id: v.id,
      label: v.label,
      command: shownCommand(v.argv, tmp),
      includes: v.includes,
      available: false,
    };
    const p = parsed.get(v.id);
    if (v.unavailable) row.reason = v.unavailable;
    else if (!p || p.state !== "ok")
      row.reason = `failed during warm-up (${statusText(p?.status ?? -1)}): ${tail(logOf(v.id))}`;
    else if (p.wall.length === 0)
      row.reason = `every timed launch failed (${statusText(p.status)}): ${tail(logOf(v.id))}`;
    else {
      const w = [...p.wall].sort((a, b) => a - b);
      const c = [...p.cpu].sort((a, b) => a - b);
      Object.assign(row, {
        available: true,
        rounds: p.rounds,
        runs: w.length,
        failures: p.failures,
        medianMs: r3(quantile(w, 0.5)),
        p10Ms: r3(quantile(w, 0.1)),
        p90Ms: r3(quantile(w, 0.9)),
        minMs: r3(w[0]),
        meanMs: r3(w.reduce((a, b) => a + b, 0) / w.length),
        cpuMedianMs: r3(quantile(c, 0.5)),
      });
      if (p.failures > 0)
        row.note = `${p.failures} timed launch(es) failed (${statusText(p.status)}): ${tail(logOf(v.id), 200)}`;
    }
    result.variants.push(row);
  }
  const byId = (id) => result.variants.find((v) => v.id === id && v.available);
  const crunRef = byId("crun-seccomp");
  const floor = byId("unshare");
  for (const v of result.variants) {
    if (!v.available) continue;
    v.vsCrunSeccomp = crunRef ? r3(v.medianMs / crunRef.medianMs) : null;
    v.vsUnshare = floor ? r3(v.medianMs / floor.medianMs) : null;
  }
  result.config.driverSeconds = Number(driverSeconds.toFixed(1));

  // ---- memory of a supervised instance -----------------------------------------------------------

  /** pid → { ppid, comm, exe } of every process (those we may read). */
  const processes = () => {
    const m = new Map();
    for (const e of readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const status = readFileSync(`/proc/${e}/status`, "utf8");
        let exe = "";
        try {
          exe = readlinkSync(`/proc/${e}/exe`);
        } catch {
          // a kernel thread, or gone
        }
        m.set(Number(e), {
          ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]),
          comm: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "",
          exe,
        });
      } catch {
        // gone meanwhile
      }
    }
    return m;
  };
  const descendants = (procs, pid) => {
    const out = [pid];
    for (let i = 0; i < out.length; i++)
      for (const [p, info] of procs) if (info.ppid === out[i]) out.push(p);
    return out;
  };
  const memOf = (pid) => {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    let pss = null;
    try {
      pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]);
    } catch {
      // no smaps_rollup on this kernel
    }
    return {
      pid,
      comm: /^Name:\s+(.*)$/m.exec(status)?.[1],
      rssKiB: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]),
      pssKiB: pss,
    };
  };
  /** Starts an instance, waits until the sleeping app runs, measures, and ends it. */
  const measureInstance = async (how, argv, env) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on("exit", (code, sig) => resolve([code, sig])));
    try {
      const deadline = Date.now() + 20_000;
      let tree = null;
      while (Date.now() < deadline && child.exitCode === null) {
        const procs = processes();
        const pids = descendants(procs, child.pid);
        if (pids.some((p) => procs.get(p)?.comm === "sleeper")) {
          tree = { procs, pids };
          break;
        }
        await sleep(20);
      }
      if (!tree)
        return {
          how,
          ok: false,
          reason: `the sleeping app did not come up (${child.exitCode === null ? "timeout" : `exit ${child.exitCode}`}): ${tail(stderr)}`,
        };
      await sleep(300); // settled: the supervisor waits, the app sleeps
      const procs = processes();
      const pids = descendants(procs, child.pid);
      const launcher = pids.find((p) => (procs.get(p)?.exe ?? "").includes("secure-run-launch"));
      if (launcher === undefined)
        return { how, ok: false, reason: "no secure-run-launch process in the instance" };
      const inner = pids.filter((p) => procs.get(p)?.ppid === launcher);
      const supervisor = memOf(launcher);
      const init = inner.length ? memOf(inner[0]) : null;
      const nodes = pids.filter((p) => basename(procs.get(p)?.exe ?? "") === "node");
      return {
        how,
        ok: true,
        supervisor,
        init, // the launcher's child: init of the pid namespace (a copy of the launcher)
        nodeProcesses: nodes.map((p) => memOf(p)),
        processes: pids.map((p) => procs.get(p)?.comm),
      };
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const done = await Promise.race([exited, sleep(10_000).then(() => null)]);
        if (!done) child.kill("SIGKILL");
        await exited;
      }
    }
  };
  if (!flags["no-memory"]) {
    say("memory: a supervised, sleeping instance…");
    const mem = { program: "a static program sleeping in 100 ms steps" };
    const cliRun = [cliExe, "run", sleepApp];
    const runnable = isRoot && existsSync(cliPath) && existsSync(launcherPath);
    const notRun = { ok: false, reason: isRoot ? "not built" : "needs root here" };
    // Cold: the cache emptied first; warm: run again, the cache now holds the sleeper's bundle.
    rmSync(cacheRoot, { recursive: true, force: true });
    mem.runCold = runnable
      ? await measureInstance("secure-run run, cold cache", cliRun, cliEnv)
      : notRun;
    const sleeperBundles = cachedBundles();
    mem.runWarm = runnable
      ? cacheWhy
        ? { ok: false, reason: cacheWhy }
        : await measureInstance("secure-run run, warm cache", cliRun, cliEnv)
      : notRun;
    if (bundleFile && isRoot) {
      const sleepBundle = join(tmp, "sleeper.bundle");
      let failed = "";
      if (compileCmd.ok) {
        const r = node(["compile", sleepApp, "-o", sleepBundle]);
        if (r.status !== 0) failed = `secure-run compile failed: ${why(r.stderr)}`;
      } else if (sleeperBundles.length === 1) copyFileSync(sleeperBundles[0], sleepBundle);
      else failed = "no bundle of the sleeping app in the cache";
      mem.bundle = failed
        ? { ok: false, reason: failed }
        : await measureInstance(
            "secure-run-launch --bundle, started from the benchmark",
            [launcherPath, "--bundle", sleepBundle],
            {},
          );
    } else mem.bundle = { ok: false, reason: bundleWhy || "needs root here" };
    result.memory = mem;
  }

  // ---- targets (issue 9) ------------------------------------------------------------------------

  const target = (id, text, measured, limit, pass, note) =>
    result.targets.push({
      id,
      text,
      measured: measured ?? null,
      limit: limit ?? null,
      status: pass === true ? "PASS" : "MISS",
      ...(note ? { note } : {}),
    });
  const bundleRow = byId("launcher-bundle");
  const bwrapRef = byId("bwrap-seccomp");
  const argsRow = byId("launcher-args");
  const na = (why) => `not available: ${why}`;
  const stand = (limit) =>
    argsRow && limit
      ? `the launcher given the plan's arguments (the same work without a bundle) takes ${argsRow.medianMs} ms: it would ${argsRow.medianMs <= limit ? "meet" : "miss"} this`
      : "";
  {
    const limit = crunRef ? r3(0.2 * crunRef.medianMs) : null;
    const note = !bundleRow
      ? [na(bundleWhy || "no result"), stand(limit)].filter(Boolean).join("; ")
      : !crunRef
        ? na("no crun + seccomp figure")
        : "";
    target(
      "bundle-vs-crun",
      "secure-run-launch --bundle ≤ 0.2 × crun with seccomp (medians, ms)",
      bundleRow?.medianMs,
      limit,
      bundleRow && crunRef ? bundleRow.medianMs <= limit : false,
      note,
    );
  }
  {
    const limit = bwrapRef?.medianMs ?? null;
    const note = !bundleRow
      ? [na(bundleWhy || "no result"), stand(limit)].filter(Boolean).join("; ")
      : !bwrapRef
        ? na("no bubblewrap + seccomp figure")
        : "";
    target(
      "bundle-vs-bwrap",
      "secure-run-launch --bundle ≤ bubblewrap with seccomp (medians, ms)",
      bundleRow?.medianMs,
      limit,
      bundleRow && bwrapRef ? bundleRow.medianMs <= limit : false,
      note,
    );
  }
  {
    const rl = byId("launcher-bundle-rootless");
    const ref = byId("bwrap-plan-seccomp-rootless");
    const limit = ref?.medianMs ?? null;
    target(
      "rootless-bundle-vs-bwrap",
      "rootless secure-run-launch --bundle ≤ 1.0 × rootless bubblewrap with the same filter (medians, ms)",
      rl?.medianMs,
      limit,
      rl && ref ? rl.medianMs <= limit : false,
      !rl ? na(userBundleWhy || "no result") : !ref ? na("no rootless bubblewrap figure") : "",
    );
  }
  {
    const warm = byId("run-warm");
    const nodeRow = byId("node");
    const cold = byId("run-cold");
    const limit = nodeRow ? r3(nodeRow.medianMs + 10) : null;
    target(
      "warm-run",
      "secure-run run with a warm cache ≤ node -e 0 + 10 ms (medians, ms)",
      warm?.medianMs,
      limit,
      warm && nodeRow ? warm.medianMs <= limit : false,
      !warm
        ? [
            na(cacheWhy || "no result"),
            cold ? `secure-run run without a cache: ${cold.medianMs} ms` : "",
          ]
            .filter(Boolean)
            .join("; ")
        : "",
    );
  }
  const mem = result.memory;
  const measured = [
    ["bundle", "with --bundle"],
    ["runWarm", "under secure-run run, warm cache"],
    ["runCold", "under secure-run run, cold cache"],
  ].find(([k]) => mem?.[k]?.ok);
  const inst = measured ? mem[measured[0]] : null;
  target(
    "supervisor-rss",
    "supervisor memory per running instance ≤ 2 MiB RSS (KiB)",
    inst?.supervisor.rssKiB,
    2048,
    inst ? inst.supervisor.rssKiB <= 2048 : false,
    !mem
      ? na("--no-memory")
      : !inst
        ? na(mem.runCold?.reason ?? "no instance")
        : `measured ${measured[1]}; Pss ${inst.supervisor.pssKiB} KiB; the pid namespace's init (a copy of the launcher) adds ${inst.init?.rssKiB ?? "?"} KiB RSS, Pss ${inst.init?.pssKiB ?? "?"} KiB`,
  );
  {
    const b = mem?.bundle;
    const viaRun = [
      ["runWarm", "warm"],
      ["runCold", "cold"],
    ]
      .filter(([k]) => mem?.[k]?.ok)
      .map(
        ([k, w]) =>
          `secure-run run (${w} cache): ${mem[k].nodeProcesses.length ? `the CLI (node) stays for the instance's life, ${mem[k].nodeProcesses[0].rssKiB} KiB RSS` : "no node process in the instance"}`,
      );
    target(
      "no-node-resident",
      "no Node process stays resident per instance (secure-run-launch --bundle)",
      b?.ok ? b.nodeProcesses.length : null,
      0,
      b?.ok ? b.nodeProcesses.length === 0 : false,
      [b?.ok ? "" : na(b?.reason ?? "--no-memory"), ...viaRun].filter(Boolean).join("; "),
    );
  }
} finally {
  // ---- leave nothing behind -------------------------------------------------------------------
  if (holder && holder.exitCode === null) {
    // Containers still known to crun (there should be none), deleted from inside its namespace.
    spawnSync("crun", ["list", "-q"], { encoding: "utf8" })
      .stdout?.split("\n")
      .filter((l) => l.startsWith(tag))
      .forEach((id) =>
        spawnSync("nsenter", [`--mount=/proc/${holder.pid}/ns/mnt`, "crun", "delete", "-f", id]),
      );
  }
  for (const rt of ["runc", "crun"]) {
    if (!tools[rt]) continue;
    const left = (spawnSync(rt, ["list", "-q"], { encoding: "utf8" }).stdout ?? "")
      .split("\n")
      .filter((l) => l.startsWith(tag));
    for (const id of left) {
      spawnSync(rt, ["delete", "-f", id], { stdio: "ignore" });
      result.leftovers.push(`${rt} container ${id} (deleted)`);
    }
  }
  cleanup();
  // cgroups named after this run: the runtimes' (secure-run.TAG-…) and the launcher's
  // (secure-run-TAG…), below our own cgroup in every hierarchy.
  try {
    const { cgroupHierarchies } = await import(join(root, "dist/src/host/cgroups.js"));
    for (const h of cgroupHierarchies())
      for (const e of existsSync(h.ownDir) ? readdirSync(h.ownDir) : [])
        if (e.startsWith(`secure-run.${tag}`) || e.startsWith(`secure-run-${tag}`)) {
          const dir = join(h.ownDir, e);
          try {
            rmdirSync(dir);
            result.leftovers.push(`cgroup ${dir} (removed)`);
          } catch {
            result.leftovers.push(`cgroup ${dir} (could not be removed)`);
          }
        }
  } catch {
    // not built: nothing of ours can be there
  }
}

// ---- report --------------------------------------------------------------------------------------

result.machine.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
const fmt = (x, d = 2) => (x === null || x === undefined ? "—" : x.toFixed(d));
say(
  `\n${"variant".padEnd(38)} ${"median".padStart(8)} ${"p10".padStart(8)} ${"p90".padStart(8)} ${"cpu".padStart(7)}  ×crun+sc  ×unshare`,
);
for (const v of result.variants) {
  if (!v.available) {
    say(`${v.label.padEnd(38)} not available (${tail(v.reason, 110)})`);
    continue;
  }
  say(
    `${v.label.padEnd(38)} ${fmt(v.medianMs).padStart(8)} ${fmt(v.p10Ms).padStart(8)} ${fmt(v.p90Ms).padStart(8)} ${fmt(v.cpuMedianMs).padStart(7)}  ${fmt(v.vsCrunSeccomp).padStart(8)}  ${fmt(v.vsUnshare, 1).padStart(8)}`,
  );
}
say("(ms; p10–p90 is the spread; cpu: user+system time of the launched tree)");
if (result.memory)
  for (const k of ["runCold", "runWarm", "bundle"]) {
    const m = result.memory[k];
    if (!m) continue;
    say(
      m.ok
        ? `memory, ${m.how}: supervisor VmRSS ${m.supervisor.rssKiB} KiB, Pss ${m.supervisor.pssKiB} KiB; init VmRSS ${m.init?.rssKiB ?? "—"} KiB${m.nodeProcesses.length ? `; node in the instance: ${m.nodeProcesses.map((n) => `${n.rssKiB} KiB`).join(", ")}` : "; no node process in the instance"}`
        : `memory, ${k}: not available (${tail(m.reason, 150)})`,
    );
  }
for (const t of result.targets)
  say(
    `${t.status.padEnd(4)} ${t.text}: ${t.measured ?? "—"} (limit ${t.limit ?? "—"})${t.note ? ` — ${t.note}` : ""}`,
  );
if (result.leftovers.length) say(`cleaned up after the runtimes: ${result.leftovers.join("; ")}`);

mkdirSync(dirname(flags.out), { recursive: true });
let text = `${JSON.stringify(result, null, 2)}\n`;
try {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(flags.out)) ?? {};
  text = await prettier.format(text, { ...options, parser: "json" });
} catch {
  // prettier is a dev dependency: without it the plain JSON is written
}
writeFileSync(flags.out, text);
say(`wrote ${flags.out}`);

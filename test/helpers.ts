/** Shared by the tests: paths, running the CLI, temporary files that are always removed. */
import {
  spawn,
  spawnSync,
  type ChildProcess,
  type SpawnOptions,
  type SpawnSyncReturns,
} from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.cjs";
import { cgroupHierarchies } from "../src/host/cgroups.js";

export const root = packageRoot;

// --- The CLI: every test runs it through one of these three. ------------------------------------

/** The built executable, as users start it (package.json's bin): it starts Node from the CLI's
 * startup snapshot (cli/snapshot.ts). */
export const cliExecutable = join(root, "dist/cli/secure-run");
/** The CLI's script, for the rare test that starts it with Node itself (`node cliPath …`);
 * everything else goes through cli and spawnCli. */
export const cliPath = join(root, "dist/cli/main.cjs");
/** The built executable as a shell command line (for a test that runs it from sh -c). */
export const cliCommandLine = cliExecutable;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  options: {
    input?: string;
    env?: NodeJS.ProcessEnv;
    timeout?: number;
    as?: TestUser;
    /** The working directory (e.g. a git repository a test made). */
    cwd?: string;
  } = {},
): CliResult {
  const [file, argv] = commandAs(options.as, [cliExecutable, ...args]);
  const r: SpawnSyncReturns<string> = spawnSync(file, argv, {
    encoding: "utf8",
    input: options.input ?? "",
    env: { ...(options.as?.env ?? process.env), NO_COLOR: "1", ...options.env },
    cwd: options.cwd ?? options.as?.home,
    timeout: options.timeout ?? 60_000,
    // At the timeout: an app that ignores SIGTERM (or spins) must not hang the suite.
    killSignal: "SIGKILL",
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The built executable started in the background (signals, concurrency, warm runs); `as` runs
 * it as the test user. The signal of `kill()` reaches setpriv's process, which is the CLI's
 * (setpriv executes it in place). */
export function spawnCli(
  args: string[],
  options: SpawnOptions & { as?: TestUser } = {},
): ChildProcess {
  const { as, ...rest } = options;
  const [file, argv] = commandAs(as, [cliExecutable, ...args]);
  return spawn(file, argv, {
    ...(as ? { cwd: as.home } : {}),
    ...rest,
    env: { NO_COLOR: "1", ...(rest.env ?? as?.env ?? process.env) },
  });
}

/** The CLI's main() in this process, as the executable calls it but with captured output (fast;
 * `tty` makes both streams look like a terminal `columns` wide, so colour is on). Exit codes as
 * the executable's. */
export async function cliInProcess(
  args: string[],
  options: { tty?: boolean; columns?: number } = {},
): Promise<CliResult> {
  const { main } = await import("../cli/cli.js");
  const { makeStyle } = await import("../cli/render/style.js");
  const captured = { stdout: "", stderr: "" };
  const stream = (key: "stdout" | "stderr"): NodeJS.WriteStream =>
    ({
      isTTY: Boolean(options.tty),
      columns: options.columns ?? 80,
      write: (s: string): boolean => {
        captured[key] += s;
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const stdout = stream("stdout");
  const stderr = stream("stderr");
  const status = await main(args, {
    stdout,
    stderr,
    out: makeStyle(stdout, {}),
    err: makeStyle(stderr, {}),
    exitCode: 0,
    debug: false,
  });
  return { status, signal: null, ...captured };
}

/** A temporary directory removed by the returned cleanup (call it in after()). */
export function tempDir(prefix: string): {
  dir: string;
  write(name: string, text: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `secure-run-test-${prefix}-`));
  return {
    dir,
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** cgroups named secure-run-* below the own cgroup in any hierarchy. */
export function leftoverCgroups(): string[] {
  const out: string[] = [];
  for (const h of cgroupHierarchies()) {
    try {
      for (const e of readdirSync(h.ownDir))
        if (e.startsWith("secure-run-")) out.push(join(h.ownDir, e));
    } catch {
      // unreadable hierarchy: nothing of ours there
    }
  }
  return out;
}

export const isRoot = process.getuid?.() === 0;

// --- Rootless: the test user. --------------------------------------------------------------------
//
// Issue 16's proofs run the CLI and the launcher as an unprivileged user that the tests create:
// `secure-run-test`, a system account without a home (useradd --system --no-create-home), removed
// after. A named account rather than a bare uid (nobody, or setpriv --reuid=N without a passwd
// entry): a real user has one, and tools that look the caller up (id, getpwuid, os.userInfo, the
// CLI's per-user state) must find it; its uid is nobody else's, so a process or file of another
// account (65534 is also the app's default user inside the sandbox, and many daemons') cannot be
// taken for the test user's. Its home and XDG directories are a temporary directory of its own.

/** The rootless pass (scripts/test.mjs): the test process itself runs as the test user. */
export const rootless = process.env.SECURE_RUN_TEST_AS === "user" && !isRoot;
/** Real launches run here: as root, or in the rootless pass. */
export const canLaunch = isRoot || rootless;
/** The skip reason of a test that proves something only root's sandbox has (or only root can
 * look at), in the rootless pass; false otherwise. */
export const rootOnly = (why: string): string | false => (rootless ? `root only: ${why}` : false);
/** Appended to app definitions in the rootless pass on a host that delegates no cgroup to the
 * user (this one: cgroup v1): the limits are accepted as best effort, as the plan says they must
 * be (test/integration/rootless.test.ts proves the refusal without it; the cgroup v2 VM lane
 * proves them enforced in a delegated subtree). */
export const rootlessBestEffort =
  rootless && process.env.SECURE_RUN_TEST_DELEGATED !== "1"
    ? "bestEffort: [cpu, memory, pids]\n"
    : "";

/** The same, as options of `exec` and of `trace` given a command. */
export const rootlessBestEffortFlags = rootlessBestEffort
  ? ["--best-effort", "cpu", "--best-effort", "memory", "--best-effort", "pids"]
  : [];

export const testUserName = "secure-run-test";

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** Its HOME, owned by it (mode 0700), with XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME,
   * XDG_DATA_HOME, XDG_RUNTIME_DIR and TMPDIR below. */
  home: string;
  /** The environment it runs with: PATH and the directories above, nothing of root's. */
  env: NodeJS.ProcessEnv;
  /** Makes a path (recursively) the user's. */
  give(path: string): void;
  /** Removes the home and the account. */
  remove(): void;
}

function run(file: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(file, args, { encoding: "utf8" });
}

/** The command line that runs `argv` as `user` (unchanged without one): setpriv with the user's
 * ids and its groups, no capability kept (setpriv of a non-root uid clears them, as login does). */
export function commandAs(
  user: TestUser | undefined,
  [file, ...args]: [string, ...string[]],
): [string, string[]] {
  if (!user) return [file, args];
  return [
    "setpriv",
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      "--init-groups",
      "--",
      "env",
      ...Object.entries(user.env).map(([k, v]) => `${k}=${v ?? ""}`),
      file,
      ...args,
    ],
  ];
}

/** Creates the test user (as root), or adopts one a killed run left; either way `remove` deletes
 * it (the tests run one file at a time, so no other run holds it). Throws, saying why, when the
 * user cannot reach the repository's dist/ and build/ (a checkout in a directory others may not
 * traverse). */
export function createTestUser(name = testUserName): TestUser {
  if (!isRoot) throw new Error("only root creates the test user");
  if (run("id", ["-u", name]).status !== 0) {
    const r = run("useradd", [
      "--system",
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      "/usr/sbin/nologin",
      "--user-group",
      name,
    ]);
    if (r.status !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  }
  const uid = Number(run("id", ["-u", name]).stdout.trim());
  const gid = Number(run("id", ["-g", name]).stdout.trim());
  const home = mkdtempSync(join(tmpdir(), `${name}-home-`));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    HOME: home,
    USER: name,
    LOGNAME: name,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local/state"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_RUNTIME_DIR: join(home, "run"),
    TMPDIR: join(home, "tmp"),
    NO_COLOR: "1",
    LANG: "C.UTF-8",
  };
  for (const k of ["XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"])
    mkdirSync(env[k] as string, { recursive: true });
  mkdirSync(env.XDG_RUNTIME_DIR as string, { mode: 0o700 });
  mkdirSync(env.TMPDIR as string, { mode: 0o700 });
  const give = (path: string): void => {
    const r = run("chown", ["-R", `${uid}:${gid}`, path]);
    if (r.status !== 0) throw new Error(`chown ${path}: ${r.stderr}`);
  };
  give(home);
  chmodSync(home, 0o700);
  const user: TestUser = {
    name,
    uid,
    gid,
    home,
    env,
    give,
    remove() {
      rmSync(home, { recursive: true, force: true });
      // Its processes are gone with the tests'; a leftover one would make userdel refuse.
      // Adopted or made here: removed either way (deleting only what this call made left a
      // killed run's user on the host for good).
      run("userdel", [name]);
    },
  };
  // The repository must be readable by it: a checkout below a directory of mode 0700 (a home)
  // is not, and every rootless test would fail on EACCES rather than on what it proves.
  const launcher = join(root, "build/Release/secure-run-launch");
  const [file, args] = commandAs(user, [
    "sh",
    "-c",
    'test -r "$1" && test -x "$2"',
    "sh",
    cliPath,
    launcher,
  ]);
  const reach = run(file, args);
  if (reach.status !== 0) {
    user.remove();
    throw new Error(
      `${name} cannot read ${cliPath} or run ${launcher}: every directory above the checkout ` +
        "must be searchable by others (chmod o+x), or clone it under /tmp",
    );
  }
  return user;
}

/** The body of an HTTP GET of `url` (rejected after `timeoutMs` without an answer). */
export function fetchText(url: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Shared by the tests: paths, running the CLI, temporary files that are always removed. */
import {
  spawn,
  spawnSync,
  type ChildProcess,
  type SpawnOptions,
  type SpawnSyncReturns,
} from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.cjs";
import { cgroupHierarchies } from "../src/host/cgroups.js";

export const root = packageRoot;

// --- The CLI: every test runs it through one of these three. ------------------------------------

const cliPath = join(root, "dist/cli/main.cjs");
/** The built executable as a shell command line (for a test that runs it from sh -c). */
export const cliCommandLine = `${process.execPath} ${cliPath}`;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    input: options.input ?? "",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    timeout: options.timeout ?? 60_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The built executable started in the background (signals, concurrency, warm runs). */
export function spawnCli(args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    ...options,
    env: { NO_COLOR: "1", ...(options.env ?? process.env) },
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

/** Shared by the tests: paths, running the CLI, temporary files that are always removed. */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.cjs";
import { cgroupHierarchies } from "../src/host/cgroups.js";

export const root = packageRoot;
export const cliPath = join(root, "dist/cli/main.cjs");

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

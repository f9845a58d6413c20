/** Starts the native launcher for a plan and waits for its report. */
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { launcherArgs, type SelinuxLaunch } from "../bundle/argv.cjs";
import { InternalError, LaunchError } from "../errors.js";
import { requireLauncher } from "../native/launcher.js";
import { netHook } from "../network/launch.js";
import type { RefusedSummary } from "../plan/fixes.js";
import type { Plan } from "../plan/types.js";

/** The launcher's exit report (one JSON line on the report descriptor). */
export interface LaunchReport {
  status: "exited" | "signaled" | "failed";
  exitCode: number;
  appExitCode?: number;
  signal?: number;
  error?: { step: string; errno: number; message: string; detail: string };
  oomKilled: boolean;
  cgroup?: {
    driver: "v1" | "v2";
    memoryPeak: number;
    oomKills: number;
    pidsLimitHits: number;
    /** How the app's init got into its cgroup: born there (clone3 CLONE_INTO_CGROUP, v2),
     * joined by itself (v1), or moved by the launcher (older kernels). */
    placement?: "clone" | "joined" | "moved";
  };
  cleanupError?: string;
  cpu: { userUs: number; systemUs: number };
  wallUs: number;
  parentDied?: boolean;
  /** The refusals the supervisor counted (when they reached it). */
  refused?: RefusedSummary;
}

export interface RunOptions {
  /** --trace: the filter notifies every call; the record comes back in the result. */
  trace?: { progress: boolean };
  /** Below secure-run's own cgroup, where the app's goes (an existing cgroup). */
  cgroupParent?: string;
  /** SELinux enforcing only: the labels, and where the launcher allocates their categories. */
  selinux?: SelinuxLaunch;
  /** --explain: the notifying filter is `bpf`; this is the plan's own, for the answers. */
  explain?: { bpf: Buffer; json: boolean };
  /** Without explain, the same: the notifying filter is `bpf` and this is the plan's own, for the
   * answers; the supervisor counts the refusals (with explain too) and summarises them at the
   * end with `fixes` (src/plan/fixes.ts) as `summary` says. */
  refusals?: Refusals;
  /** This host's Landlock ABI (host facts). */
  landlockAbi: number;
  /** A plan with a writable root: the directory of its layer (--writable-layer). */
  writableLayer?: string;
  /** A private network's document (src/network/doc.ts): the supervisor's hook adds and
   * removes it around the run. */
  network?: string;
  /** Signals to pass on to the launcher while it runs (the caller wires process signals). */
  onStart?: (forward: (signal: NodeJS.Signals) => void) => void;
  launcher?: string;
}

export interface Refusals {
  /** The plan's own filter (unused with explain, which carries it). */
  bpf: Buffer;
  /** The fix table, encoded (encodeFixes). */
  fixes?: Buffer;
  summary?: "auto" | "always" | "off";
}

/** What the launcher records with --trace-fd. */
export interface TraceRecord {
  arch: string;
  seconds: number;
  calls: number;
  otherAbi: number;
  syscalls: Record<string, { nr: number; count: number; values?: string[]; moreValues?: boolean }>;
}

export interface RunResult {
  exitCode: number;
  report: LaunchReport;
  trace?: TraceRecord;
}

/** The launcher's arguments for runPlan. --die-with-parent: if secure-run is killed, the launcher
 * ends the app and cleans up. Descriptors: 3 the filter, 4 the report, 5 the filter that answers
 * refusals (explain or refusals), 6 the trace record, 7 the fix table. */
export function runArgs(plan: Plan, options: RunOptions): string[] {
  return launcherArgs(
    { plan, landlockAbi: options.landlockAbi, seccompFd: 3, selinux: options.selinux },
    {
      reportFd: 4,
      dieWithParent: true,
      cgroupParent: options.cgroupParent,
      ...(options.writableLayer !== undefined ? { writableLayer: options.writableLayer } : {}),
      ...(options.network ? { netHook: netHook(options.network) } : {}),
      ...(options.explain ? { explain: { fd: 5, json: options.explain.json } } : {}),
      ...(options.refusals && !options.explain ? { refusals: { fd: 5 } } : {}),
      ...((options.explain || options.refusals) && options.refusals?.fixes ? { fixesFd: 7 } : {}),
      ...(options.refusals?.summary ? { refusalsSummary: options.refusals.summary } : {}),
      ...(options.trace ? { trace: { fd: 6, progress: options.trace.progress } } : {}),
    },
  );
}

export async function runPlan(plan: Plan, bpf: Buffer, options: RunOptions): Promise<RunResult> {
  const launcher = requireLauncher(options.launcher);
  const args = runArgs(plan, options);
  // The launcher gets a session of its own: terminal signals reach only secure-run, which
  // forwards each exactly once.
  const child = spawn(launcher, args, {
    stdio: [
      "inherit",
      "inherit",
      "inherit",
      "pipe",
      "pipe",
      options.explain || options.refusals ? "pipe" : "ignore",
      options.trace ? "pipe" : "ignore",
      options.refusals?.fixes ? "pipe" : "ignore",
    ],
    detached: true,
    env: {},
  });
  const bpfIn = child.stdio[3] as Writable;
  const reportOut = child.stdio[4] as Readable;
  bpfIn.on("error", () => undefined); // the launcher reports its own read failures
  bpfIn.end(bpf);
  const answers = options.explain?.bpf ?? options.refusals?.bpf;
  if (answers) {
    const answersIn = (child.stdio as unknown as (Writable | null)[])[5];
    if (!answersIn) throw new InternalError("no descriptor for the answering filter");
    answersIn.on("error", () => undefined);
    answersIn.end(answers);
  }
  if (options.refusals?.fixes) {
    const fixesIn = (child.stdio as unknown as (Writable | null)[])[7];
    if (!fixesIn) throw new InternalError("no descriptor for the fix table");
    fixesIn.on("error", () => undefined);
    fixesIn.end(options.refusals.fixes);
  }
  let reportText = "";
  reportOut.setEncoding("utf8");
  reportOut.on("data", (chunk: string) => (reportText += chunk));
  const reportDone = new Promise<void>((resolve) => reportOut.on("close", resolve));
  let traceText = "";
  const traceOut = options.trace ? (child.stdio as unknown as (Readable | null)[])[6] : null;
  traceOut?.setEncoding("utf8");
  traceOut?.on("data", (chunk: string) => (traceText += chunk));
  const traceDone = traceOut
    ? new Promise<void>((resolve) => traceOut.on("close", resolve))
    : Promise.resolve();
  options.onStart?.((signal) => {
    if (child.pid !== undefined && child.exitCode === null) child.kill(signal);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (c, s) => {
        resolve([c, s]);
      });
    },
  );
  await reportDone;
  await traceDone;
  let report: LaunchReport;
  try {
    report = JSON.parse(reportText) as LaunchReport;
  } catch {
    throw new LaunchError(
      `the launcher ended without a report (exit ${code ?? "none"}${signal ? `, signal ${signal}` : ""})`,
    );
  }
  const trace = traceText ? (JSON.parse(traceText) as TraceRecord) : undefined;
  return { exitCode: code ?? report.exitCode, report, ...(trace ? { trace } : {}) };
}

/** Starts the native launcher for a plan and waits for its report. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { InternalError, LaunchError } from "../errors.js";
import { paths } from "../paths.cjs";
import type { Plan } from "../plan/types.js";
import { launcherArgs } from "./argv.js";
import { selinuxArgs, type SelinuxLaunch } from "./mcs.js";

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
  /** This host's Landlock ABI (host facts). */
  landlockAbi: number;
  /** Signals to pass on to the launcher while it runs (the caller wires process signals). */
  onStart?: (forward: (signal: NodeJS.Signals) => void) => void;
  launcher?: string;
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

/** Host paths the app definition itself brings in (mounts, the rootfs): never the host view.
 * writableOnly: what --relabel may touch: the rootfs, and volumes not mounted read-only. */
export function appVolumes(plan: Plan, o: { writableOnly?: boolean } = {}): string[] {
  const from = (m: Plan["filesystem"]["mounts"][number], ref: (r: string) => boolean): boolean =>
    m.reasons.some((r) => r.kind === "field" && ref(r.ref));
  return (
    plan.filesystem.mounts
      .filter((m) => m.type === "bind" && m.source !== undefined)
      .filter((m) => from(m, (r) => r.startsWith("mounts[") || r === "root.rootfs"))
      // The app's own rootfs is labelled even though it is mounted read-only: the app must be
      // able to read and execute it under its label, as podman labels an image's root.
      .filter((m) => !(o.writableOnly && m.readOnly && !from(m, (r) => r === "root.rootfs")))
      .map((m) => m.source ?? "")
  );
}

export async function runPlan(plan: Plan, bpf: Buffer, options: RunOptions): Promise<RunResult> {
  const launcher = options.launcher ?? paths.launcher;
  if (!existsSync(launcher)) {
    throw new InternalError(
      `the launcher is not built (looked for ${launcher})`,
      "build it with: npm run build",
    );
  }
  // --die-with-parent: if secure-run is killed, the launcher ends the app and cleans up.
  const args = [
    "--die-with-parent",
    ...launcherArgs(plan, { seccomp: 3, report: 4, landlockAbi: options.landlockAbi }),
  ];
  if (options.explain)
    args.unshift("--explain-fd", "5", ...(options.explain.json ? ["--explain-json"] : []));
  if (options.cgroupParent) args.unshift("--cgroup-parent", options.cgroupParent);
  if (options.trace)
    args.unshift("--trace-fd", "6", ...(options.trace.progress ? ["--trace-progress"] : []));
  // Where SELinux enforces, the app's own volumes and rootfs get its file label (podman's :Z);
  // the host's system view is never relabelled.
  if (options.selinux) {
    // Read-only volumes are never relabelled: the app cannot write them, and :Z would rewrite
    // the labels of files the host (and other apps) rely on.
    for (const source of appVolumes(plan, { writableOnly: true }))
      args.unshift("--relabel", source);
  }
  if (options.selinux) args.unshift(...selinuxArgs(options.selinux));
  // The launcher gets a session of its own: terminal signals reach only secure-run, which
  // forwards each exactly once.
  const child = spawn(launcher, args, {
    stdio: [
      "inherit",
      "inherit",
      "inherit",
      "pipe",
      "pipe",
      options.explain ? "pipe" : "ignore",
      options.trace ? "pipe" : "ignore",
    ],
    detached: true,
    env: {},
  });
  const bpfIn = child.stdio[3] as Writable;
  const reportOut = child.stdio[4] as Readable;
  bpfIn.on("error", () => undefined); // the launcher reports its own read failures
  bpfIn.end(bpf);
  if (options.explain) {
    const explainIn = (child.stdio as unknown as (Writable | null)[])[5];
    if (!explainIn) throw new InternalError("no descriptor for the explain filter");
    explainIn.on("error", () => undefined);
    explainIn.end(options.explain.bpf);
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

/** Runs an app in its sandbox with a filter that reports every syscall to the supervisor and
 * lets it continue, optionally exercising it from the host, and returns the record. */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { InternalError, LaunchError } from "../errors.js";
import type { Prepared } from "../launch/prepare.js";
import { ephemeralLayer } from "../launch/layer.js";
import { runPlan, type LaunchReport, type TraceRecord } from "../launch/run.js";
import { compileFilters } from "../seccomp/compile.js";
import { NEVER_ALLOWED } from "../seccomp/never.js";

export interface TraceOptions {
  /** Stop the app after this many seconds. */
  durationS?: number;
  /** A host command run once the app is up; the app is stopped when it ends. */
  exercise?: string;
  progress: boolean;
  onStart?: (forward: (signal: NodeJS.Signals) => void) => void;
}

export interface TraceOutcome {
  record: TraceRecord;
  report: LaunchReport;
  exercise?: { exitCode: number | null; output: string };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => {
      resolve(false);
    });
  });
}

/** Up: a listen port accepts connections (host network), or a second has passed. */
async function waitUntilUp(prepared: Prepared): Promise<void> {
  const ports =
    prepared.plan.network.mode === "host"
      ? prepared.plan.network.listen.filter((l) => l.protocol === "tcp")
      : [];
  const deadline = Date.now() + (ports.length > 0 ? 15_000 : 1_000);
  while (Date.now() < deadline) {
    if (ports.length > 0 && (await Promise.all(ports.map((p) => portOpen(p.port)))).every(Boolean))
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function traceApp(prepared: Prepared, o: TraceOptions): Promise<TraceOutcome> {
  const { plan, host } = prepared;
  const [filter] = compileFilters(
    {
      defaultAction: { action: "notify" },
      badArchAction: plan.seccomp.badArchAction,
      architectures: [host.arch],
      // What no plan allows is refused here too, so the trace records the fallback the app
      // takes under its plan (clone for clone3) instead of a call the plan will refuse.
      syscalls: NEVER_ALLOWED.map((name) => ({
        name,
        action: "errno" as const,
        errno: "ENOSYS",
        reasons: [],
      })),
    },
    undefined,
    [host.arch],
  );
  if (!filter) throw new InternalError("no tracing filter");
  let forward: ((s: NodeJS.Signals) => void) | undefined;
  let stopped = false;
  const stop = (): void => {
    if (stopped || !forward) return;
    stopped = true;
    forward("SIGTERM");
    // A second and third request end it for sure (the launcher kills on the third).
    setTimeout(() => forward?.("SIGTERM"), 3000).unref();
    setTimeout(() => forward?.("SIGTERM"), 3100).unref();
  };
  const timers: NodeJS.Timeout[] = [];
  let exercise: TraceOutcome["exercise"];
  let exerciseDone: Promise<void> = Promise.resolve();
  // A writable root is traced with a layer of its own, as `run` gives it (removed after).
  const layer = plan.filesystem.writableLayer ? ephemeralLayer(plan.name) : undefined;
  const run = runPlan(plan, filter.bpf, {
    landlockAbi: host.landlock.abi ?? 0,
    trace: { progress: o.progress },
    ...(layer ? { writableLayer: layer.dir } : {}),
    onStart: (f) => {
      forward = f;
      o.onStart?.(f);
      if (o.durationS !== undefined) timers.push(setTimeout(stop, o.durationS * 1000));
      if (o.exercise) {
        const command = o.exercise;
        exerciseDone = waitUntilUp(prepared).then(
          () =>
            new Promise<void>((resolve) => {
              const c = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
              let output = "";
              c.stdout.on("data", (d: Buffer) => (output += d.toString()));
              c.stderr.on("data", (d: Buffer) => (output += d.toString()));
              c.on("exit", (code) => {
                exercise = { exitCode: code, output };
                stop();
                resolve();
              });
            }),
        );
      }
    },
  });
  const result = await run.finally(() => layer?.remove());
  for (const t of timers) clearTimeout(t);
  await exerciseDone;
  // A launch that failed traced nothing of the app: an empty profile would be a wrong one.
  const failed = result.report.status === "failed" ? result.report.error : undefined;
  if (failed)
    throw new LaunchError(
      `launch failed at step "${failed.step}": ${failed.message}${failed.detail ? `: ${failed.detail}` : ""}`,
      result.report.exitCode === 126 || result.report.exitCode === 127
        ? result.report.exitCode
        : 125,
    );
  if (!result.trace) throw new InternalError("the launcher returned no trace");
  return { record: result.trace, report: result.report, ...(exercise ? { exercise } : {}) };
}

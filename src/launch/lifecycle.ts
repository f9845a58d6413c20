/** Instances and restarts: each instance is a launcher of its own (own sandbox, own cgroup),
 * restarted as the plan's restart policy says. */
import type { Plan } from "../plan/types.js";
import { finishNetwork, prepareNetwork } from "../network/launch.js";
import { ephemeralLayer, type EphemeralLayer } from "./layer.js";
import { baseLabels, defaultRegistry, instanceGroup, type SelinuxLaunch } from "./mcs.js";
import { runPlan, type LaunchReport, type Refusals } from "./run.js";

export type LifecycleEvent =
  | { kind: "exit"; instance: number; attempt: number; report: LaunchReport }
  | { kind: "restart"; instance: number; attempt: number; delayMs: number };

export interface LifecycleOptions {
  landlockAbi: number;
  cgroupParent?: string;
  explain?: { bpf: Buffer; json: boolean };
  /** The plan's filter and fix table, for the refusals' count and summary (see runPlan). */
  refusals?: Refusals;
  /** Receives a function that passes a signal to every running instance. */
  onStart?: (forward: (signal: NodeJS.Signals) => void) => void;
  onEvent?: (event: LifecycleEvent) => void;
  launcher?: string;
  /** Where the launcher registers SELinux categories (tests use their own). */
  mcsRegistry?: string;
  /** A writable root's layer could not be removed at the end (the message says where it is). */
  onLayerLeft?: (message: string) => void;
}

const STOP_SIGNALS = new Set<NodeJS.Signals>(["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]);

/** Whether an instance that ended with this report is started again. */
export function shouldRestart(
  plan: Plan,
  report: LaunchReport,
  restarts: number,
  stopping: boolean,
): boolean {
  const { policy, maxRetries } = plan.lifecycle.restart;
  if (stopping || policy === "no") return false;
  if (maxRetries >= 0 && restarts >= maxRetries) return false;
  // secure-run's own failures (125, 126, 127) would only repeat.
  if (report.status === "failed") return false;
  return policy === "always" || report.exitCode !== 0;
}

export function restartDelay(restarts: number): number {
  return Math.min(100 * 2 ** restarts, 10_000);
}

/** Runs every instance to its end; the exit code is the first instance's that failed, else 0. */
export async function runLifecycle(
  plan: Plan,
  bpf: Buffer,
  options: LifecycleOptions,
): Promise<{ exitCode: number; reports: LaunchReport[] }> {
  const forwards = new Set<(signal: NodeJS.Signals) => void>();
  let stopping = false;
  options.onStart?.((signal) => {
    if (STOP_SIGNALS.has(signal)) stopping = true;
    for (const f of forwards) f(signal);
  });
  // Where SELinux enforces, every launch gets categories of its own from the launcher; the
  // instances of one app (one group) share one of the two, which labels the rootfs and volumes
  // they share.
  const selinux: SelinuxLaunch | undefined = plan.selinux.enforced
    ? {
        ...baseLabels(plan.selinux),
        mcsRegistry: options.mcsRegistry ?? defaultRegistry(),
        ...(plan.lifecycle.instances > 1 ? { mcsShared: instanceGroup() } : {}),
      }
    : undefined;
  // A writable root: a layer per instance, kept across its restarts, removed at its end.
  const runInstance = async (instance: number): Promise<LaunchReport> => {
    const layer: EphemeralLayer | undefined = plan.filesystem.writableLayer
      ? ephemeralLayer(plan.name)
      : undefined;
    try {
      return await runRestarting(instance, layer?.dir);
    } finally {
      const left = layer?.remove();
      if (left) options.onLayerLeft?.(left);
    }
  };
  const runRestarting = async (instance: number, writableLayer?: string): Promise<LaunchReport> => {
    for (let restarts = 0; ; restarts++) {
      let forward: ((s: NodeJS.Signals) => void) | undefined;
      const network = prepareNetwork(plan, instance);
      const { report } = await runPlan(plan, bpf, {
        ...(network ? { network } : {}),
        landlockAbi: options.landlockAbi,
        ...(options.cgroupParent ? { cgroupParent: options.cgroupParent } : {}),
        ...(options.launcher ? { launcher: options.launcher } : {}),
        ...(options.explain ? { explain: options.explain } : {}),
        ...(options.refusals ? { refusals: options.refusals } : {}),
        ...(selinux ? { selinux } : {}),
        ...(writableLayer !== undefined ? { writableLayer } : {}),
        onStart: (f) => {
          forward = f;
          forwards.add(f);
        },
      });
      if (forward) forwards.delete(forward);
      const left = finishNetwork(network);
      if (left) options.onLayerLeft?.(left);
      options.onEvent?.({ kind: "exit", instance, attempt: restarts, report });
      if (!shouldRestart(plan, report, restarts, stopping)) return report;
      const delayMs = restartDelay(restarts);
      options.onEvent?.({ kind: "restart", instance, attempt: restarts + 1, delayMs });
      await new Promise((r) => setTimeout(r, delayMs));
      if (stopping) return report;
    }
  };
  const reports = await Promise.all(
    Array.from({ length: plan.lifecycle.instances }, (_, i) => runInstance(i)),
  );
  const failed = reports.find((r) => r.exitCode !== 0);
  return { exitCode: failed?.exitCode ?? 0, reports };
}

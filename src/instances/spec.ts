/** What an instance takes from its plan (beyond the bundle): its app's name and command, restart
 * policy, stop signal and timeout, writable layer, ports and limits. Made when the plan is, and
 * kept with the app's cached bundle, so that `run -d` of an unchanged app starts from the cache
 * without planning again. */
import type { Plan } from "../plan/types.js";
import type { NewInstance } from "./lifecycle.js";
import { networkSpec } from "../network/doc.js";

export type InstanceSpec = Pick<
  NewInstance,
  | "appName"
  | "command"
  | "restart"
  | "stopSignal"
  | "stopTimeout"
  | "writable"
  | "image"
  | "ports"
  | "limits"
  | "network"
>;

export function instanceSpec(plan: Plan): InstanceSpec {
  const unlimited = plan.rootless && !plan.rootless.limits;
  return {
    appName: plan.name,
    command: plan.process.args,
    restart: plan.lifecycle.restart,
    writable: Boolean(plan.filesystem.writableLayer),
    ...(plan.image ? { image: plan.image.id } : {}),
    stopSignal: plan.lifecycle.stop.signal,
    stopTimeout: plan.lifecycle.stop.timeout,
    ports: plan.network.listen.map((p) => ({ port: p.port, protocol: p.protocol })),
    ...(plan.network.mode === "private"
      ? { network: networkSpec(plan, 0, Boolean(plan.rootless)) }
      : {}),
    limits: {
      memory: unlimited ? -1 : plan.cgroup.memory.max,
      pids: unlimited ? -1 : plan.cgroup.pids.max,
      cpu:
        unlimited || !plan.cgroup.cpu
          ? -1
          : Math.round((plan.cgroup.cpu.quota / plan.cgroup.cpu.period) * 1000),
    },
  };
}

/** An instance's documents (schemas/instance.schema.json, schemas/instance-state.schema.json). */
import type { PublishedPort } from "../network/doc.js";
import type { RefusedSummary } from "../plan/fixes.js";

export type RestartPolicy = "no" | "on-failure" | "always";

export interface InstanceDoc {
  version: 1;
  id: string;
  name: string;
  app: string | null;
  command: string[];
  created: string;
  bundleSha256: string;
  restart: { policy: RestartPolicy; maxRetries: number };
  stopSignal: string;
  stopTimeout: number;
  log: { maxBytes: number };
  remove: boolean;
  writable: boolean;
  /** The image its root is made of (its id): rmi refuses the image while the instance exists. */
  image?: string;
  ports: { port: number; protocol: "tcp" | "udp" }[];
  /** A private network (its document is network.json): the host ports published to the app. */
  network?: { publish: PublishedPort[] };
  limits: { memory: number; pids: number; cpu: number };
  uid: number;
  /** --cgroup-parent of run -d: every start of the instance uses it. */
  cgroupParent?: string;
}

export type SupervisorStatus =
  "starting" | "running" | "restarting" | "exited" | "stopped" | "failed";

export interface StateDoc {
  version: 1;
  status: SupervisorStatus;
  supervisorPid: number;
  supervisorStart: number;
  bootId: string;
  initPid: number;
  appPid: number;
  cgroup: null | { driver: "v1" | "v2"; dirs: Record<string, string> };
  restarts: number;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: number | null;
  oomKilled: boolean;
  stopping: boolean;
  /** The last run's refused syscalls (absent from the state of an older supervisor). */
  refused?: RefusedSummary | null;
  error: null | { step: string; message: string };
}

/** What the CLI shows: the supervisor's status checked for liveness, plus `paused` (from the
 * freezer), `dead` (the state says it runs but its supervisor is gone) and `created` (no state
 * written yet). */
export type Status = SupervisorStatus | "paused" | "dead" | "created";

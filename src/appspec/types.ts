/** The app definition (AppSpec v1) as validated, and as the policy receives it. */

type PortSpec = number | string | { port: number; protocol?: "tcp" | "udp"; to?: string };
type RestartPolicy = "no" | "always" | "on-failure";

/** What the user writes, after schema validation. */
export interface AppSpec {
  apiVersion: "secure-run/v1";
  kind: "App";
  name: string;
  /** Required unless root.image is given. */
  command?: string[];
  env?: Record<string, string | number | boolean>;
  workdir?: string;
  user?: string | number;
  group?: string | number;
  hostname?: string;
  root?: { host?: true; rootfs?: string; image?: string; writable?: boolean };
  mounts?: (
    | { source: string; target: string; readOnly?: boolean }
    | { tmpfs: string; size?: string | number }
  )[];
  network?: {
    mode?: NetworkMode;
    listen?: PortSpec[];
    connect?: PortSpec[];
    publish?: string[];
  };
  resources?: {
    memory?: string | number;
    swap?: string | number;
    cpu?: string | number;
    pids?: number;
  };
  capabilities?: string[];
  syscalls?: { profiles?: string[]; allow?: string[]; deny?: string[]; hints?: string[] };
  restart?: RestartPolicy | { policy: RestartPolicy; maxRetries?: number };
  stop?: StopSpec;
  instances?: number;
  bestEffort?: string[];
}

/** How `secure-run stop` ends the app: its stop signal, and the seconds before SIGKILL. */
export interface StopSpec {
  signal?: "SIGTERM" | "SIGINT" | "SIGQUIT" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "SIGWINCH";
  timeout?: number;
}

export type NetworkMode = "none" | "host" | "private";

export interface Port {
  port: number;
  protocol: "tcp" | "udp";
  /** network.connect: only to this address, CIDR or host name. */
  to?: string;
}

/** A network.publish entry: the host ports (one per instance) that reach the app's `port`. */
export interface Publish {
  hostIp: string;
  hostPorts: number[];
  port: number;
  protocol: "tcp" | "udp";
}

export type AppMount =
  | { type: "bind"; source: string; target: string; readOnly: boolean }
  | { type: "tmpfs"; target: string; size: number };

/** The same, with units resolved and shorthand expanded; array indices are unchanged so that
 * field paths stay valid. Defaults are not filled in: the policy does that, with reasons. */
export interface App {
  name: string;
  /** Absent only for an image's app: the policy takes the image's Entrypoint and Cmd. */
  command?: string[];
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  group?: string;
  hostname?: string;
  /** rootfs: an absolute host path; image: a reference (oci: and docker-archive: paths made
   * absolute); writable: a writable layer over it (true only when asked). */
  root?: ({ type: "host" } | { type: "rootfs"; path: string } | { type: "image"; ref: string }) & {
    writable?: true;
  };
  /** Bind sources are absolute host paths; tmpfs sizes are bytes. */
  mounts?: AppMount[];
  network?: { mode?: NetworkMode; listen?: Port[]; connect?: Port[]; publish?: Publish[] };
  /** memory and swap in bytes, cpu in cores */
  resources?: { memory?: number; swap?: number; cpu?: number; pids?: number };
  capabilities?: string[];
  syscalls?: { profiles?: string[]; allow?: string[]; deny?: string[]; hints?: string[] };
  restart?: { policy: RestartPolicy; maxRetries?: number };
  stop?: StopSpec;
  instances?: number;
  bestEffort?: string[];
}

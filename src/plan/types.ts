/** The Plan document (schemas/plan.schema.json): what will be enforced, with reasons. */
import type { Reason, SyscallRule } from "../seccomp/types.js";

// The seccomp rule types (and Reason, which every part of a plan carries) are owned by
// src/seccomp/types.ts; the plan's seccomp section is made of them.
export type { ArgCondition, Reason, SeccompSpec, SyscallRule } from "../seccomp/types.js";

export interface Mount {
  type: "bind" | "tmpfs" | "proc" | "dev" | "symlink";
  source?: string;
  target: string;
  linkTo?: string;
  readOnly?: boolean;
  optional?: boolean;
  /** bind: the source must be a directory / a file when the launcher opens it. */
  sourceType?: "dir" | "file";
  /** bind: the source is a path of the image's read-only overlay, not of the host. */
  fromImage?: boolean;
  size?: number;
  mode?: number;
  reasons: Reason[];
}

export interface PublishGrant {
  hostIp: string;
  hostPorts: number[];
  port: number;
  protocol: "tcp" | "udp";
  reasons: Reason[];
}

export interface PortGrant {
  port: number;
  protocol: "tcp" | "udp";
  /** network.connect: only to this address, CIDR or host name. */
  to?: string;
  reasons: Reason[];
}

/** A place the app can write: the writable root's layer (kept per instance until `rm`), a
 * volume (a host path: always kept), a tmpfs (lost at every stop). */
export interface Persistence {
  path: string;
  kind: "layer" | "volume" | "tmpfs";
  source?: string;
  lifetime: "instance" | "always" | "run";
  reasons: Reason[];
}

export interface Plan {
  apiVersion: "secure-run/v1";
  kind: "Plan";
  name: string;
  hostname: string;
  process: {
    args: string[];
    env: string[];
    cwd: string;
    user: { uid: number; gid: number; groups: number[]; reasons: Reason[] };
    noNewPrivileges: true;
    newSession: boolean;
    rlimits: { type: string; soft: number; hard: number; reasons: Reason[] }[];
  };
  namespaces: ("cgroup" | "ipc" | "mount" | "net" | "pid" | "user" | "uts")[];
  userNamespace: { uidMap: IdMap[]; gidMap: IdMap[]; reasons: Reason[] } | null;
  /** Only for a caller other than root: its ids, the id map's kind (single: the app's id only;
   * range: the caller's subordinate ids too) and whether the limits are enforced (a cgroup v2
   * subtree delegated to it). It keeps the SELinux label it inherits. */
  /** The app's root is this image; `fields` its config filled in. */
  image?: { ref: string; id: string; fields: string[] };
  rootless?: {
    uid: number;
    gid: number;
    idMap: "single" | "range";
    limits: boolean;
    reasons: Reason[];
  };
  filesystem: {
    readOnlyRoot: boolean;
    mounts: Mount[];
    maskedPaths: { path: string; reasons: Reason[] }[];
    readOnlyPaths: { path: string; reasons: Reason[] }[];
    /** The root is writable: an overlay of `lower` (null: an empty directory below the host's
     * read-only binds) and the instance's layer directory. */
    writableLayer?: { lower: string | null; reasons: Reason[] };
    /** The root is an overlay of an image's layers (store directories, top layer first). */
    imageLayers?: { layers: string[]; reasons: Reason[] };
    /** The root's binds come from an image's flattened root in the store (no overlay here). */
    imageRoot?: { path: string; reasons: Reason[] };
    /** Where what the app writes goes, and how long it stays. */
    persistence: Persistence[];
  };
  capabilities: {
    keep: { name: string; reasons: Reason[] }[];
    drop: string[];
    refused: { name: string; reasons: Reason[]; why: string }[];
  };
  seccomp: {
    defaultAction: {
      action: "errno" | "kill_process" | "kill_thread" | "trap" | "log";
      errno?: string;
    };
    badArchAction: "kill_process" | "kill_thread" | "trap";
    architectures: string[];
    profiles: { name: string; reasons: Reason[] }[];
    syscalls: SyscallRule[];
    removed: { name: string; reasons: Reason[] }[];
  };
  network: {
    mode: "none" | "host" | "private";
    listen: PortGrant[];
    connect: PortGrant[];
    sysctls: { name: string; value: string; reasons: Reason[] }[];
    /** private: host ports (one per instance) published to the app's ports. */
    publish?: PublishGrant[];
    /** private, root: the host bridge and its subnet (the organisation's). */
    bridge?: { name: string; subnet: string };
  };
  landlock: {
    fs: { path: string; access: ("read" | "write" | "execute")[]; reasons: Reason[] }[];
    /** Landlock scopes (ABI 6), always both: no abstract unix sockets or signals outside. */
    scope: ("abstract-unix" | "signal")[];
    tcpBind: { port: number; reasons: Reason[] }[];
    tcpConnect: { port: number; reasons: Reason[] }[];
  };
  selinux: {
    processType: string;
    fileType: string;
    level: string;
    categories: { count: 2; allocation: "per-instance" };
    enforced: boolean;
    reasons: Reason[];
  };
  cgroup: {
    memory: {
      max: number;
      swapMax: number;
      oomGroup: boolean;
      reasons: Reason[];
      swapReasons: Reason[];
    };
    cpu: { quota: number; period: number; reasons: Reason[] } | null;
    pids: { max: number; reasons: Reason[] };
  };
  lifecycle: {
    restart: { policy: "no" | "always" | "on-failure"; maxRetries: number };
    instances: number;
    /** What `secure-run stop` sends first, and the seconds before SIGKILL. */
    stop: { signal: StopSignal; timeout: number };
  };
  enforcement: { part: EnforcementPart; enforced: boolean; bestEffort: boolean; detail: string }[];
  notices: string[];
}

export type StopSignal =
  "SIGTERM" | "SIGINT" | "SIGQUIT" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "SIGWINCH";

export type EnforcementPart =
  | "user-namespace"
  | "landlock-fs"
  | "landlock-net"
  | "landlock-scope"
  | "memory"
  | "pids"
  | "cpu"
  | "swap"
  | "selinux";

export interface IdMap {
  inside: number;
  outside: number;
  count: number;
}

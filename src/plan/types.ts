/** The Plan document (schemas/plan.schema.json): what will be enforced, with reasons. */

export interface Reason {
  kind: "profile" | "field" | "rule";
  ref: string;
  why?: string;
}

export interface Mount {
  type: "bind" | "tmpfs" | "proc" | "dev" | "symlink";
  source?: string;
  target: string;
  linkTo?: string;
  readOnly?: boolean;
  optional?: boolean;
  size?: number;
  mode?: number;
  reasons: Reason[];
}

export interface SyscallRule {
  name: string;
  action: "allow";
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
  namespaces: ("ipc" | "mount" | "net" | "pid" | "uts")[];
  filesystem: { readOnlyRoot: boolean; mounts: Mount[] };
  capabilities: { keep: { name: string; reasons: Reason[] }[]; drop: string[] };
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
    mode: "none" | "host";
    listen: { port: number; protocol: "tcp"; reasons: Reason[] }[];
  };
  landlock: { tcpBind: { port: number; reasons: Reason[] }[] } | null;
  cgroup: {
    memory: { max: number; swapMax: number; reasons: Reason[] };
    pids: { max: number; reasons: Reason[] };
  };
  notices: string[];
}

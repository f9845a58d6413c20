/** The app definition (AppSpec v1) as validated, and as the policy receives it. */

/** What the user writes, after schema validation. */
export interface AppSpec {
  apiVersion: "secure-run/v1";
  kind: "App";
  name: string;
  command: string[];
  env?: Record<string, string | number | boolean>;
  workdir?: string;
  user?: string | number;
  mounts?: (
    | { source: string; target: string; readOnly?: boolean }
    | { tmpfs: string; size?: string | number }
  )[];
  network?: { mode?: "none" | "host"; listen?: (number | string)[] };
  resources?: { memory?: string | number; pids?: number };
  capabilities?: string[];
  syscalls?: { profiles?: string[]; allow?: string[]; deny?: string[] };
}

export interface ListenPort {
  port: number;
  protocol: "tcp";
}

export type AppMount =
  | { type: "bind"; source: string; target: string; readOnly: boolean }
  | { type: "tmpfs"; target: string; size: number };

/** The same, with units resolved and shorthand expanded; array indices are unchanged so that
 * field paths stay valid. Defaults are not filled in: the policy does that, with reasons. */
export interface App {
  name: string;
  command: string[];
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** Bind sources are absolute host paths; tmpfs sizes are bytes. */
  mounts?: AppMount[];
  network?: { mode?: "none" | "host"; listen?: ListenPort[] };
  resources?: { memory?: number; pids?: number };
  capabilities?: string[];
  syscalls?: { profiles?: string[]; allow?: string[]; deny?: string[] };
}

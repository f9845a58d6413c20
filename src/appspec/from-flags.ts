/** An app definition from `secure-run exec` flags, checked like a file, with problems pointing
 * at the flag. */
import { basename } from "node:path";
import { InputError, type Issue } from "../errors.js";
import { normalizeApp } from "./normalize.js";
import type { AppSpec } from "./types.js";
import { formatPath, validateAgainst, type SchemaProblem } from "../documents/validate.js";
import type { LoadedApp } from "./load.js";

export interface ExecFlags {
  name?: string;
  rootfs?: string;
  image?: string;
  env: string[];
  volume: string[];
  tmpfs: string[];
  net?: string;
  listen: string[];
  connect: string[];
  publish?: string[];
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  capAdd: string[];
  profile: string[];
  user?: string;
  hostname?: string;
  workdir?: string;
  bestEffort: string[];
}

/** Which flag a field path comes from. */
const FLAGS: [RegExp, string][] = [
  [/^name/, "--name"],
  [/^root\.image/, "--image"],
  [/^root/, "--rootfs"],
  [/^env/, "--env"],
  [/^mounts\[\d+\]\.(tmpfs|size)/, "--tmpfs"],
  [/^mounts/, "--volume"],
  [/^network\.mode/, "--net"],
  [/^network\.listen/, "--listen"],
  [/^network\.connect/, "--connect"],
  [/^network\.publish/, "--publish"],
  [/^resources\.memory/, "--memory"],
  [/^resources\.cpu/, "--cpus"],
  [/^resources\.pids/, "--pids-limit"],
  [/^capabilities/, "--cap-add"],
  [/^syscalls\.profiles/, "--profile"],
  [/^(user|group)/, "--user"],
  [/^hostname/, "--hostname"],
  [/^workdir/, "--workdir"],
  [/^bestEffort/, "--best-effort"],
  [/^command/, "the command"],
];

export function flagOf(path: string): string {
  return FLAGS.find(([re]) => re.test(path))?.[1] ?? path;
}

function issue(path: string, message: string, hint?: string): Issue {
  const i: Issue = { file: flagOf(path), path: "", message };
  if (hint) i.hint = hint;
  return i;
}

function nameFor(command: string): string {
  const n = basename(command)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return n || "app";
}

/** "docker-archive:/x/web.tar" → "web", "oci:/srv/img:v1" → "img", "nginx:1.25" → "nginx". */
function imageName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const path = ref.replace(/^(oci|docker-archive):/, "");
  return basename(path.replace(/:[^/:]*$/, "")).replace(/\.tar$/, "") || undefined;
}

function intOrString(v: string): number | string {
  return /^\d+$/.test(v) ? Number(v) : v;
}

export function specFromFlags(command: string[], f: ExecFlags): AppSpec {
  const spec: Record<string, unknown> = {
    apiVersion: "secure-run/v1",
    kind: "App",
    name: f.name ?? nameFor(command[0] ?? imageName(f.image) ?? "app"),
  };
  // With an image, no command means the image's own (Entrypoint and Cmd).
  if (command.length > 0 || !f.image) spec.command = command;
  if (f.env.length > 0) {
    spec.env = Object.fromEntries(
      f.env.map((kv) => {
        const eq = kv.indexOf("=");
        if (eq <= 0)
          throw new InputError([issue("env", `expected NAME=VALUE; got ${JSON.stringify(kv)}`)]);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    );
  }
  if (f.rootfs && f.image)
    throw new InputError([issue("root.image", "--image and --rootfs exclude each other")]);
  if (f.rootfs) spec.root = { rootfs: f.rootfs };
  if (f.image) spec.root = { image: f.image };
  const mounts: unknown[] = [];
  for (const v of f.volume) {
    const parts = v.split(":");
    const mode = parts.length === 3 ? parts[2] : undefined;
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      (mode !== undefined && mode !== "ro" && mode !== "rw")
    ) {
      throw new InputError([
        issue("mounts", `expected SRC:DST[:ro|:rw]; got ${JSON.stringify(v)}`),
      ]);
    }
    // As in docker run: writable unless :ro.
    mounts.push({ source: parts[0], target: parts[1], readOnly: mode === "ro" });
  }
  for (const t of f.tmpfs) {
    const [target, size] = t.split(":");
    mounts.push(size ? { tmpfs: target, size } : { tmpfs: target });
  }
  if (mounts.length > 0) spec.mounts = mounts;
  const network: Record<string, unknown> = {};
  if (f.net) network.mode = f.net;
  if (f.listen.length > 0) network.listen = f.listen.map(intOrString);
  if (f.connect.length > 0) network.connect = f.connect.map(intOrString);
  const publish = f.publish ?? [];
  if (publish.length > 0) {
    network.publish = publish;
    // A published port is one the command listens on (docker run -p needs no EXPOSE either).
    const listen = (network.listen as (string | number)[] | undefined) ?? [];
    for (const p of publish) {
      const m = /:(\d+)(\/(tcp|udp))?$/.exec(p);
      const port = m ? `${m[1]}/${m[3] ?? "tcp"}` : undefined;
      if (port && !listen.some((l) => `${l}`.replace(/^(\d+)$/, "$1/tcp") === port))
        listen.push(port);
    }
    network.listen = listen;
  }
  if (Object.keys(network).length > 0) spec.network = network;
  const resources: Record<string, unknown> = {};
  if (f.memory) resources.memory = intOrString(f.memory);
  if (f.cpus) resources.cpu = /^\d+(\.\d+)?$/.test(f.cpus) ? Number(f.cpus) : f.cpus;
  if (f.pidsLimit) resources.pids = /^\d+$/.test(f.pidsLimit) ? Number(f.pidsLimit) : f.pidsLimit;
  if (Object.keys(resources).length > 0) spec.resources = resources;
  if (f.capAdd.length > 0)
    spec.capabilities = f.capAdd.map((c) => c.toUpperCase().replace(/^CAP_/, ""));
  if (f.profile.length > 0) spec.syscalls = { profiles: f.profile };
  if (f.user) {
    const [u = "", g] = f.user.split(":");
    spec.user = intOrString(u);
    if (g) spec.group = intOrString(g);
  }
  if (f.hostname) spec.hostname = f.hostname;
  if (f.workdir) spec.workdir = f.workdir;
  if (f.bestEffort.length > 0) spec.bestEffort = f.bestEffort;
  return spec as unknown as AppSpec;
}

function toIssues(problems: SchemaProblem[]): Issue[] {
  return problems.map((p) =>
    issue(
      formatPath(p.path),
      `${formatPath(p.path) ? `${formatPath(p.path)}: ` : ""}${p.message}`,
      p.hint,
    ),
  );
}

/** The flags as a loaded app definition; positions point at the flags. */
export function loadFromFlags(
  command: string[],
  flags: ExecFlags,
  cwd: string = process.cwd(),
): LoadedApp {
  const spec = specFromFlags(command, flags);
  const problems = validateAgainst("app", spec);
  if (problems.length > 0) throw new InputError(toIssues(problems));
  const { app, problems: more, resolved } = normalizeApp(spec, cwd);
  if (more.length > 0) throw new InputError(toIssues(more));
  return {
    file: "secure-run exec",
    spec,
    app,
    resolved,
    source: {
      file: "secure-run exec",
      text: "",
      value: spec,
      locate: () => ({ line: 1, column: 1 }),
    },
  };
}

/** From a schema-valid AppSpec to the App the policy reads: units resolved, shorthand expanded,
 * host paths made absolute and checked. */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, posix, resolve } from "node:path";
import { resolveHostPath } from "./host-path.js";
import type { Publish, App, AppMount, AppSpec, Port } from "./types.js";
import type { SchemaProblem } from "../documents/validate.js";
import { parseCpu, parseSize } from "../documents/units.js";

/** A host path the app gives through a symlink: the plan uses the real one, and says so. */
export interface ResolvedHostPath {
  path: (string | number)[];
  given: string;
  real: string;
}

const DEFAULT_TMPFS_SIZE = 64 * 1024 * 1024;

type PortSpec = NonNullable<NonNullable<AppSpec["network"]>["listen"]>[number];

function port(entry: PortSpec): Port {
  if (typeof entry === "number") return { port: entry, protocol: "tcp" };
  if (typeof entry === "object")
    return {
      port: entry.port,
      protocol: entry.protocol ?? "tcp",
      ...(entry.to ? { to: entry.to } : {}),
    };
  // "[TO:]PORT[/tcp|/udp]", where TO may be a CIDR (with a slash of its own).
  const proto = /\/(tcp|udp)$/.exec(entry)?.[1];
  const spec = proto ? entry.slice(0, -proto.length - 1) : entry;
  const colon = spec.lastIndexOf(":");
  const num = colon < 0 ? spec : spec.slice(colon + 1);
  return {
    port: Number(num),
    protocol: proto === "udp" ? "udp" : "tcp",
    ...(colon > 0 ? { to: spec.slice(0, colon) } : {}),
  };
}

/** A network.publish entry ("[IP:]HOST[-HOST]:CONTAINER[/udp]", as the schema checked it) with
 * one host port per instance (the next in the range, or HOST+i), or what is wrong with it. */
export function parsePublish(entry: string, instances = 1): Publish | string {
  const m = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+)(?:-(\d+))?:(\d+)(?:\/(tcp|udp))?$/.exec(entry);
  if (!m) return `expected [IP:]HOST[-HOST]:CONTAINER[/tcp|/udp]; got ${JSON.stringify(entry)}`;
  const [, ip = "0.0.0.0", first = "", last, inner = "", proto] = m;
  if (ip.split(".").some((o) => Number(o) > 255)) return `not an IPv4 address: ${ip}`;
  const from = Number(first);
  const to = last === undefined ? from + instances - 1 : Number(last);
  const port = Number(inner);
  for (const n of [from, to, port])
    if (!(n >= 1 && n <= 65535)) return `port must be between 1 and 65535; got ${n}`;
  if (to < from) return `the range ${from}-${to} ends before it starts`;
  if (to - from + 1 < instances)
    return `the range ${from}-${to} has ${to - from + 1} ports for ${instances} instances`;
  const hostPorts = Array.from({ length: instances }, (_, i) => from + i);
  return { hostIp: ip, hostPorts, port, protocol: proto === "udp" ? "udp" : "tcp" };
}

/** An image reference with the path of oci:DIR[:TAG] or docker-archive:FILE made absolute
 * (against the app file's directory); a name in the store is kept as written. */
export function imageRef(ref: string, baseDir: string): string {
  for (const prefix of ["oci:", "docker-archive:"])
    if (ref.startsWith(prefix)) {
      const rest = ref.slice(prefix.length);
      return rest.startsWith("/") ? ref : `${prefix}${resolve(baseDir, rest)}`;
    }
  return ref;
}

/** baseDir: where relative host paths are resolved (the app file's directory). */
export function normalizeApp(
  spec: AppSpec,
  baseDir: string,
): { app: App; problems: SchemaProblem[]; resolved: ResolvedHostPath[] } {
  const problems: SchemaProblem[] = [];
  const resolved: ResolvedHostPath[] = [];
  const hostPath = (p: string, path: (string | number)[], kind: "dir" | "any"): string => {
    // Not path.resolve: "link/.." must go where the kernel goes, the link's target's parent.
    const joined = isAbsolute(p) ? p : `${baseDir}/${p}`;
    const abs = resolve(joined);
    const r = resolveHostPath(joined);
    if (!r.ok && r.reason === "proc") {
      problems.push({
        path,
        at: "value",
        message: `${p} ${abs === "/proc" || abs.startsWith("/proc/") ? "is under /proc" : "leads into /proc through a symlink"}: the links there (/proc/<pid>/root, /proc/self/fd/…) lead wherever the kernel says, not where their text says`,
        hint: "give the host path itself",
      });
      return abs;
    }
    if (!r.ok && r.reason === "loop") {
      problems.push({ path, at: "value", message: `${p}: too many levels of symbolic links` });
      return abs;
    }
    if (!r.ok || !existsSync(r.real)) {
      problems.push({
        path,
        at: "value",
        message: `${abs} does not exist on this host`,
        hint: "relative paths are resolved against the app file's directory",
      });
      return abs;
    }
    if (kind === "dir" && !statSync(r.real).isDirectory()) {
      problems.push({ path, at: "value", message: `${abs} is not a directory` });
    }
    if (r.real !== abs) resolved.push({ path, given: abs, real: r.real });
    return r.real;
  };
  const app: App = { name: spec.name };
  if (spec.command) app.command = spec.command;
  if (spec.env)
    app.env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, String(v)]));
  if (spec.workdir !== undefined) {
    const w = spec.workdir;
    const parts = w.split("/").slice(1);
    if (parts.some((c) => c === "." || c === "..") || (w !== "/" && parts.includes(""))) {
      problems.push({
        path: ["workdir"],
        at: "value",
        message: `expected a normalized absolute path (no ".", "..", "//" or trailing /); got ${JSON.stringify(w)}`,
        hint: `write it as ${JSON.stringify(posix.normalize(w).replace(/(.)\/$/, "$1"))}`,
      });
    } else if (w === "/proc" || w.startsWith("/proc/")) {
      problems.push({
        path: ["workdir"],
        at: "value",
        message: `${w} is under /proc: a working directory there (such as /proc/self/fd/N or /proc/1/cwd) is a magic link, not a place in the sandbox`,
      });
    }
    app.workdir = w;
  }
  if (spec.user !== undefined) app.user = String(spec.user);
  if (spec.group !== undefined) app.group = String(spec.group);
  if (spec.hostname !== undefined) app.hostname = spec.hostname;
  if (spec.root?.rootfs !== undefined) {
    app.root = { type: "rootfs", path: hostPath(spec.root.rootfs, ["root", "rootfs"], "dir") };
  } else if (spec.root?.image !== undefined) {
    app.root = { type: "image", ref: imageRef(spec.root.image, baseDir) };
  } else if (spec.root) app.root = { type: "host" };
  if (app.root && spec.root?.writable === true) app.root.writable = true;
  if (spec.mounts) {
    app.mounts = spec.mounts.map((m, i): AppMount => {
      if ("tmpfs" in m) {
        const size = m.size === undefined ? DEFAULT_TMPFS_SIZE : parseSize(m.size);
        if (size === undefined || size < 4096) {
          problems.push({
            path: ["mounts", i, "size"],
            at: "value",
            message: `expected a size of at least 4Ki; got ${JSON.stringify(m.size)}`,
          });
        }
        return { type: "tmpfs", target: m.tmpfs, size: size ?? DEFAULT_TMPFS_SIZE };
      }
      const source = hostPath(m.source, ["mounts", i, "source"], "any");
      return { type: "bind", source, target: m.target, readOnly: m.readOnly ?? true };
    });
  }
  if (spec.network) {
    app.network = {};
    if (spec.network.mode) app.network.mode = spec.network.mode;
    if (spec.network.publish) {
      const instances = spec.instances ?? 1;
      app.network.publish = spec.network.publish.map((entry, i) => {
        const p = parsePublish(entry, instances);
        if (typeof p === "string")
          problems.push({ path: ["network", "publish", i], at: "value", message: p });
        return typeof p === "string"
          ? { hostIp: "0.0.0.0", hostPorts: [], port: 1, protocol: "tcp" }
          : p;
      });
      if (spec.network.mode !== "private")
        problems.push({
          path: ["network", "publish"],
          at: "key",
          message: `publishing ports needs mode "private"; got ${JSON.stringify(spec.network.mode ?? "none")}`,
        });
    }
    for (const field of ["listen", "connect"] as const) {
      const list = spec.network[field];
      if (!list) continue;
      app.network[field] = list.map((entry, i) => {
        const p = port(entry);
        if (!(p.port >= 1 && p.port <= 65535)) {
          problems.push({
            path: ["network", field, i],
            at: "value",
            message: `port must be between 1 and 65535; got ${JSON.stringify(entry)}`,
          });
        }
        return p;
      });
      const seen = new Set<string>();
      app.network[field].forEach((p, i) => {
        const key = `${p.to ? `${p.to}:` : ""}${p.port}/${p.protocol}`;
        if (seen.has(key))
          problems.push({
            path: ["network", field, i],
            at: "value",
            message: `${key} is listed twice`,
          });
        seen.add(key);
      });
    }
  }
  if (spec.resources) {
    const r = spec.resources;
    app.resources = {};
    for (const field of ["memory", "swap"] as const) {
      const value = r[field];
      if (value === undefined) continue;
      const bytes = parseSize(value);
      const min = field === "memory" ? 1048576 : 0;
      if (bytes === undefined || bytes < min) {
        problems.push({
          path: ["resources", field],
          at: "value",
          message: `expected a size${min ? " of at least 1Mi" : ""}; got ${JSON.stringify(value)}`,
        });
      } else app.resources[field] = bytes;
    }
    if (r.cpu !== undefined) {
      const cores = parseCpu(r.cpu);
      if (cores === undefined || cores < 0.01) {
        problems.push({
          path: ["resources", "cpu"],
          at: "value",
          message: `expected at least 0.01 cores (10m); got ${JSON.stringify(r.cpu)}`,
        });
      } else app.resources.cpu = cores;
    }
    if (r.pids !== undefined) app.resources.pids = r.pids;
  }
  if (spec.capabilities) app.capabilities = spec.capabilities;
  if (spec.syscalls) app.syscalls = spec.syscalls;
  if (spec.restart !== undefined) {
    app.restart = typeof spec.restart === "string" ? { policy: spec.restart } : spec.restart;
  }
  if (spec.stop !== undefined) app.stop = spec.stop;
  if (spec.instances !== undefined) app.instances = spec.instances;
  if (spec.bestEffort !== undefined) app.bestEffort = spec.bestEffort;
  return { app, problems, resolved };
}

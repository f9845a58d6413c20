/** From a schema-valid AppSpec to the App the policy reads: units resolved, shorthand expanded. */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { App, AppMount, AppSpec, ListenPort } from "./types.js";
import type { SchemaProblem } from "./validate.js";
import { parseSize } from "./units.js";

const DEFAULT_TMPFS_SIZE = 64 * 1024 * 1024;

/** baseDir: where relative bind sources are resolved (the app file's directory). */
export function normalizeApp(
  spec: AppSpec,
  baseDir: string,
): { app: App; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const app: App = { name: spec.name, command: spec.command };
  if (spec.env) {
    app.env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, String(v)]));
  }
  if (spec.workdir !== undefined) app.workdir = spec.workdir;
  if (spec.user !== undefined) app.user = String(spec.user);
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
      const source = isAbsolute(m.source) ? m.source : resolve(baseDir, m.source);
      if (!existsSync(source)) {
        problems.push({
          path: ["mounts", i, "source"],
          at: "value",
          message: `${source} does not exist on this host`,
          hint: "relative sources are resolved against the app file's directory",
        });
      }
      return { type: "bind", source, target: m.target, readOnly: m.readOnly ?? true };
    });
  }
  if (spec.network) {
    app.network = {};
    if (spec.network.mode) app.network.mode = spec.network.mode;
    if (spec.network.listen) {
      app.network.listen = spec.network.listen.map((entry, i): ListenPort => {
        const port = typeof entry === "number" ? entry : Number(entry.split("/")[0]);
        if (!(port >= 1 && port <= 65535)) {
          problems.push({
            path: ["network", "listen", i],
            at: "value",
            message: `port must be between 1 and 65535; got ${JSON.stringify(entry)}`,
          });
        }
        return { port, protocol: "tcp" };
      });
    }
  }
  if (spec.resources) {
    app.resources = {};
    if (spec.resources.memory !== undefined) {
      const bytes = parseSize(spec.resources.memory);
      if (bytes === undefined || bytes < 1048576) {
        problems.push({
          path: ["resources", "memory"],
          at: "value",
          message: `expected a size of at least 1Mi; got ${JSON.stringify(spec.resources.memory)}`,
        });
      } else app.resources.memory = bytes;
    }
    if (spec.resources.pids !== undefined) app.resources.pids = spec.resources.pids;
  }
  if (spec.capabilities) app.capabilities = spec.capabilities;
  if (spec.syscalls) app.syscalls = spec.syscalls;
  return { app, problems };
}

/** What the commands on detached instances do (declared in ../commands/instances.ts): each wires
 * one library call and renders its result. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBundle } from "../../src/bundle/format.js";
import { InputError } from "../../src/errors.js";
import {
  cannotFreeze,
  cgroupDirs,
  followLogs,
  exitIds,
  InstanceRefused,
  killInstance,
  listIds,
  listInstances,
  listViews,
  openStore,
  parseSince,
  readLogs,
  removeInstance,
  resolveRef,
  setFrozen,
  startInstance,
  statsOf,
  stopInstance,
  viewInstance,
  waitInstance,
  type LogRecord,
  type Stats,
  type StatsSample,
  type Store,
} from "../../src/instances/index.js";
import type { CliIO } from "../io.js";
import { renderError } from "../render/error.js";
import { compileTemplate, psFields, psTable, statsTable } from "../render/instances.js";

/** Runs `each` for every reference; an error is said and the next one is tried (docker's way);
 * the exit code is the first error's. */
async function forEach(
  io: CliIO,
  refs: string[],
  each: (s: Store, id: string, ref: string) => Promise<void> | void,
  resolve: (s: Store, ref: string) => string = (s, ref) => resolveRef(s, ref),
): Promise<void> {
  const store = openStore();
  for (const ref of refs) {
    try {
      await each(store, resolve(store, ref), ref);
    } catch (e) {
      const { text, exitCode } = renderError(e, io.err, io.debug);
      io.stderr.write(`${text}\n`);
      if (io.exitCode === 0) io.exitCode = exitCode;
    }
  }
}

export function ps(
  io: CliIO,
  opts: { all?: boolean; json?: boolean; quiet?: boolean; format?: string },
): void {
  const { entries, problems } = listInstances(openStore(), { all: Boolean(opts.all) });
  for (const p of problems)
    io.stderr.write(
      `${io.err.yellow("secure-run: warning:")} ${p.id.slice(0, 12)}: ${p.message}\n`,
    );
  if (opts.json) io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else if (opts.quiet) io.stdout.write(entries.map((e) => `${e.shortId}\n`).join(""));
  else if (opts.format !== undefined) {
    const render = compileTemplate(opts.format, PS_FIELDS);
    for (const e of entries) io.stdout.write(`${render(psFields(e))}\n`);
  } else io.stdout.write(psTable(entries));
}

export async function logs(
  io: CliIO,
  ref: string,
  opts: { follow?: boolean; tail?: number; since?: string; timestamps?: boolean },
): Promise<void> {
  let sinceMs: number | undefined;
  try {
    sinceMs = opts.since !== undefined ? parseSince(opts.since) : undefined;
  } catch (e) {
    throw new InputError([{ file: "--since", path: "", message: (e as Error).message }]);
  }
  const store = openStore();
  const id = resolveRef(store, ref);
  const v = viewInstance(store, id);
  const print = (r: LogRecord): void => {
    const line = `${opts.timestamps ? `${r.time} ` : ""}${r.text}${r.partial ? "" : "\n"}`;
    (r.stream === "stderr" ? io.stderr : io.stdout).write(line);
  };
  const { records, pos } = readLogs(v.dir, {
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  });
  for (const r of records) print(r);
  if (!opts.follow) return;
  await followLogs(
    v.dir,
    pos,
    (r) => {
      if (sinceMs === undefined || r.ms >= sinceMs) print(r);
    },
    () => !viewInstance(store, id).alive,
  );
}

export async function stop(io: CliIO, refs: string[], opts: { time?: number }): Promise<void> {
  return forEach(io, refs, async (s, id, ref) => {
    await stopInstance(s, id, opts.time);
    io.stdout.write(`${ref}\n`);
  });
}

export async function kill(io: CliIO, refs: string[], opts: { signal: string }): Promise<void> {
  const sig = opts.signal.toUpperCase().replace(/^SIG/, "");
  const allowed = ["KILL", "TERM", "HUP", "INT", "QUIT", "USR1", "USR2", "WINCH", "9", "15"];
  if (!allowed.includes(sig))
    throw new InputError([
      {
        file: "--signal",
        path: "",
        message: `"${opts.signal}" is not a signal an instance takes`,
        hint: `one of ${allowed.slice(0, 8).join(", ")}`,
      },
    ]);
  const name = /^\d+$/.test(sig) ? (sig === "9" ? "SIGKILL" : "SIGTERM") : `SIG${sig}`;
  await forEach(io, refs, (s, id, ref) => {
    killInstance(s, id, name);
    io.stdout.write(`${ref}\n`);
  });
}

export async function restart(io: CliIO, refs: string[], opts: { time?: number }): Promise<void> {
  return forEach(io, refs, async (s, id, ref) => {
    await stopInstance(s, id, opts.time);
    await startInstance(s, id);
    io.stdout.write(`${ref}\n`);
  });
}

export async function start(io: CliIO, refs: string[]): Promise<void> {
  return forEach(io, refs, async (s, id, ref) => {
    await startInstance(s, id);
    io.stdout.write(`${ref}\n`);
  });
}

export async function remove(io: CliIO, refs: string[], opts: { force?: boolean }): Promise<void> {
  return forEach(io, refs, async (s, id, ref) => {
    await removeInstance(s, id, Boolean(opts.force));
    io.stdout.write(`${ref}\n`);
  });
}

export async function wait(io: CliIO, refs: string[]): Promise<void> {
  // An --rm instance already removed is still found by its id while its exit is kept (its exit
  // and its directory are both there for an instant).
  const resolve = (s: Store, ref: string): string =>
    resolveRef(s, ref, [...new Set([...listIds(s), ...exitIds(s)])]);
  return forEach(
    io,
    refs,
    async (s, id) => {
      const { status, exitCode } = await waitInstance(s, id);
      if (exitCode === undefined) {
        io.stdout.write("-1\n");
        throw new InstanceRefused(
          `instance ${id.slice(0, 12)} ended without an exit code (${status})`,
        );
      }
      io.stdout.write(`${exitCode}\n`);
      io.exitCode = exitCode;
    },
    resolve,
  );
}

export async function inspect(io: CliIO, refs: string[]): Promise<void> {
  const out: unknown[] = [];
  await forEach(io, refs, (s, id) => {
    const v = viewInstance(s, id);
    let cgroup: unknown = null;
    try {
      const cg = v.state ? cgroupDirs(v.state) : null;
      cgroup = cg ? { driver: cg.driver, dirs: Object.fromEntries(cg.dirs) } : null;
    } catch (e) {
      cgroup = { refused: (e as Error).message };
    }
    let bundle: unknown = null;
    try {
      const b = decodeBundle(readFileSync(join(v.dir, "bundle")), join(v.dir, "bundle"));
      bundle = {
        name: b.name,
        version: b.version,
        created: b.created,
        source: b.source,
        host: b.host,
        args: b.args,
        filters: b.filters.map((f) => ({
          arch: f.arch,
          instructions: f.bpf.length / 8,
          notifyInstructions: f.notify.length / 8,
        })),
        fixes: b.fixes.length,
      };
    } catch (e) {
      bundle = { unreadable: (e as Error).message };
    }
    out.push({
      id,
      name: v.doc.name,
      dir: v.dir,
      status: v.status,
      alive: v.alive,
      supervisorPid: v.alive ? (v.state?.supervisorPid ?? null) : null,
      ...(v.problem ? { problem: v.problem } : {}),
      instance: v.doc,
      state: v.state,
      refused: v.state?.refused ?? null,
      cgroup,
      bundle,
    });
  });
  io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

export async function stats(
  io: CliIO,
  refs: string[],
  opts: { stream?: boolean; json?: boolean },
): Promise<void> {
  const store = openStore();
  // Without names: the running instances, newest first, and their views for the first sample.
  let views = refs.length ? undefined : new Map(listViews(store).views.map((v) => [v.id, v]));
  const ids = views ? [...views.keys()] : refs.map((r) => resolveRef(store, r));
  const prev = new Map<string, StatsSample>();
  const sampleAll = (): Stats[] => {
    const out: Stats[] = [];
    const fresh = views;
    views = undefined;
    for (const id of ids) {
      const v = fresh?.get(id) ?? viewInstance(store, id);
      const { stats, sample } = statsOf(v, prev.get(id));
      prev.set(id, sample);
      out.push(stats);
    }
    return out;
  };
  // --no-stream: one sample, CPU as the average since the run started; streaming: CPU
  // over each second between two samples.
  if (opts.stream !== false) {
    sampleAll();
    await sleep(1000);
  }
  for (;;) {
    const stats = sampleAll();
    if (opts.json) io.stdout.write(`${JSON.stringify(stats)}\n`);
    else {
      if (opts.stream !== false && io.stdout.isTTY) io.stdout.write("\x1b[2J\x1b[H");
      io.stdout.write(statsTable(stats));
    }
    if (opts.stream === false) return;
    await sleep(1000);
  }
}

export async function freeze(
  io: CliIO,
  refs: string[],
  name: "pause" | "unpause",
  freeze: boolean,
): Promise<void> {
  return forEach(io, refs, async (s, id, ref) => {
    const v = viewInstance(s, id);
    if (!v.alive || !v.state)
      throw new InstanceRefused(`instance ${id.slice(0, 12)} is not running (${v.status})`);
    const cg = cgroupDirs(v.state);
    const why = cannotFreeze(cg);
    if (why || !cg) throw new InstanceRefused(`cannot ${name} instance ${id.slice(0, 12)}: ${why}`);
    await setFrozen(cg, freeze);
    io.stdout.write(`${ref}\n`);
  });
}

const PS_FIELDS = [
  "ID",
  "FullID",
  "Name",
  "App",
  "Command",
  "Status",
  "State",
  "Since",
  "CreatedAt",
  "Restarts",
  "Pids",
  "Memory",
  "Ports",
  "ExitCode",
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

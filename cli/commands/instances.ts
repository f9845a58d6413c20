/** The commands on detached instances: ps, logs, stop, kill, restart, start, rm, wait, inspect,
 * stats, pause, unpause (docs/services.md). Each wires one library call and renders its result. */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBundle } from "../../src/bundle/format.js";
import { InputError } from "../../src/errors.js";
import {
  cannotFreeze,
  cgroupDirs,
  followLogs,
  InstanceRefused,
  killInstance,
  listInstances,
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
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, type CommandName } from "../options.js";
import { renderError } from "../render/error.js";
import { compileTemplate, psFields, psTable, statsTable } from "../render/instances.js";

/** Runs `each` for every reference; an error is said and the next one is tried (docker's way);
 * the exit code is the first error's. */
async function forEach(
  io: CliIO,
  refs: string[],
  each: (s: Store, id: string, ref: string) => Promise<void> | void,
): Promise<void> {
  const store = openStore();
  for (const ref of refs) {
    try {
      await each(store, resolveRef(store, ref), ref);
    } catch (e) {
      const { text, exitCode } = renderError(e, io.err, io.debug);
      io.stderr.write(`${text}\n`);
      if (io.exitCode === 0) io.exitCode = exitCode;
    }
  }
}

function command(
  program: Command,
  io: CliIO,
  name: Exclude<CommandName, "">,
  summary: string,
  description: string,
  examples: string,
): Command {
  const cmd = program.command(name).summary(summary).description(description);
  addOptions(cmd, name);
  cmd.addHelpText("after", afterText(io, `\nExamples:\n${examples}`));
  return cmd;
}

const refsArg = "id (a unique prefix of 3 or more hex digits) or name";

export function registerInstances(program: Command, io: CliIO): void {
  command(
    program,
    io,
    "ps",
    "list instances",
    "Lists the instances that run (with -a, all of them): id, name, app, status " +
      "(running, paused, restarting, exited (code), stopped, failed, dead: its supervisor is " +
      "gone without a word), since when, restarts, processes, memory and ports.",
    "  secure-run ps\n  secure-run ps -a --format '{{.Name}} {{.Status}}'\n  secure-run ps -q",
  ).action((opts: { all?: boolean; json?: boolean; quiet?: boolean; format?: string }) => {
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
  });

  command(
    program,
    io,
    "logs",
    "print an instance's log",
    "Prints what the instance wrote on its standard output (here on standard output) and error " +
      "(here on standard error), from its log and the rotated log.1.",
    "  secure-run logs web\n  secure-run logs -f --tail 10 web\n  secure-run logs --since 10m -t web",
  )
    .argument("<instance>", refsArg)
    .action(
      async (
        ref: string,
        opts: { follow?: boolean; tail?: number; since?: string; timestamps?: boolean },
      ) => {
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
      },
    );

  command(
    program,
    io,
    "stop",
    "stop instances",
    "Asks each instance's supervisor to stop: the app gets its stop signal (SIGTERM unless the " +
      "instance names another) and is not restarted; after --time seconds the whole sandbox is " +
      "killed. Returns once the supervisor has ended. A stopped instance keeps its state, log " +
      "and writable layer: start it again, or rm it.",
    "  secure-run stop web\n  secure-run stop --time 1 web worker",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[], opts: { time?: number }) =>
      forEach(io, refs, async (s, id, ref) => {
        await stopInstance(s, id, opts.time);
        io.stdout.write(`${ref}\n`);
      }),
    );

  command(
    program,
    io,
    "kill",
    "send a signal to instances",
    "KILL (the default) ends the whole sandbox at once (the supervisor kills its init) and no " +
      "restart follows; TERM is a stop that does not wait; HUP, INT, QUIT, USR1, USR2 and WINCH " +
      "are passed to the app and change nothing else.",
    "  secure-run kill web\n  secure-run kill -s HUP web",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[], opts: { signal: string }) => {
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
    });

  command(
    program,
    io,
    "restart",
    "stop, then start instances",
    "Stops each instance as stop does (--time), then starts it again: same id, same bundle, same " +
      "writable layer.",
    "  secure-run restart web",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[], opts: { time?: number }) =>
      forEach(io, refs, async (s, id, ref) => {
        await stopInstance(s, id, opts.time);
        await startInstance(s, id);
        io.stdout.write(`${ref}\n`);
      }),
    );

  command(
    program,
    io,
    "start",
    "start stopped instances again",
    "Starts the instance's bundle again (verified against the sha256 it was created with) with " +
      "the same id, name and writable layer. An instance that runs is left as it is.",
    "  secure-run start web",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[]) =>
      forEach(io, refs, async (s, id, ref) => {
        await startInstance(s, id);
        io.stdout.write(`${ref}\n`);
      }),
    );

  command(
    program,
    io,
    "rm",
    "remove instances",
    "Removes each instance: its state, log, bundle copy, writable layer and name. A running one " +
      "is refused (exit 1) unless -f, which kills it first. Volumes are never removed.",
    "  secure-run rm web\n  secure-run rm -f $(secure-run ps -aq)",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[], opts: { force?: boolean }) =>
      forEach(io, refs, async (s, id, ref) => {
        await removeInstance(s, id, Boolean(opts.force));
        io.stdout.write(`${ref}\n`);
      }),
    );

  command(
    program,
    io,
    "wait",
    "wait for instances to end",
    "Waits until each instance has ended and prints its exit code (128+N after signal N); exits " +
      "with the last one. A supervisor that died without a word gives 125.",
    "  secure-run wait job",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[]) =>
      forEach(io, refs, async (s, id) => {
        const { view, exitCode } = await waitInstance(s, id);
        if (exitCode === undefined) {
          io.stdout.write("-1\n");
          throw new InstanceRefused(
            `instance ${id.slice(0, 12)} ended without an exit code (${view.status})`,
          );
        }
        io.stdout.write(`${exitCode}\n`);
        io.exitCode = exitCode;
      }),
    );

  command(
    program,
    io,
    "inspect",
    "describe instances as JSON",
    "One JSON array: for each instance its instance.json, its state.json, the status seen now, " +
      "its directory, supervisor pid, cgroup directories (checked), and its bundle's header and " +
      "launcher arguments (the plan as the launcher receives it).",
    "  secure-run inspect web\n  secure-run inspect web | jq '.[0].state.restarts'",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[]) => {
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
            filters: b.filters.map((f) => ({ arch: f.arch, instructions: f.bpf.length / 8 })),
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
          cgroup,
          bundle,
        });
      });
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  command(
    program,
    io,
    "stats",
    "live resource use of instances",
    "CPU (percent of one core: between two samples a second apart; with --no-stream the average since the run started), memory use and limit, processes and their " +
      "limit, block I/O and network I/O (not loopback), read from each instance's cgroups and " +
      "network namespace; refreshed every second until interrupted, unless --no-stream. Without " +
      "instances: every running one.",
    "  secure-run stats\n  secure-run stats --no-stream --json web",
  )
    .argument("[instance...]", refsArg)
    .action(async (refs: string[], opts: { stream?: boolean; json?: boolean }) => {
      const store = openStore();
      const ids = refs.length
        ? refs.map((r) => resolveRef(store, r))
        : listInstances(store).entries.map((e) => e.id);
      const prev = new Map<string, StatsSample>();
      const sampleAll = (): Stats[] => {
        const out: Stats[] = [];
        for (const id of ids) {
          const v = viewInstance(store, id);
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
    });

  for (const [name, freeze] of [
    ["pause", true],
    ["unpause", false],
  ] as const) {
    command(
      program,
      io,
      name,
      freeze ? "freeze instances" : "thaw paused instances",
      freeze
        ? "Freezes every process of the instance (cgroup v1: the freezer; v2: cgroup.freeze); ps " +
            "shows it paused. Refused for an instance without a cgroup (e.g. a user's, on a host " +
            "that delegates none)."
        : "Thaws an instance that pause froze.",
      `  secure-run ${name} web`,
    )
      .argument("<instance...>", refsArg)
      .action(async (refs: string[]) =>
        forEach(io, refs, async (s, id, ref) => {
          const v = viewInstance(s, id);
          if (!v.alive || !v.state)
            throw new InstanceRefused(`instance ${id.slice(0, 12)} is not running (${v.status})`);
          const cg = cgroupDirs(v.state);
          const why = cannotFreeze(cg);
          if (why || !cg)
            throw new InstanceRefused(`cannot ${name} instance ${id.slice(0, 12)}: ${why}`);
          await setFrozen(cg, freeze);
          io.stdout.write(`${ref}\n`);
        }),
      );
  }
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

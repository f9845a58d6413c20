/** The commands on detached instances: ps, logs, stop, kill, restart, start, rm, wait, inspect,
 * stats, pause, unpause (docs/services.md). Declared here; each action is in ../actions/instances.ts,
 * loaded when the command runs. */
import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, type CommandName } from "../options.js";

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
  ).action(async (opts: { all?: boolean; json?: boolean; quiet?: boolean; format?: string }) => {
    (await import("../actions/instances.js")).ps(io, opts);
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
        await (await import("../actions/instances.js")).logs(io, ref, opts);
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
    .action(async (refs: string[], opts: { time?: number }) => {
      await (await import("../actions/instances.js")).stop(io, refs, opts);
    });

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
      await (await import("../actions/instances.js")).kill(io, refs, opts);
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
    .action(async (refs: string[], opts: { time?: number }) => {
      await (await import("../actions/instances.js")).restart(io, refs, opts);
    });

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
    .action(async (refs: string[]) => {
      await (await import("../actions/instances.js")).start(io, refs);
    });

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
    .action(async (refs: string[], opts: { force?: boolean }) => {
      await (await import("../actions/instances.js")).remove(io, refs, opts);
    });

  command(
    program,
    io,
    "wait",
    "wait for instances to end",
    "Waits until each instance has ended and prints its exit code (128+N after signal N); exits " +
      "with the last one. A supervisor that died without a word gives 125. An instance started " +
      "with --rm is removed as it ends; its exit code is kept 5 minutes for wait (by its id).",
    "  secure-run wait job",
  )
    .argument("<instance...>", refsArg)
    .action(async (refs: string[]) => {
      await (await import("../actions/instances.js")).wait(io, refs);
    });

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
      await (await import("../actions/instances.js")).inspect(io, refs);
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
      await (await import("../actions/instances.js")).stats(io, refs, opts);
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
      .action(async (refs: string[]) => {
        await (await import("../actions/instances.js")).freeze(io, refs, name, freeze);
      });
  }
}

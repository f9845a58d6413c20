import { Option, type Command } from "commander";
import { InputError } from "../../src/errors.js";
import { flagOf, loadFromFlags, type ExecFlags } from "../../src/appspec/from-flags.js";
import { prepareLoaded } from "../../src/launch/prepare.js";
import type { CliIO } from "../io.js";
import { configOption, readConfig } from "../options.js";
import { runHelpAfter, runPrepared, type RunFlags } from "./run.js";

const many = (v: string, prev: string[]): string[] => [...prev, v];

export function registerExec(program: Command, io: CliIO): void {
  program
    .command("exec")
    .summary("run a command in a sandbox built from flags, like docker run")
    .description(
      "Builds an app definition from the flags and runs CMD like `run` does: the same policy,\n" +
        "the same launcher. The environment inside is only what -e sets (plus PATH and HOME);\n" +
        "nothing of the caller's leaks in.",
    )
    .argument("<cmd...>", "the command and its arguments (after --)")
    .option("--name <name>", "the app's name (default: from the command)")
    .option("--rootfs <dir>", "a root filesystem directory instead of the host's /usr view")
    .option("-e, --env <name=value>", "an environment variable (repeat)", many, [])
    .option(
      "-v, --volume <src:dst[:ro]>",
      "bind a host path (writable unless :ro; repeat)",
      many,
      [],
    )
    .option("--tmpfs <dst[:size]>", "a private tmpfs (repeat)", many, [])
    .addOption(
      new Option("--net <mode>", "network: none (own namespace, loopback) or host").choices([
        "none",
        "host",
      ]),
    )
    .option("--listen <port[/tcp]>", "a port the command listens on (repeat)", many, [])
    .option("--connect <port[/tcp]>", "a port the command connects to (repeat)", many, [])
    .option("--memory <size>", "memory limit, e.g. 256M or 1Gi")
    .option("--cpus <n>", "CPU limit in cores, e.g. 0.5")
    .option("--pids-limit <n>", "most processes and threads")
    .option("--cap-add <cap>", "keep a capability (repeat)", many, [])
    .option("--profile <name>", "add a syscall profile (repeat; see profiles/)", many, [])
    .option("--user <uid[:gid]>", "user (and group) to run as (default: nobody)")
    .option("--hostname <name>", "hostname inside")
    .option("-w, --workdir <dir>", "working directory inside")
    .option(
      "--best-effort <part>",
      "run even where this part cannot be enforced (repeat)",
      many,
      [],
    )
    .addOption(configOption())
    .option("--report", "print a summary when the command ends")
    .option("--json", "print the exit report as JSON on standard error")
    .option("--explain", "report every refused syscall (rate-limited)")
    .option(
      "--cgroup-parent <path>",
      "create the app's cgroup below this existing cgroup (relative to secure-run's own)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  secure-run exec -- /bin/echo hello\n" +
        "  secure-run exec --profile process -- /bin/sh -c 'ls / | wc -l'\n" +
        "  secure-run exec --net host --listen 8080 -v ./site:/srv:ro --memory 128M \\\n" +
        "      -- python3 -m http.server 8080 --directory /srv\n" +
        runHelpAfter,
    )
    .action(async (cmd: string[], opts: ExecFlags & RunFlags & { config?: string }) => {
      let prepared;
      try {
        prepared = prepareLoaded(loadFromFlags(cmd, opts), {
          config: readConfig(opts.config),
          explain: Boolean(opts.explain),
        });
      } catch (e) {
        // Problems found while planning point at a field; on this command line, at its flag.
        if (e instanceof InputError) {
          throw new InputError(
            e.issues.map((i) =>
              i.file === "secure-run exec"
                ? {
                    file: flagOf(i.path),
                    path: i.path,
                    message: i.message,
                    ...(i.hint ? { hint: i.hint } : {}),
                  }
                : i,
            ),
          );
        }
        throw e;
      }
      await runPrepared(prepared, io, opts);
    });
}

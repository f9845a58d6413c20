import type { Command } from "commander";
import type { TraceFlags } from "../actions/trace.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerTrace(program: Command, io: CliIO): void {
  const cmd = program
    .command("trace")
    .summary("learn which syscalls an app really makes, as a profile")
    .description(
      "Runs APP in the same sandbox as `run`, but with a filter that reports every syscall to the " +
        "supervisor and lets it continue (seccomp user notification): it counts them, keeps the " +
        "argument values argument rules are made of (socket families, clone flags, ioctl requests) " +
        "and writes a profile. Multi-process and multi-threaded apps are followed whole; the calls " +
        "the launch itself makes after loading the filter are included. Or trace a command: " +
        "`secure-run trace [flags] -- CMD [ARGS...]`.\n" +
        "\n" +
        "The syscall allowlist is NOT enforced while tracing: the app may make any syscall (only " +
        "clone3 is refused, as under every plan); the rest of the sandbox (namespaces, mounts, " +
        "limits, user) is the same as under `run`. Trace only what you would run unfiltered.",
    )
    .argument("[target...]", "an app definition (YAML), or, after --, a command");
  addOptions(cmd, "trace")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run trace examples/python-web.yaml \\\n" +
          "      --exercise 'curl -s http://127.0.0.1:8080/' --write\n" +
          "  secure-run trace app.yaml --duration 30 -o app.profile.yaml\n" +
          "  secure-run trace app.yaml --exercise ./smoke-test.sh --write  # adds to it\n" +
          "  secure-run trace -- /usr/bin/python3 -c 'print(1)'\n" +
          "\nReview a learned profile before you rely on it: what the trace did not exercise is " +
          "not in it.",
      ),
    )
    .action(async (target: string[], opts: TraceFlags) => {
      await (await import("../actions/trace.js")).trace(io, target, opts);
    });
}

import type { Command } from "commander";
import type { CompileFlags, ExplainFlags } from "../actions/seccomp.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerSeccomp(program: Command, io: CliIO): void {
  const seccomp = program
    .command("seccomp")
    .summary("compile seccomp filters and read what a filter does")
    .description(
      "Compile the seccomp filter of an app, a profile or a Docker/OCI profile to BPF, and explain a compiled filter.",
    );

  addOptions(
    seccomp
      .command("compile")
      .summary("compile to BPF, one program per architecture")
      .argument(
        "<source>",
        "an app definition (.yaml), a profile (name or .yaml file), or docker:FILE",
      ),
    "seccomp compile",
  )
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run seccomp compile examples/hello.yaml -o hello.bpf\n" +
          "  secure-run seccomp compile examples/hello.yaml --arch x86_64,aarch64 \\\n" +
          "      -o hello.bpf\n" +
          "  secure-run seccomp compile docker:/etc/docker/seccomp.json --arch x86_64 \\\n" +
          "      -o docker.bpf\n" +
          "  secure-run seccomp compile process -o process.bpf",
      ),
    )
    .action(async (source: string, opts: CompileFlags) => {
      (await import("../actions/seccomp.js")).compile(io, source, opts);
    });

  addOptions(
    seccomp
      .command("explain")
      .summary("a compiled filter's disassembly and its verdict for each syscall")
      .argument("<source>", "a BPF file, or anything compile takes (compiled first)")
      .argument("[syscall...]", "only these syscalls (default: every syscall of the architecture)"),
    "seccomp explain",
  )
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run seccomp explain examples/hello.yaml getpid mount socket\n" +
          "  secure-run seccomp explain hello.bpf --no-disassembly\n" +
          "  secure-run seccomp explain examples/hello.yaml --arch aarch64 --json",
      ),
    )
    .action(async (source: string, names: string[], opts: ExplainFlags) => {
      (await import("../actions/seccomp.js")).explain(io, source, names, opts);
    });
}

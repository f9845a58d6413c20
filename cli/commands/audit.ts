import type { Command } from "commander";
import type { AuditFlags } from "../actions/audit.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerAudit(program: Command, io: CliIO): void {
  const cmd = program
    .command("audit")
    .summary("report what each app may do and why, scored and checked against its filters")
    .description(
      "Plans each APP for this host and reports what it may do and why: an exposure score " +
        "(0-10, 10 = most exposed) with every factor, each allowed syscall with its group, risk, " +
        "reasons and argument conditions, capabilities, filesystem, network, limits, isolation, " +
        "and what this host enforces. The syscall section is checked against the compiled BPF " +
        "on every architecture asked for; a disagreement fails the audit (exit 125). Several " +
        "apps are compared side by side.",
    )
    .argument("<app...>", "app definitions (YAML)");
  addOptions(cmd, "audit")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run audit examples/hello.yaml\n" +
          "  secure-run audit --format html -o audit.html \\\n" +
          "      examples/nginx.yaml examples/redis.yaml\n" +
          "  secure-run audit --format md --baseline /etc/docker/seccomp.json app.yaml \\\n" +
          "      > comment.md\n" +
          "  secure-run audit --arch x86_64,aarch64 --format json app.yaml \\\n" +
          "      | jq .apps[0].score\n" +
          "\nExit status: 0; 2 when an app definition or the baseline is invalid; 125 when the " +
          "report disagrees with the compiled filter (a bug) or the native layer is not built.",
      ),
    )
    .action(async (files: string[], opts: AuditFlags) => {
      await (await import("../actions/audit.js")).audit(io, files, opts);
    });
}

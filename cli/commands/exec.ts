import type { Command } from "commander";
import type { DetachFlags } from "../actions/detach.js";
import type { ExecFlags } from "../../src/appspec/from-flags.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";
import { runHelpAfter } from "./run.js";

export function registerExec(program: Command, io: CliIO): void {
  const cmd = program
    .command("exec")
    .summary("run a command in a sandbox built from flags, like docker run")
    .description(
      "Builds an app definition from the flags and runs CMD like `run` does: the same policy, " +
        "the same launcher. The environment inside is only what -e sets (plus PATH and HOME); " +
        "nothing of the caller's leaks in.",
    )
    .argument(
      "[cmd...]",
      "the command and its arguments (after --); with --image, the image's by default",
    );
  addOptions(cmd, "exec")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run exec -- /bin/echo hello\n" +
          "  secure-run exec --profile process -- /bin/sh -c 'ls / | wc -l'\n" +
          "  secure-run exec --net host --listen 8080 -v ./site:/srv:ro --memory 128M \\\n" +
          "      -- python3 -m http.server 8080 --directory /srv\n" +
          "  secure-run exec --image docker-archive:web.tar\n" +
          runHelpAfter,
      ),
    )
    .action(async (argv: string[], opts: ExecFlags & DetachFlags) => {
      await (await import("../actions/exec.js")).exec(io, argv, opts);
    });
}

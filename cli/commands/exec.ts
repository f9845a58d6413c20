import type { Command } from "commander";
import { InputError } from "../../src/errors.js";
import { flagOf, loadFromFlags, type ExecFlags } from "../../src/appspec/from-flags.js";
import { prepareLoaded } from "../../src/launch/prepare.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, readConfig } from "../options.js";
import { runDetached, type DetachFlags } from "./detach.js";
import { runHelpAfter, runPrepared } from "./run.js";

export function registerExec(program: Command, io: CliIO): void {
  const cmd = program
    .command("exec")
    .summary("run a command in a sandbox built from flags, like docker run")
    .description(
      "Builds an app definition from the flags and runs CMD like `run` does: the same policy, " +
        "the same launcher. The environment inside is only what -e sets (plus PATH and HOME); " +
        "nothing of the caller's leaks in.",
    )
    .argument("<cmd...>", "the command and its arguments (after --)");
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
          runHelpAfter,
      ),
    )
    .action(async (argv: string[], opts: ExecFlags & DetachFlags) => {
      let prepared;
      try {
        prepared = prepareLoaded(loadFromFlags(argv, opts), {
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
      if (opts.detach) {
        await runDetached(prepared, io, opts, { app: null, where: "secure-run exec" });
        return;
      }
      if (opts.rm)
        throw new InputError([{ file: "--rm", path: "", message: "only with -d (--detach)" }]);
      await runPrepared(prepared, io, opts);
    });
}

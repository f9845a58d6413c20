import type { Command } from "commander";
import type { ReviewFlags } from "../actions/review.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerReview(program: Command, io: CliIO): void {
  const cmd = program
    .command("review")
    .summary("judge app definitions against the policy: exit 1 on any deny")
    .description(
      "Plans each APP and judges it with the built-in review rules, the organisation's " +
        "configuration (--config) and your own Rego (--policy). Every decision names its rule, " +
        "level (deny, warn, info), message and the line of the app file it concerns.",
    )
    .argument("<app...>", "app definitions (YAML)");
  addOptions(cmd, "review")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run review examples/hello.yaml examples/nginx.yaml\n" +
          "  secure-run review --config org.yaml --policy examples/policies app.yaml\n" +
          "  secure-run review --format sarif -o review.sarif apps/*.yaml  # code scanning\n" +
          "  secure-run review --format markdown apps/*.yaml > comment.md  # a pull request\n" +
          "  secure-run review --base origin/main apps/*.yaml  # and what each change adds\n" +
          "\nWriting a rule: any package with `deny contains msg if …` or `warn contains msg if …`; " +
          "msg is a string or {msg, path, rule}; input is {app, plan}, data.config the configuration.\n" +
          "\nExit status: 1 when any decision is a deny, or with --base a change reaches a --fail-on " +
          "threshold; 2 when an app definition, policy or revision is invalid; 0 otherwise.",
      ),
    )
    .action(async (files: string[], opts: ReviewFlags) => {
      await (await import("../actions/review.js")).review(io, files, opts);
    });
}

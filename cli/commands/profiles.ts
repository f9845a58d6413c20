import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerProfiles(program: Command, io: CliIO): void {
  const profiles = program
    .command("profiles")
    .summary("the syscall profiles plans are made of")
    .description(
      "Building blocks (files, threads, network…) and runtime profiles (a C program's start-up, python, node), each syscall with why and how risky.",
    );
  addOptions(
    profiles.command("list").summary("every profile, with its kind and size"),
    "profiles list",
  ).action(async (opts: { json?: boolean }) => {
    (await import("../actions/profiles.js")).list(io, opts);
  });
  addOptions(
    profiles
      .command("show")
      .summary("a profile's syscalls, each with its risk and why")
      .argument("<name>", "a profile name, or a profile file"),
    "profiles show",
  )
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n  secure-run profiles show base\n  secure-run profiles show threads --arch aarch64",
      ),
    )
    .action(async (ref: string, flags: { arch: string[]; json?: boolean }) => {
      (await import("../actions/profiles.js")).show(io, ref, flags);
    });
}

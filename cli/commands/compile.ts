import { writeFileSync, renameSync, rmSync } from "node:fs";
import { dirname, basename, join, relative } from "node:path";
import type { Command } from "commander";
import { compileBundle } from "../../src/bundle/compile.js";
import { defaultRegistry } from "../../src/launch/mcs.js";
import { prepareRun } from "../../src/launch/prepare.js";
import { paths } from "../../src/paths.cjs";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, readConfig } from "../options.js";

export function registerCompile(program: Command, io: CliIO): void {
  const cmd = program
    .command("compile")
    .summary("compile an app into a bundle the launcher runs without Node")
    .description(
      "Plans APP for this host and writes a bundle: the launcher's arguments, a seccomp BPF " +
        "program per architecture and the hashes of what it was made from. Launch it with " +
        "`secure-run-launch --bundle FILE`: no Node and no policy evaluation on the launch path. " +
        "The launcher refuses a bundle made for another host (architecture, kernel, Landlock, " +
        "cgroup layout, SELinux mode). Compile again when the app, the policy or the host changes.",
    )
    .argument("<app>", "app definition (YAML)");
  addOptions(cmd, "compile")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run compile examples/nginx.yaml -o nginx.bundle\n" +
          "  build/Release/secure-run-launch --bundle nginx.bundle\n" +
          "  secure-run compile web.yaml --arch x86_64,aarch64 -o web.bundle\n" +
          "\nExit status: 0; 2 when the app definition or a flag is invalid; 125 when this host " +
          "cannot enforce the plan (as run).",
      ),
    )
    .action(
      (file: string, opts: { output: string; arch: string[]; json?: boolean; config?: string }) => {
        const prepared = prepareRun(file, { config: readConfig(opts.config) });
        const compiled = compileBundle(prepared, {
          ...(prepared.plan.selinux.enforced ? { mcsRegistry: defaultRegistry() } : {}),
          ...(opts.config ? { configFile: opts.config } : {}),
          ...(opts.arch.length > 0 ? { architectures: opts.arch } : {}),
        });
        // Written whole or not at all.
        const tmp = join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.tmp`);
        try {
          writeFileSync(tmp, compiled.data, { mode: 0o644 });
          renameSync(tmp, opts.output);
        } finally {
          rmSync(tmp, { force: true });
        }
        const b = compiled.bundle;
        if (opts.json) {
          io.stdout.write(
            `${JSON.stringify(
              {
                file: opts.output,
                bytes: compiled.data.length,
                name: b.name,
                inputs: b.inputs,
                host: b.host,
                architectures: b.filters.map((f) => ({
                  arch: f.arch,
                  instructions: f.bpf.length / 8,
                })),
                notices: prepared.plan.notices,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        for (const n of prepared.plan.notices)
          io.stderr.write(`${io.err.yellow("secure-run: notice:")} ${n}\n`);
        io.stdout.write(
          `${b.name}: ${opts.output} (${compiled.data.length} bytes) for ${b.host.arch}, kernel ${b.host.kernel}, ` +
            `Landlock ABI ${b.host.landlock}, /sys/fs/cgroup ${b.host.cgroupFs}, SELinux ${b.host.selinux}; ` +
            `filters: ${b.filters.map((f) => `${f.arch} ${f.bpf.length / 8} instructions`).join(", ")}\n` +
            `launch it with: ${relative(process.cwd(), paths.launcher) || paths.launcher} --bundle ${opts.output}\n`,
        );
      },
    );
}

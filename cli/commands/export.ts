import { join, relative } from "node:path";
import type { Command } from "commander";
import { loadApp } from "../../src/appspec/load.js";
import { InputError } from "../../src/errors.js";
import {
  defaultOutput,
  exportPlan,
  writeExport,
  type ExportFormat,
} from "../../src/export/index.js";
import { makePlan } from "../../src/plan/make.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions, readConfig } from "../options.js";

interface ExportFlags {
  format: ExportFormat;
  output?: string;
  replicas?: number;
  arch: string[];
  config?: string;
}

export function registerExport(program: Command, io: CliIO): void {
  const cmd = program
    .command("export")
    .summary("export the plan to runc/crun, Docker/Podman, Kubernetes or systemd")
    .description(
      "Plans APP for this host and writes what another engine needs to enforce the same sandbox, " +
        "with notes on what that engine cannot express (Landlock, argument conditions, …). " +
        "The formats are below.",
    )
    .argument("<app>", "app definition (YAML)");
  addOptions(cmd, "export")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nFormats:\n" +
          "  oci             a directory, an OCI runtime bundle: config.json, rootfs/,\n" +
          "                  NOTES.md\n" +
          "  docker-seccomp  a seccomp profile for --security-opt seccomp=FILE; prints the\n" +
          "                  docker/podman run command\n" +
          "  k8s             a directory: APP.yaml (Pod or Deployment, NetworkPolicy,\n" +
          "                  SeccompProfile), profiles/secure-run/APP.json for the nodes'\n" +
          "                  kubelet seccomp directory, NOTES.md\n" +
          "  systemd         a service unit with the same hardening\n" +
          "\nExamples:\n" +
          "  secure-run export examples/hello.yaml --format oci -o hello-bundle\n" +
          "  runc run -b hello-bundle hello\n" +
          "  secure-run export web.yaml --format k8s --replicas 3 --arch x86_64,aarch64\n" +
          "  secure-run export web.yaml --format systemd -o /etc/systemd/system/web.service\n" +
          "\nExit status: 0; 2 when the app definition or a flag is invalid.",
      ),
    )
    .action((file: string, opts: ExportFlags) => {
      const { plan } = makePlan(loadApp(file), { config: readConfig(opts.config) });
      const output = opts.output ?? defaultOutput(plan, opts.format);
      const options: Parameters<typeof exportPlan>[2] = { outputPath: output };
      if (opts.arch.length > 0) options.architectures = opts.arch;
      if (opts.replicas !== undefined) {
        if (opts.format !== "k8s")
          throw new InputError([
            { file: "--replicas", path: "", message: "only the k8s format has replicas" },
          ]);
        options.replicas = opts.replicas;
      }
      const result = exportPlan(plan, opts.format, options);
      const written = writeExport(result, output);
      const out = io.out;
      io.stdout.write(`${out.bold(`Exported ${plan.name} as ${opts.format}`)} to ${output}\n`);
      const inRootfs = written.filter((w) => relative(output, w).startsWith("rootfs/"));
      for (const w of written) if (!inRootfs.includes(w)) io.stdout.write(`  wrote ${w}\n`);
      const rootfs = result.entries.filter((e) => e.path.startsWith("rootfs/")).length;
      if (rootfs > 0)
        io.stdout.write(`  made ${join(output, "rootfs")}/ (${rootfs} mount points and links)\n`);
      if (result.commands.length > 0) {
        io.stdout.write(`\n${out.bold("Run it")}\n`);
        for (const c of result.commands) io.stdout.write(`${c}\n`);
      }
      io.stdout.write(`\n${out.bold("What differs from secure-run run")}\n`);
      for (const n of result.notes) io.stdout.write(`  - ${n}\n`);
    });
}

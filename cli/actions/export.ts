/** `export`: the plan in the formats other tools run (OCI, Docker seccomp, Kubernetes, systemd). */
import { join, relative } from "node:path";
import { loadApp } from "../../src/appspec/load.js";
import { InputError } from "../../src/errors.js";
import { defaultOutput, exportPlan, writeExport } from "../../src/export/index.js";
import type { ExportFormat } from "../../src/export/formats.js";
import { makePlan } from "../../src/plan/make.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export interface ExportFlags {
  format: ExportFormat;
  output?: string;
  replicas?: number;
  arch: string[];
  config?: string;
}

export function exportApp(io: CliIO, file: string, opts: ExportFlags): void {
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
}

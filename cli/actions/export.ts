/** `export`: the plan in the formats other tools run (OCI, Docker seccomp, Kubernetes, systemd). */
import { ensureImages } from "../../src/images/app.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { loadApp } from "../../src/appspec/load.js";
import { InputError } from "../../src/errors.js";
import {
  defaultOutput,
  exportGatekeeper,
  exportPlan,
  writeExport,
  type UserRego,
} from "../../src/export/index.js";
import { regoFiles } from "../../src/review/user-policy.js";
import type { ExportFormat } from "../../src/export/formats.js";
import { makePlan } from "../../src/plan/make.js";
import { hostFacts } from "../../src/host/facts.js";
import { EXPORT_IMAGE_ROOT } from "../../src/host/image-root.cjs";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export interface ExportFlags {
  format: ExportFormat;
  output?: string;
  replicas?: number;
  arch: string[];
  config?: string;
  policy: string[];
}

function userRego(dirs: string[]): UserRego[] {
  return dirs.flatMap((dir) => {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new InputError([{ file: dir, path: "", message: "--policy: not a directory" }]);
    return regoFiles(dir).map((file) => {
      const rego = readFileSync(file, "utf8");
      return { file, rego, package: /^package\s+([A-Za-z0-9_.]+)/m.exec(rego)?.[1] ?? "" };
    });
  });
}

function gatekeeper(io: CliIO, file: string | undefined, opts: ExportFlags): void {
  if (file !== undefined)
    throw new InputError([
      {
        file,
        path: "",
        message: "export --format gatekeeper takes no app: it exports the rules themselves",
        hint: "secure-run export --format gatekeeper [--config org.yaml] [--policy DIR] -o DIR",
      },
    ]);
  const output = opts.output ?? "secure-run-gatekeeper";
  const result = exportGatekeeper({
    config: readConfig(opts.config),
    userRego: userRego(opts.policy),
    outputPath: output,
  });
  writeExport(result, output);
  const out = io.out;
  const count = (dir: string): number =>
    result.entries.filter((e) => e.kind === "file" && e.path.startsWith(dir)).length;
  io.stdout.write(
    `${out.bold("Exported the review rules for Gatekeeper")} to ${output}: ${count("templates/")} ConstraintTemplates, ${count("constraints/")} Constraints\n`,
  );
  io.stdout.write(`\n${out.bold("Apply them")}\n`);
  for (const c of result.commands) io.stdout.write(`${c}\n`);
  io.stdout.write(`\n${out.bold("What admission cannot judge")} (NOTES.md)\n`);
  for (const n of result.notes) io.stdout.write(`  - ${n}\n`);
}

export async function exportApp(
  io: CliIO,
  file: string | undefined,
  opts: ExportFlags,
): Promise<void> {
  if (file) await ensureImages([file]);
  if (opts.format === "gatekeeper") {
    gatekeeper(io, file, opts);
    return;
  }
  if (file === undefined)
    throw new InputError([
      {
        file: "export",
        path: "",
        message: `--format ${opts.format} needs an app definition`,
        hint: `secure-run export APP --format ${opts.format}`,
      },
    ]);
  if (opts.policy.length > 0)
    throw new InputError([
      { file: "--policy", path: "", message: "only the gatekeeper format takes --policy" },
    ]);
  // Other engines (runc, systemd, docker import) take a root as one directory: an image app's
  // is exported as its layers applied into one (the bind fallback's root), not as an overlay.
  const host = { ...hostFacts(), imageRoot: EXPORT_IMAGE_ROOT };
  const { plan } = makePlan(loadApp(file), { config: readConfig(opts.config), host });
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

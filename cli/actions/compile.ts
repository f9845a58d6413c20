/** `compile`: an app into a bundle the launcher runs without Node. */
import { ensureImages } from "../../src/images/app.js";
import { writeFileSync, renameSync, rmSync } from "node:fs";
import { dirname, basename, join, relative } from "node:path";
import { compileBundle } from "../../src/bundle/compile.js";
import { defaultRegistry } from "../../src/launch/mcs.js";
import { prepareRun } from "../../src/launch/prepare.js";
import { paths } from "../../src/paths.cjs";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export interface CompileFlags {
  output: string;
  arch: string[];
  json?: boolean;
  config?: string;
}

export async function compile(io: CliIO, file: string, opts: CompileFlags): Promise<void> {
  await ensureImages([file]);
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
}

/** `seccomp compile` and `seccomp explain`: filters compiled to BPF, and read back. */
import { readFileSync, writeFileSync } from "node:fs";
import { InputError } from "../../src/errors.js";
import type { SeccompAction } from "../../src/seccomp/bpf.js";
import { compileFilters, errnoName } from "../../src/seccomp/compile.js";
import {
  explainFilter,
  filterArchitectures,
  type FilterExplanation,
} from "../../src/seccomp/explain.js";
import { loadNative } from "../../src/native/seccomp.js";
import { checkCapabilityFlag } from "../../src/seccomp/names.js";
import { resolveSource } from "../../src/plan/seccomp-source.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export interface CompileFlags {
  arch: string[];
  caps?: string;
  config?: string;
  output: string;
}

export interface ExplainFlags {
  arch: string[];
  caps?: string;
  disassembly: boolean;
  json?: boolean;
  config?: string;
}

function describeAction(a: SeccompAction): string {
  return a.action === "errno" ? `errno ${errnoName(a.data)}` : a.action;
}

function isBpfFile(path: string): boolean {
  if (/\.ya?ml$/.test(path) || path.startsWith("docker:")) return false;
  try {
    const data = readFileSync(path);
    return data.length > 0 && data.length % 8 === 0 && data.includes(0);
  } catch {
    return false;
  }
}

function renderExplanation(e: FilterExplanation, label: string, disassembly: boolean): string {
  const out: string[] = [`${e.arch} filter from ${label}: ${e.instructions} instructions`];
  if (disassembly) out.push("", ...e.disassembly);
  out.push("", `verdicts on ${e.arch} (all arguments 0; * depends on the arguments):`);
  const width = Math.max(...e.verdicts.map((v) => v.name.length), 8) + 2;
  for (const v of e.verdicts)
    out.push(
      `  ${`${v.name}${v.conditional ? " *" : ""}`.padEnd(width)} ${describeAction(v.verdict)}`,
    );
  out.push("", `a syscall through another ABI: ${describeAction(e.otherArch)}`);
  return out.join("\n");
}

/** An app, profile or Docker/OCI profile as the --arch, --caps and --config options say; its
 * notes go to standard error. */
function resolveFromOptions(
  source: string,
  opts: { arch: string[]; caps?: string; config?: string },
  native: ReturnType<typeof loadNative>,
  io: CliIO,
): ReturnType<typeof resolveSource> {
  const resolved = resolveSource(source, {
    architectures: opts.arch,
    native,
    config: readConfig(opts.config),
    ...(opts.caps !== undefined
      ? { capabilities: checkCapabilityFlag("--caps", opts.caps.split(",").filter(Boolean)) }
      : {}),
  });
  for (const n of resolved.notes) io.stderr.write(`${io.err.yellow("note:")} ${n}\n`);
  return resolved;
}

export function compile(io: CliIO, source: string, opts: CompileFlags): void {
  const native = loadNative();
  const resolved = resolveFromOptions(source, opts, native, io);
  const many = resolved.specs.length > 1;
  for (const { arch, spec } of resolved.specs) {
    const [filter] = compileFilters(spec, native, [arch]);
    if (!filter) continue;
    const file = many ? `${opts.output}.${arch}` : opts.output;
    writeFileSync(file, filter.bpf);
    io.stdout.write(`${file}: ${arch}, ${filter.bpf.length / 8} instructions\n`);
    if (filter.skipped.length > 0)
      io.stdout.write(`  not on ${arch}, left out: ${filter.skipped.join(", ")}\n`);
  }
}

export function explain(io: CliIO, source: string, names: string[], opts: ExplainFlags): void {
  const native = loadNative();
  const explanations: { label: string; e: FilterExplanation }[] = [];
  if (isBpfFile(source)) {
    const bpf = readFileSync(source);
    const archs = opts.arch.length > 0 ? opts.arch : filterArchitectures(bpf);
    if (archs.length === 0)
      throw new InputError([
        {
          file: source,
          path: "",
          message: "cannot tell which architecture this filter is for",
          hint: "give --arch",
        },
      ]);
    for (const arch of archs) {
      let e: FilterExplanation;
      try {
        e = explainFilter(bpf, arch, native, names);
      } catch (err) {
        if (err instanceof InputError) throw err;
        // A file the user gives: what is wrong with it is bad input, not a crash.
        throw new InputError([
          {
            file: source,
            path: "",
            message: `not a BPF program secure-run can read: ${(err as Error).message}`,
          },
        ]);
      }
      explanations.push({ label: source, e });
    }
  } else {
    const resolved = resolveFromOptions(source, opts, native, io);
    for (const { arch, spec } of resolved.specs) {
      const [filter] = compileFilters(spec, native, [arch]);
      if (filter)
        explanations.push({
          label: resolved.label,
          e: explainFilter(filter.bpf, arch, native, names),
        });
    }
  }
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        explanations.map((x) => ({ source: x.label, ...x.e })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  io.stdout.write(
    `${explanations.map((x) => renderExplanation(x.e, x.label, opts.disassembly)).join("\n\n")}\n`,
  );
}

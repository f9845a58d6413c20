/** `audit`: what each app may do and why, scored and checked against its filters. */
import { ensureImages } from "../../src/images/app.js";
import { writeFileSync } from "node:fs";
import { auditApps, plainStyle, renderAudit, type AuditFormat } from "../../src/audit/index.js";
import { doctor } from "../../src/host/doctor.js";
import { packageVersion } from "../../src/paths.cjs";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export interface AuditFlags {
  config?: string;
  format: AuditFormat;
  output?: string;
  baseline?: string;
  arch: string[];
}

export async function audit(io: CliIO, files: string[], opts: AuditFlags): Promise<void> {
  await ensureImages(files);
  const checks = doctor({ tools: false });
  const report = auditApps(files, {
    host: checks.facts,
    checks: checks.checks,
    architectures: opts.arch,
    ...(opts.baseline ? { baseline: opts.baseline } : {}),
    config: readConfig(opts.config),
    version: packageVersion(),
    check: false, // a report (PlanOptions.check); its syscalls are checked against the BPF
  });
  const text = renderAudit(report, opts.format, opts.output ? plainStyle : io.out);
  if (opts.output) writeFileSync(opts.output, text);
  else io.stdout.write(text);
}

/** `doctor`: what this host can enforce and, for an app, whether it will. */
import { ensureImages } from "../../src/images/app.js";
import { loadApp } from "../../src/appspec/load.js";
import { doctor as hostDoctor } from "../../src/host/doctor.js";
import { makePlan } from "../../src/plan/make.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

export async function doctor(
  io: CliIO,
  file: string | undefined,
  opts: { json?: boolean; config?: string },
): Promise<void> {
  if (file) await ensureImages([file]);
  const report = hostDoctor();
  const plan = file
    ? makePlan(loadApp(file), { config: readConfig(opts.config), host: report.facts }).plan
    : undefined;
  const refused = plan?.enforcement.filter((e) => !e.enforced && !e.bestEffort) ?? [];
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ ...report, ...(plan ? { app: file, enforcement: plan.enforcement } : {}) }, null, 2)}\n`,
    );
  } else {
    const out = [io.out.bold("This host")];
    for (const c of report.checks)
      out.push(
        `  ${c.ok ? io.out.green("✔") : io.out.yellow("✖")} ${c.name.padEnd(30)} ${c.detail}`,
      );
    if (plan && file) {
      out.push("", io.out.bold(`${file}: what this host enforces`));
      for (const e of plan.enforcement) {
        const mark = e.enforced
          ? io.out.green("enforced")
          : e.bestEffort
            ? io.out.yellow("not enforced (best-effort)")
            : io.out.red("NOT ENFORCED: run refuses");
        out.push(`  ${e.part.padEnd(16)} ${mark.padEnd(12)}  ${e.detail}`);
      }
      out.push(
        "",
        refused.length === 0
          ? `secure-run run ${file} can run here.`
          : `secure-run run ${file} refuses here: ${refused.map((r) => r.part).join(", ")}.`,
      );
    }
    io.stdout.write(`${out.join("\n")}\n`);
  }
  io.exitCode = refused.length > 0 ? 1 : 0;
}

/** `plan`: the hardening plan derived from an app definition, and why. */
import { ensureImages } from "../../src/images/app.js";
import { loadApp } from "../../src/appspec/load.js";
import { makePlan } from "../../src/plan/make.js";
import type { CliIO } from "../io.js";
import { renderPlan } from "../render/plan.js";
import { readConfig } from "./config.js";

export async function plan(
  io: CliIO,
  file: string,
  opts: { json?: boolean; config?: string },
): Promise<void> {
  await ensureImages([file]);
  const { plan } = makePlan(loadApp(file), {
    config: readConfig(opts.config),
    check: false, // shown, not acted on (PlanOptions.check)
  });
  io.stdout.write(
    opts.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan, file, io.out)}\n`,
  );
}

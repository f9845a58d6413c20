/** The policy's output is checked against the Plan schema before anything uses it. */
import { InternalError } from "../errors.js";
import { formatPath, validateAgainst } from "../appspec/validate.js";
import type { Plan } from "./types.js";

export function assertPlan(value: unknown): Plan {
  const problems = validateAgainst("plan", value);
  if (problems.length > 0) {
    const list = problems
      .slice(0, 10)
      .map((p) => `${formatPath(p.path) || "(plan)"}: ${p.message}`)
      .join("; ");
    throw new InternalError(
      `the policy produced an invalid plan: ${list}`,
      "this is a bug in the policy; please report it with the app definition",
    );
  }
  return value as Plan;
}

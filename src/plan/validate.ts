/** The policy's output is checked against the Plan schema before anything uses it, and put in
 * the schema's key order (wasm returns object keys in no particular order). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InternalError } from "../errors.js";
import { formatPath, validateAgainst } from "../documents/validate.js";
import { paths } from "../paths.cjs";
import type { Plan } from "./types.js";

interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  $defs?: Record<string, SchemaNode>;
}

let planSchema: SchemaNode | undefined;

function ordered(value: unknown, node: SchemaNode | undefined, root: SchemaNode): unknown {
  if (!node) return value;
  if (node.$ref) return ordered(value, root.$defs?.[node.$ref.replace("#/$defs/", "")], root);
  if (Array.isArray(value)) return value.map((v) => ordered(v, node.items, root));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const props = node.properties ?? node.oneOf?.find((o) => o.properties)?.properties;
  if (!props) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(props))
    if (key in obj) out[key] = ordered(obj[key], props[key], root);
  for (const key of Object.keys(obj).sort()) if (!(key in out)) out[key] = obj[key];
  return out;
}

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
  return orderPlan(value);
}

/** The policy's output in the plan schema's key order, unchecked (see PlanOptions.check). */
export function orderPlan(value: unknown): Plan {
  planSchema ??= JSON.parse(
    readFileSync(join(paths.schemas, "plan.schema.json"), "utf8"),
  ) as SchemaNode;
  return ordered(value, planSchema, planSchema) as Plan;
}

/** JSON Schema validation (ajv, 2020-12) whose errors read like a person wrote them. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Ajv2020 as Ajv2020Type, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { packageRoot, paths } from "../paths.cjs";
import { closest } from "./suggest.js";
import type { PathSegment } from "./yaml-source.js";

/** A schema problem before it is given a file position. */
export interface SchemaProblem {
  path: PathSegment[];
  /** Point at the key rather than the value (unknown fields). */
  at: "key" | "value";
  message: string;
  hint?: string;
}

const validators = new Map<string, ValidateFunction>();
/** The prebuilt validators that the startup snapshot carries (registerPrebuilt), by name. */
const carried = new Map<string, PrebuiltModule>();
/** Made when first needed: the startup snapshot runs this module's top level when it is built. */
const require = (id: string): unknown => createRequire(import.meta.url)(id);

/** A module of dist/validators (scripts/build-validators.mjs). */
export interface PrebuiltModule {
  default?: ValidateFunction;
  schemaSha256?: string;
}

/** Runs the carried validator `name` once on `doc`, for nothing but to have its code compiled
 * (the startup snapshot is built with it compiled); it keeps no state. */
export function exerciseCarried(name: string, doc: unknown): void {
  carried.get(name)?.default?.(doc);
}

/** Gives the prebuilt validator `name` to prebuiltValidator, which uses it, like one it loads,
 * only while its schema's sha256 still matches (the startup snapshot carries them). */
export function registerPrebuilt(name: string, mod: PrebuiltModule): void {
  carried.set(name, mod);
}

/** The ajv every schema is compiled with, here and at build time (scripts/build-validators.mjs
 * adds the option that keeps the code): the same options, the same keywords. */
export function newAjv(extra: object = {}): Ajv2020Type {
  const { Ajv2020 } = require("ajv/dist/2020.js") as { Ajv2020: typeof Ajv2020Type };
  const ajv = new Ajv2020({
    allErrors: true,
    allowUnionTypes: true,
    strict: true,
    verbose: true,
    strictRequired: false,
    strictTuples: false,
    ...extra,
  });
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  ajv.addKeyword({ keyword: "x-hint", schemaType: "string" });
  return ajv;
}

/** The validator the build compiled from `text` (dist/validators/NAME.cjs), if there is one and
 * it was made from this very schema (its sha256): loading it costs a fraction of loading ajv and
 * compiling the schema. */
export function prebuiltValidator(name: string, text: string): ValidateFunction | undefined {
  let mod = carried.get(name);
  if (!mod)
    try {
      mod = require(join(packageRoot, "dist/validators", `${name}.cjs`)) as PrebuiltModule;
    } catch {
      return undefined; // not built (tsc alone): compiled below
    }
  if (!mod.default || mod.schemaSha256 !== createHash("sha256").update(text).digest("hex"))
    return undefined;
  return mod.default;
}

/** `schema` compiled now, with ajv (loaded only here). */
export function compileSchema(schema: object): ValidateFunction {
  return newAjv().compile(schema);
}

/** The compiled validator of schemas/<name>.schema.json (compiled once per process, or at build
 * time). Its `schema` is the schema document. */
export function schemaValidator(name: string): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    const text = readFileSync(join(paths.schemas, `${name}.schema.json`), "utf8");
    const schema = JSON.parse(text) as object;
    v = prebuiltValidator(name, text);
    if (v) {
      v.schema = schema;
    } else {
      v = compileSchema(schema);
    }
    validators.set(name, v);
  }
  return v;
}

export function validateAgainst(name: string, value: unknown): SchemaProblem[] {
  const validate = schemaValidator(name);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const resolved = resolveAlternatives(errors);
  // Never report "valid" for an invalid document, whatever the filtering above did.
  const problems = (resolved.length > 0 ? resolved : errors).flatMap((e) => describe(e, value));
  // One message per place: ajv may say the same thing through several keywords.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join("/")}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function branchAccepts(branch: Record<string, unknown>, data: unknown): boolean {
  const t = jsonType(data);
  const types = branch.type === undefined ? [] : ([] as unknown[]).concat(branch.type);
  if (types.includes(t) || (t === "integer" && types.includes("number"))) return true;
  return Array.isArray(branch.enum) && branch.enum.some((e) => jsonType(e) === t);
}

/** For anyOf/oneOf, keep only the errors of the alternative the value was meant to be (the one
 * of its type); when none is, one error saying what was expected. */
function resolveAlternatives(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  for (const alt of errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")) {
    const branches = ((alt.schema as unknown[] | undefined) ?? []) as Record<string, unknown>[];
    const prefix = `${alt.schemaPath}/`;
    const chosen = branches.findIndex((b) => branchAccepts(b, alt.data));
    out = out.filter((e) => {
      if (e === alt) return chosen < 0;
      if (!e.schemaPath.startsWith(prefix)) return true;
      // The chosen branch's own type error is no news (the value is of that type).
      const ownType = e.keyword === "type" && e.instancePath === alt.instancePath;
      return chosen >= 0 && e.schemaPath.startsWith(`${prefix}${chosen}/`) && !ownType;
    });
  }
  return out;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

function toPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === "") return [];
  const out: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node =
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[seg]
          : undefined;
    }
  }
  return out;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value) ?? "nothing";
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `a string (${JSON.stringify(value)})`;
  return `a ${typeof value} (${JSON.stringify(value) ?? ""})`;
}

const article: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  null: "null",
};

function describe(e: ErrorObject, root: unknown): SchemaProblem[] {
  const path = toPath(e.instancePath, root);
  const schema = e.parentSchema;
  const expected = typeof schema?.["x-expected"] === "string" ? schema["x-expected"] : undefined;
  const formHint = typeof schema?.["x-hint"] === "string" ? schema["x-hint"] : undefined;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    // "must match then": the error of the "then" branch itself says what is wrong.
    case "if":
      return [];
    case "additionalProperties": {
      const field = String(p.additionalProperty);
      const known = Object.keys((schema?.properties as object | undefined) ?? {});
      const guess = closest(field, known);
      return [
        {
          path: [...path, field],
          at: "key",
          message: `unknown field "${field}"`,
          hint: guess
            ? `did you mean "${guess}"?`
            : known.length > 0
              ? `known fields here: ${known.join(", ")}`
              : "no fields are allowed here",
        },
      ];
    }
    case "required":
      return [
        {
          path,
          at: "value",
          message: `missing required field "${String(p.missingProperty)}"`,
        },
      ];
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const value: unknown = e.data;
      let hint: string | undefined;
      if (typeof value === "string") {
        const bare = value.replace(/^CAP_/i, "").toUpperCase();
        if (bare !== value && allowed.includes(bare)) hint = `write it as "${bare}"`;
        else {
          const guess = closest(value, allowed);
          if (guess) hint = `did you mean "${guess}"?`;
        }
      }
      const list =
        allowed.length <= 6 ? allowed.map((a) => JSON.stringify(a)).join(", ") : undefined;
      return [
        {
          path,
          at: "value",
          message: list
            ? `must be one of ${list}; got ${show(value)}`
            : `unknown value ${show(value)}`,
          hint: hint ?? (list ? undefined : `allowed: ${allowed.join(", ")}`),
        },
      ];
    }
    case "const":
      return [
        {
          path,
          at: "value",
          message: `must be ${JSON.stringify(p.allowedValue)}; got ${show(e.data)}`,
        },
      ];
    case "type": {
      const types = String(p.type)
        .split(",")
        .map((t) => article[t] ?? t);
      return [
        {
          path,
          at: "value",
          message: `expected ${expected ?? types.join(" or ")}; got ${typeName(e.data)}`,
        },
      ];
    }
    case "pattern":
      if (e.propertyName !== undefined) return []; // reported by propertyNames
      return [
        {
          path,
          at: "value",
          message: `expected ${expected ?? `a value matching ${String(p.pattern)}`}; got ${show(e.data)}`,
        },
      ];
    case "propertyNames": {
      const name = String(p.propertyName);
      const names = (schema?.propertyNames as Record<string, unknown> | undefined) ?? {};
      const want = typeof names["x-expected"] === "string" ? names["x-expected"] : "a valid name";
      return [
        { path: [...path, name], at: "key", message: `invalid name "${name}": expected ${want}` },
      ];
    }
    case "minimum":
    case "maximum":
      return [
        {
          path,
          at: "value",
          message: `must be ${e.keyword === "minimum" ? "at least" : "at most"} ${String(p.limit)}; got ${show(e.data)}`,
        },
      ];
    case "minItems":
      return [{ path, at: "value", message: `must have at least ${String(p.limit)} item(s)` }];
    case "minLength":
      return [{ path, at: "value", message: "must not be empty" }];
    case "uniqueItems":
      return [
        {
          path: [...path, Number(p.i)],
          at: "value",
          message: `duplicate entry (the same as item ${String(p.j)})`,
        },
      ];
    case "anyOf":
    case "oneOf":
    case "not":
      return [
        {
          path,
          at: "value",
          message: `expected ${expected ?? "one of the allowed forms"}; got ${show(e.data)}`,
          ...(formHint ? { hint: formHint } : {}),
        },
      ];
    case "exclusiveMinimum":
      return [
        { path, at: "value", message: `must be more than ${String(p.limit)}; got ${show(e.data)}` },
      ];
    case "minProperties":
    case "maxProperties":
      return [
        {
          path,
          at: "value",
          message: expected
            ? `expected ${expected}`
            : `must have ${e.keyword === "minProperties" ? "at least" : "at most"} ${String(p.limit)} field(s)`,
        },
      ];
    default:
      return [{ path, at: "value", message: e.message ?? `fails ${e.keyword}` }];
  }
}

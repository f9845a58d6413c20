/** The schemas document themselves: every field has a description, so editors can show it. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { compileSchema, prebuiltValidator, schemaValidator } from "../../src/documents/validate.js";
import { root } from "../helpers.js";

function undocumented(node: unknown, path: string, out: string[]): void {
  if (node === null || typeof node !== "object") return;
  const n = node as Record<string, unknown>;
  const props = n.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, child] of Object.entries(props ?? {})) {
    if (typeof child.description !== "string" && child.$ref === undefined)
      out.push(`${path}.${key}`);
    undocumented(child, `${path}.${key}`, out);
  }
  for (const key of ["items", "then", "else", "additionalProperties"])
    undocumented(n[key], `${path}.${key}`, out);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const list = n[key];
    if (Array.isArray(list)) list.forEach((x, i) => undocumented(x, `${path}.${key}[${i}]`, out));
  }
}

for (const name of ["app", "config", "profile", "docker-seccomp", "instance", "instance-state"]) {
  test(`schemas/${name}.schema.json: every field is described`, () => {
    const schema: unknown = JSON.parse(
      readFileSync(join(root, "schemas", `${name}.schema.json`), "utf8"),
    );
    const missing: string[] = [];
    undocumented(schema, name, missing);
    assert.deepEqual(missing, []);
  });
}

test("every schema is a JSON Schema 2020-12 document with an $id", () => {
  for (const f of readdirSync(join(root, "schemas"))) {
    const s = JSON.parse(readFileSync(join(root, "schemas", f), "utf8")) as {
      $schema: string;
      $id: string;
    };
    assert.equal(s.$schema, "https://json-schema.org/draft/2020-12/schema", f);
    assert.match(s.$id, /^https:\/\/secure-run\.dev\/schemas\//, f);
  }
});

const SCHEMAS = [
  "app",
  "config",
  "profile",
  "docker-seccomp",
  "instance",
  "instance-state",
  "plan",
];

test("the build compiles every schema ahead (dist/validators), from the schema as it is now", () => {
  const require = createRequire(import.meta.url);
  for (const name of SCHEMAS) {
    const text = readFileSync(join(root, "schemas", `${name}.schema.json`), "utf8");
    const built = require(join(root, "dist/validators", `${name}.cjs`)) as {
      default: unknown;
      schemaSha256: string;
    };
    assert.equal(built.schemaSha256, createHash("sha256").update(text).digest("hex"), name);
    assert.equal(schemaValidator(name), built.default, `${name}: the prebuilt one is used`);
    assert.deepEqual(schemaValidator(name).schema, JSON.parse(text), `${name}: .schema is set`);
  }
});

test("a prebuilt validator made from another version of its schema is not used", () => {
  const text = readFileSync(join(root, "schemas/app.schema.json"), "utf8");
  assert.ok(prebuiltValidator("app", text));
  assert.equal(prebuiltValidator("app", text.replace('"name"', '"nom"')), undefined);
  assert.equal(prebuiltValidator("no-such-schema", "{}"), undefined);
});

test("a prebuilt validator finds what ajv finds, with the same details", () => {
  const schema = JSON.parse(readFileSync(join(root, "schemas/app.schema.json"), "utf8")) as object;
  const fresh = compileSchema(schema);
  const built = schemaValidator("app");
  const docs: unknown[] = [
    { apiVersion: "secure-run/v1", kind: "App", name: "a", command: ["/bin/true"] },
    { apiVersion: "secure-run/v1", kind: "App", name: "a", command: "x", capabilities: ["nope"] },
    { apiVersion: "secure-run/v2", kind: "App", name: "", command: [], memory: -1, extra: 1 },
    { apiVersion: "secure-run/v1", kind: "App", name: "a", command: ["/x"], network: { mode: 7 } },
    [],
  ];
  for (const doc of docs) {
    assert.equal(built(doc), fresh(doc), JSON.stringify(doc));
    assert.deepEqual(built.errors ?? null, fresh.errors ?? null, JSON.stringify(doc));
  }
});

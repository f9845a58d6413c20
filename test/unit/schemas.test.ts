/** The schemas document themselves: every field has a description, so editors can show it. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
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

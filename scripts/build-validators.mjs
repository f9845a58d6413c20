// After tsc: every schema of schemas/ compiled once, here, into a validator module
// (dist/validators/NAME.cjs, ajv's standalone code) so that no command pays for loading ajv and
// compiling schemas at start-up. Each module carries the sha256 of the schema it was made from;
// src/documents/validate.ts uses it only when that still matches the schema file, else it
// compiles the schema itself as before.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";

const root = new URL("..", import.meta.url).pathname;
const schemas = join(root, "schemas");
const out = join(root, "dist/validators");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of readdirSync(schemas).filter((f) => f.endsWith(".schema.json"))) {
  const name = file.replace(/\.schema\.json$/, "");
  const text = readFileSync(join(schemas, file));
  // The options of src/documents/validate.ts's schemaValidator, plus the code.
  const ajv = new Ajv2020({
    allErrors: true,
    allowUnionTypes: true,
    strict: true,
    verbose: true,
    strictRequired: false,
    strictTuples: false,
    code: { source: true, esm: false },
  });
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  ajv.addKeyword({ keyword: "x-hint", schemaType: "string" });
  const validate = ajv.compile(JSON.parse(text.toString("utf8")));
  const sha = createHash("sha256").update(text).digest("hex");
  const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${JSON.stringify(sha)};\n`;
  const tmp = join(out, `.${name}.cjs.tmp`);
  writeFileSync(tmp, code);
  renameSync(tmp, join(out, `${name}.cjs`));
}

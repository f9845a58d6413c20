// After tsc: every schema of schemas/ compiled once, here, into a validator module
// (dist/validators/NAME.cjs, ajv's standalone code) so that no command pays for loading ajv and
// compiling schemas at start-up. Each module carries the sha256 of the schema it was made from;
// src/documents/validate.ts uses it only when that still matches the schema file, else it
// compiles the schema itself as before.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import standaloneCode from "ajv/dist/standalone/index.js";

const root = new URL("..", import.meta.url).pathname;
const { newAjv } = await import(join(root, "dist/src/documents/validate.js"));
const schemas = join(root, "schemas");
const out = join(root, "dist/validators");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of readdirSync(schemas).filter((f) => f.endsWith(".schema.json"))) {
  const name = file.replace(/\.schema\.json$/, "");
  const text = readFileSync(join(schemas, file));
  const ajv = newAjv({ code: { source: true, esm: false } });
  const validate = ajv.compile(JSON.parse(text.toString("utf8")));
  const sha = createHash("sha256").update(text).digest("hex");
  const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${JSON.stringify(sha)};\n`;
  const tmp = join(out, `.${name}.cjs.tmp`);
  writeFileSync(tmp, code);
  renameSync(tmp, join(out, `${name}.cjs`));
}

#!/usr/bin/env node
// Writes docs/cli.md from the option table and the commands' help (cli/reference.ts, built to
// dist/). Run by `npm run docs`, which builds first; test/cli/docs.test.ts fails while the file
// is out of date.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { cliReference } = await import(join(root, "dist/cli/reference.js"));
const file = join(root, "docs/cli.md");
writeFileSync(file, cliReference());
console.log(`wrote ${file}`);

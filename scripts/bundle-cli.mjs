// After tsc: the command line as a few files instead of a hundred modules. Node spends most of a
// short command's time finding, reading and compiling modules one by one; esbuild joins
// dist/cli (and the library and packages it imports) into dist/cli/bundle/: the entry, the
// command declarations, and one chunk per group of actions loaded lazily (code splitting on the
// dynamic imports of cli/commands). The CommonJS modules (.cjs: the warm path, paths, the
// native addons' loaders) stay where they are, imported from the bundle: they locate the
// package from their own directory. cli/main.cts loads the bundle when it is there.
import { dirname, join, relative } from "node:path";
import { rmSync } from "node:fs";
import { build } from "esbuild";
import { noYamlBuiltins } from "./esbuild-opa.mjs";

const root = new URL("..", import.meta.url).pathname;
const outdir = join(root, "dist/cli/bundle");
rmSync(outdir, { recursive: true, force: true });

/** dist's .cjs modules are left out of the bundle, imported by their path from outdir. */
const keepCommonJs = {
  name: "keep-commonjs",
  setup(b) {
    b.onResolve({ filter: /\.cjs$/ }, (args) => {
      if (!args.path.startsWith(".")) return undefined;
      const abs = join(dirname(args.importer), args.path);
      let rel = relative(outdir, abs);
      if (!rel.startsWith(".")) rel = `./${rel}`;
      return { path: rel, external: true };
    });
  },
};

await build({
  entryPoints: [join(root, "dist/cli/cli.js"), join(root, "dist/cli/io.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunk-[hash]",
  plugins: [keepCommonJs, noYamlBuiltins],
  logLevel: "warning",
  legalComments: "none",
  // The CommonJS packages bundled (commander, js-yaml…) call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __srCreateRequire } from "node:module"; const require = __srCreateRequire(import.meta.url);',
  },
  // The packages' own code as it is: easier to read in a stack trace (--debug).
  minify: false,
  sourcemap: false,
});

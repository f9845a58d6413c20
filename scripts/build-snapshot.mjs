// After tsc and the validators: the command line as a V8 startup snapshot (cli/snapshot.ts says
// why), and the executable that starts Node from it (dist/cli/secure-run).
//
// 1. esbuild joins cli/snapshot.js, the library, the packages and the prebuilt validators into
//    one CommonJS script (dist/snapshot/cli.cjs: two directories below the package root, as
//    dist/src/paths.cjs is, so that the package root is found the same way from it).
// 2. `node --build-snapshot` runs it and writes the heap (dist/snapshot/cli.blob). A snapshot is
//    for the Node that made it: the blob gets that Node's modification time, and the
//    executable uses it only while the two times are equal.
// 3. dist/cli/secure-run: a shell script, with this checkout's and this Node's paths in it,
//    that starts Node from the snapshot when it is still the script that was made here (not a
//    copy elsewhere) and the Node is the same; else the CLI from its modules (main.cjs).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { noYamlBuiltins } from "./esbuild-opa.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const dist = join(root, "dist");
const outdir = join(dist, "snapshot");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir);

// The entry: each prebuilt validator registered (src/documents/validate.ts uses one only while
// its schema's sha256 matches), then the CLI's snapshot module prepared (cli/snapshot.ts).
const validators = readdirSync(join(dist, "validators"))
  .filter((f) => f.endsWith(".cjs"))
  .sort();
// Every command's action too: the commands import them when they run (lazily, in the ES module
// bundle), but in the snapshot their modules are then already evaluated.
const actions = readdirSync(join(dist, "cli/actions"))
  .filter((f) => f.endsWith(".js"))
  .sort();
const entry = [
  `import { registerPrebuilt } from ${JSON.stringify(join(dist, "src/documents/validate.js"))};`,
  ...actions.map((f) => `import ${JSON.stringify(join(dist, "cli/actions", f))};`),
  ...validators.map(
    (f, i) => `import * as v${i} from ${JSON.stringify(join(dist, "validators", f))};`,
  ),
  ...validators.map(
    (f, i) => `registerPrebuilt(${JSON.stringify(f.replace(/\.cjs$/, ""))}, v${i});`,
  ),
  `import { prepareSnapshot } from ${JSON.stringify(join(dist, "cli/snapshot.js"))};`,
  "prepareSnapshot();",
].join("\n");

const script = join(outdir, "cli.cjs");
await build({
  stdin: { contents: entry, resolveDir: dist, sourcefile: "snapshot-entry.mjs", loader: "js" },
  outfile: script,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  plugins: [noYamlBuiltins],
  logLevel: "warning",
  legalComments: "none",
  // The modules that create a require() (native addons, ajv) do it from import.meta.url.
  define: { "import.meta.url": "__srModuleUrl" },
  banner: { js: 'var __srModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Less to deserialize; the names stay, for stack traces (--debug).
  minifyWhitespace: true,
  minifySyntax: true,
});

const blob = join(outdir, "cli.blob");
const partial = `${blob}.partial`;
execFileSync(process.execPath, ["--snapshot-blob", partial, "--build-snapshot", script], {
  cwd: outdir,
  // Nothing of the environment it is built in reaches the snapshot's modules.
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  stdio: ["ignore", "inherit", "pipe"],
});
const node = statSync(process.execPath);
utimesSync(partial, node.atime, node.mtime);
renameSync(partial, blob);

const q = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
// V8 loads a snapshot only under the CPU features it was made with (its cache tag hashes them):
// the kernel's summary of this CPU (vendor, family, model, features) is kept, for the executable
// to compare. A checkout shared with a VM, or an image built on another host, runs elsewhere.
const cpuFile = "/sys/devices/system/cpu/modalias";
let cpu = "";
try {
  cpu = readFileSync(cpuFile, "utf8").split("\n")[0] ?? "";
} catch {
  // none to compare: the executable then finds none either, or another
}
const executable = join(dist, "cli/secure-run");
writeFileSync(
  executable,
  `#!/bin/sh
# secure-run: made by scripts/build-snapshot.mjs (npm run build:ts) for this checkout and this
# Node. Starts Node from the command line's startup snapshot while that is still valid (this
# script was not copied elsewhere, the Node is the one the snapshot was built by: same
# modification time, on the same kind of CPU, with no V8 flags of NODE_OPTIONS: V8 refuses a
# snapshot made under other flags or CPU features, and Node then exits 14); else the command
# line from its modules, dist/cli/main.cjs.
node=${q(process.execPath)}
dist=${q(dist)}
blob="$dist/snapshot/cli.blob"
cpu_built=${q(cpu)}
cpu=
{ IFS= read -r cpu; } 2>/dev/null <${cpuFile}

say() {
  if [ -n "$SECURE_RUN_STARTUP_DEBUG" ]; then echo "secure-run: startup: $1" >&2; fi
}

# A warm \`run\` too: it starts a few milliseconds later from the snapshot than from the
# modules (whose warm path loads only a few of them), but a cold one 50 to 80 ms sooner.
if [ "$0" -ef "$dist/cli/secure-run" ] && [ -r "$blob" ] && [ -x "$node" ] &&
  ! [ "$node" -nt "$blob" ] && ! [ "$node" -ot "$blob" ] && [ "$cpu" = "$cpu_built" ] &&
  [ -z "$NODE_OPTIONS" ]; then
  exec "$node" --snapshot-blob "$blob" -- "$@"
fi
self=$(readlink -f -- "$0") || exit 125
say "modules (no valid snapshot for $self)"
[ -x "$node" ] || node=node
exec "$node" "\${self%/*}/main.cjs" "$@"
`,
);
chmodSync(executable, 0o755);

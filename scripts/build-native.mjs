// Builds the native layer (seccomp addon and launcher) with node-gyp against the headers of
// the Node that runs this script, never downloading them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Debian's nodejs puts its headers in /usr/include/node; a node from a tarball has them in
// <prefix>/include/node. node-gyp wants the prefix.
const prefix = resolve(dirname(process.execPath), "..");
const candidates = [prefix, "/usr", "/usr/local"];
const nodedir = candidates.find((dir) => existsSync(join(dir, "include/node/node_api.h")));
if (!nodedir) {
  console.error(
    `secure-run: cannot find Node's headers (include/node/node_api.h) under ${candidates.join(", ")}.\n` +
      "  hint: on Debian install them with: apt-get install nodejs libnode-dev",
  );
  process.exit(1);
}
const gyp = join(root, "node_modules/node-gyp/bin/node-gyp.js");
const args = [gyp, "rebuild", `--nodedir=${nodedir}`, "--jobs=max", "--loglevel=warn"];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
if (result.status !== 0) {
  console.error(
    "secure-run: building the native layer failed.\n" +
      "  hint: it needs gcc, make, python3 and libseccomp-dev (scripts/setup.sh installs them)",
  );
  process.exit(result.status ?? 1);
}

// After tsc: the CLI entry point becomes executable (tsc does not keep the bit), and
// node_modules/.bin/secure-run points to the executable (package.json's bin, which
// scripts/build-snapshot.mjs writes), as npm links the bins of the packages it installs (it does
// not link the package's own).
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";

const entry = new URL("../dist/cli/main.cjs", import.meta.url);
chmodSync(entry, 0o755);
const binDir = new URL("../node_modules/.bin/", import.meta.url);
if (existsSync(new URL("../node_modules/", import.meta.url))) {
  mkdirSync(binDir, { recursive: true });
  const link = new URL("secure-run", binDir);
  rmSync(link, { force: true });
  symlinkSync("../../dist/cli/secure-run", link);
}

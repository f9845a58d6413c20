// Where the benchmarks find Docker's default seccomp profile: the argument, else shared/reference.
import { existsSync } from "node:fs";
import { join } from "node:path";

export function dockerProfileFile(root, given) {
  const file =
    given ??
    [
      join(root, "../shared/reference/docker-default-seccomp.json"),
      "/work/shared/reference/docker-default-seccomp.json",
    ].find(existsSync);
  if (!file) {
    console.error("Docker's default profile not found; pass its path");
    process.exit(2);
  }
  return file;
}

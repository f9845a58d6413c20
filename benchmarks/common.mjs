// What the benchmark scripts share: Docker's default profile (found, and read for x86_64), the
// median, and the machine they ran on.
import { existsSync, readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { basename, join, relative } from "node:path";

export const root = new URL("..", import.meta.url).pathname;

/** Docker's default seccomp profile: the argument, else shared/reference. */
export function dockerProfileFile(given) {
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

/** Docker's profile as secure-run reads it for x86_64 and Docker's default capabilities. */
export async function dockerSpecX86(file, native) {
  const { importDockerProfile } = await import(join(root, "dist/src/seccomp/docker.js"));
  const { DOCKER_DEFAULT_CAPABILITIES } = await import(
    join(root, "dist/src/plan/seccomp-source.js")
  );
  return importDockerProfile(JSON.parse(readFileSync(file, "utf8")), {
    arch: "x86_64",
    capabilities: DOCKER_DEFAULT_CAPABILITIES,
    kernel: release(),
    source: file,
    native,
  }).spec;
}

/** A path as the committed results record it: relative to the repository when inside it, else
 * only its file name (the results must not carry the paths of one machine). */
export function shownPath(file) {
  const rel = relative(root, file);
  return rel.startsWith("..") || rel.startsWith("/") ? basename(file) : rel;
}

/** A command line as the committed results record it: the checkout's path dropped (paths are
 * relative to the repository) and the run's temporary directory written $TMP. */
export function shownCommand(argv, tmp) {
  return argv.map((a) => a.replaceAll(tmp, "$TMP").replaceAll(root, "")).join(" ");
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const machine = () => ({
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  kernel: release(),
  node: process.version,
});

/** This process's limits, as /proc/self/limits gives them ("unlimited": Infinity). */
export function ownLimit(name) {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith(name));
  const [soft, hard] = (line ?? "")
    .slice(name.length)
    .trim()
    .split(/\s+/)
    .map((v) => (v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v)));
  return { soft, hard };
}

/** podman's global options for a benchmark: its own store under `dir` (the host's is left
 * alone), cgroupfs, events in a file, runc (crun 1.8 refuses this hybrid cgroup host). */
export function podmanGlobal(dir) {
  return [
    ...["--root", join(dir, "storage"), "--runroot", join(dir, "run")],
    ...["--tmpdir", join(dir, "libpod"), "--cgroup-manager", "cgroupfs"],
    ...["--events-backend", "file", "--runtime", "runc"],
  ];
}

/** podman's --ulimit options that give its app what secure-run's gets: nofile 1024 soft and this
 * process's hard limit, nproc this process's (at most 32768, which podman lowers itself to).
 * podman's own defaults for root (1048576) need CAP_SYS_RESOURCE, which a container host may
 * withhold: the runtime's setrlimit then fails. */
export function podmanUlimits() {
  const nofile = ownLimit("Max open files").hard;
  const nproc = Math.min(ownLimit("Max processes").hard, 32768);
  return [
    ...(Number.isFinite(nofile) ? ["--ulimit", `nofile=${Math.min(1024, nofile)}:${nofile}`] : []),
    ...(Number.isFinite(nproc) ? ["--ulimit", `nproc=${nproc}:${nproc}`] : []),
  ];
}

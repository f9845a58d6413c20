/** Fixtures shared by the real-launch suites, whichever host runs them (this machine, or a VM of
 * test/vm): the probe programs, a minimal rootfs, app definitions, the CLI with a time limit. */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { LaunchReport } from "../../src/launch/run.js";
import { cli, root, tempDir, type CliResult } from "../helpers.js";

/** What differs between the hosts a shared suite runs on. */
export interface Backend {
  /** Appended to every app definition, e.g. "bestEffort: [landlock]\n" where the kernel's
   * Landlock has no TCP rules (before 6.7). */
  appExtra?: string;
  /** Time limit of one CLI call (ms); a VM under emulation is slow. */
  timeoutMs?: number;
}

/** Where prebuilt copies of the programs may be (the VM gets them from the host, where a C
 * compiler runs much faster): probe, probe-static, fileprobe-static. */
const PREBUILT = process.env.SECURE_RUN_TEST_PROBE_DIR;

/** Builds test/fixtures/probe.c or test/shared/fileprobe.c to `out`, or copies a prebuilt one. */
export function buildProgram(
  source: "probe" | "fileprobe",
  out: string,
  kind: "dynamic" | "static",
): void {
  const name = kind === "static" ? `${source}-static` : source;
  if (PREBUILT && existsSync(join(PREBUILT, name))) {
    copyFileSync(join(PREBUILT, name), out);
    execFileSync("chmod", ["755", out]);
    return;
  }
  const file =
    source === "probe"
      ? join(root, "test/fixtures/probe.c")
      : join(root, "test/shared/fileprobe.c");
  execFileSync("cc", ["-O2", "-Wall", ...(kind === "static" ? ["-static"] : []), "-o", out, file]);
}

export interface AppFixtures {
  dir: string;
  /** A directory with the probe, mounted at /opt/probe by app(). */
  probeDir: string;
  /** The probe on this host. */
  probe: string;
  /** A root filesystem: /bin/probe and /bin/fileprobe (static), /etc/passwd and /etc/group with
   * root, nobody and app (1000). */
  rootfs: string;
  /** An app on the host's view with the probe directory at /opt/probe. */
  app(name: string, command: string[], extra?: string): string;
  /** An app whose root is `rootfsDir` (default: the fixture rootfs). */
  rootfsApp(name: string, command: string[], extra?: string, rootfsDir?: string): string;
  /** Another rootfs like the fixture's, in a directory of its own. */
  newRootfs(name: string): string;
  write(name: string, text: string): string;
  /** secure-run with the backend's time limit. */
  run(args: string[]): CliResult;
  remove(): void;
}

export function appFixtures(prefix: string, backend: Backend = {}): AppFixtures {
  const tmp = tempDir(prefix);
  const probeDir = join(tmp.dir, "bin");
  const probe = join(probeDir, "probe");
  const extra = backend.appExtra ?? "";
  let built = false;
  const ensureProbe = (): void => {
    if (built) return;
    mkdirSync(probeDir, { recursive: true });
    buildProgram("probe", probe, "dynamic");
    built = true;
  };
  const newRootfs = (name: string): string => {
    const dir = join(tmp.dir, name);
    mkdirSync(join(dir, "bin"), { recursive: true });
    mkdirSync(join(dir, "etc"), { recursive: true });
    buildProgram("probe", join(dir, "bin/probe"), "static");
    buildProgram("fileprobe", join(dir, "bin/fileprobe"), "static");
    tmp.write(
      `${name}/etc/passwd`,
      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000:app:/:/bin/sh\n",
    );
    tmp.write(`${name}/etc/group`, "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n");
    return dir;
  };
  let rootfs: string | undefined;
  const header = (name: string, command: string[]): string =>
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\ncommand: ${JSON.stringify(command)}\n`;
  return {
    dir: tmp.dir,
    probeDir,
    probe,
    get rootfs(): string {
      rootfs ??= newRootfs("rootfs");
      return rootfs;
    },
    app(name, command, more = "") {
      ensureProbe();
      return tmp.write(
        `${name}.yaml`,
        `${header(name, command)}mounts:\n  - { source: ${probeDir}, target: /opt/probe }\n${more}${extra}`,
      );
    },
    rootfsApp(name, command, more = "", rootfsDir) {
      rootfs ??= newRootfs("rootfs");
      return tmp.write(
        `${name}.yaml`,
        `${header(name, command)}root: { rootfs: ${rootfsDir ?? rootfs} }\n${more}${extra}`,
      );
    },
    newRootfs,
    write: (name, text) => tmp.write(name, text),
    run(args) {
      return cli(args, { timeout: backend.timeoutMs ?? 60_000 });
    },
    remove: () => {
      tmp.remove();
    },
  };
}

/** What a CLI call ended with and printed, for assertion messages. */
export function said(r: CliResult): string {
  return `(exit ${r.status ?? "none"}${r.signal ? `, signal ${r.signal}` : ""})\n${r.stdout}${r.stderr}`;
}

/** The exit reports of `run --json` (JSON lines on standard error): the launcher's report with
 * the app and instance. */
export interface ExitReport extends LaunchReport {
  event: "exit";
  app: string;
  instance: number;
  attempt: number;
}

export function exitReports(stderr: string): ExitReport[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith('{"event":"exit"'))
    .map((l) => JSON.parse(l) as ExitReport);
}

/** Shared by the audit tests: fixed accounts and host, the example apps, a risky app. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { debianHost } from "../fixtures/hosts.js";
import { root } from "../helpers.js";

export const accounts = {
  passwd: "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  group: "nogroup:x:65534:\n",
};

export const hello = join(root, "examples/hello.yaml");
export const pythonWeb = join(root, "examples/python-web.yaml");

/** Options that make an audit independent of the machine it runs on. */
export const fixed = { host: debianHost, accounts, version: "test" };

/** A real-world baseline: Podman's default seccomp profile as Debian installs it
 * (golang-github-containers-common, which scripts/setup.sh --test installs). */
export const PODMAN_PROFILE = "/usr/share/containers/seccomp.json";

/** The baseline profile, asserted present (a missing package fails the tests, never skips them). */
export function baselineProfile(): string {
  if (!existsSync(PODMAN_PROFILE))
    throw new Error(
      `${PODMAN_PROFILE} is missing: it comes with Debian's golang-github-containers-common (scripts/setup.sh --test)`,
    );
  return PODMAN_PROFILE;
}

/** An app that leaves much open: host network, ports, a dangerous capability (the
 * configuration allows it), a dangerous and an unknown syscall of its own, a writable host path,
 * no cpu limit. */
export const riskyApp = `apiVersion: secure-run/v1
kind: App
name: risky
command: [/bin/true]
network: { mode: host, listen: [80], connect: [443] }
capabilities: [SYS_ADMIN, NET_RAW]
syscalls: { allow: [ptrace, mlock] }
mounts:
  - { source: ./data, target: /data, readOnly: false }
resources: { memory: 64Mi, pids: 32 }
`;

export const riskyConfig = parseConfig(
  "apiVersion: secure-run/v1\nkind: Config\ncapabilities: { allowed: [SYS_ADMIN, NET_RAW, NET_BIND_SERVICE] }\n",
  "org.yaml",
).config;

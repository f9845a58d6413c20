/**
 * Plan → a Docker/Podman seccomp profile (`--security-opt seccomp=FILE`) and the `docker run` /
 * `podman run` flags that give the rest of the plan: capabilities, no_new_privileges, a read-only
 * root, tmpfs and bind mounts, limits, network, user, hostname, rlimits, sysctls, SELinux.
 *
 * Docker and Podman need an image: the host view is bound into an empty one (its symbolic links,
 * e.g. /bin → usr/bin, become read-only binds of their targets, since a bind cannot make a link);
 * a rootfs plan names an image made from the rootfs.
 */
import type { Mount, Plan } from "../plan/types.js";
import {
  capName,
  exportArchitectures,
  isRootfsMount,
  isRootfsPlan,
  jsonText,
  landlockNote,
  linkTarget,
  resolveBinds,
  rootfsDir,
  selinuxLevel,
  selinuxNote,
  type ExportOptions,
  type ExportResult,
} from "./common.js";
import { planProfile } from "./seccomp-profile.js";

/** A word for a POSIX shell: bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const EMPTY_IMAGE = "secure-run/empty";

export interface RunFlags {
  docker: string[];
  podman: string[];
  image: string;
  notes: string[];
}

/** The flags, without the program name, the image and the command. */
export function runFlags(plan: Plan, options: ExportOptions, profilePath: string): RunFlags {
  const notes: string[] = [];
  const binds = resolveBinds(plan, options, notes);
  const p = plan.process;
  const common: string[] = ["--rm", "--name", plan.name];
  if (plan.namespaces.includes("uts")) common.push("--hostname", plan.hostname);
  const groups = p.user.groups;
  common.push("--user", `${p.user.uid}:${p.user.gid}`);
  for (const g of groups) common.push("--group-add", String(g));
  common.push("--workdir", p.cwd);
  for (const e of p.env) common.push("--env", e);
  common.push("--cap-drop", "ALL");
  for (const c of plan.capabilities.keep) common.push("--cap-add", capName(c.name));
  common.push("--security-opt", "no-new-privileges");
  common.push("--security-opt", `seccomp=${profilePath}`);
  const level = selinuxLevel(plan);
  common.push("--security-opt", `label=type:${plan.selinux.processType}`);
  common.push("--security-opt", `label=level:${level}`);
  if (plan.filesystem.readOnlyRoot) common.push("--read-only");
  const rootfs = isRootfsPlan(plan);
  for (const m of plan.filesystem.mounts) mountFlags(m, plan, binds, rootfs, common);
  const mem = plan.cgroup.memory;
  common.push("--memory", String(mem.max), "--memory-swap", String(mem.max + mem.swapMax));
  const cpu = plan.cgroup.cpu;
  if (cpu) common.push("--cpus", String(cpu.quota / cpu.period));
  common.push("--pids-limit", String(plan.cgroup.pids.max));
  common.push(
    "--network",
    plan.network.mode === "host" ? "host" : plan.network.mode === "private" ? "bridge" : "none",
  );
  // The first instance's host ports; the others' are in the notes.
  for (const x of plan.network.publish ?? [])
    common.push(
      "-p",
      `${x.hostIp === "0.0.0.0" ? "" : `${x.hostIp}:`}${x.hostPorts[0] ?? x.port}:${x.port}/${x.protocol}`,
    );
  for (const s of plan.network.sysctls) common.push("--sysctl", `${s.name}=${s.value}`);
  for (const r of p.rlimits) common.push("--ulimit", `${r.type}=${r.soft}:${r.hard}`);
  if (plan.lifecycle.restart.policy !== "no") {
    const r = plan.lifecycle.restart;
    // --rm and --restart exclude each other.
    common.splice(common.indexOf("--rm"), 1);
    common.push(
      "--restart",
      r.policy === "on-failure" && r.maxRetries > 0 ? `on-failure:${r.maxRetries}` : r.policy,
    );
  }
  const stop = plan.lifecycle.stop;
  if (stop.signal !== "SIGTERM") common.push("--stop-signal", stop.signal);
  if (stop.timeout !== 10) common.push("--stop-timeout", String(stop.timeout));
  const podman = [...common];
  const ns = plan.userNamespace;
  if (ns && plan.namespaces.includes("user")) {
    for (const m of ns.uidMap) podman.push("--uidmap", `${m.inside}:${m.outside}:${m.count}`);
    for (const m of ns.gidMap) podman.push("--gidmap", `${m.inside}:${m.outside}:${m.count}`);
    notes.push(
      "user namespace: podman gets the plan's --uidmap/--gidmap; Docker maps users only daemon-wide (dockerd --userns-remap)",
    );
  }
  const image = rootfs ? `secure-run/${plan.name}` : EMPTY_IMAGE;
  return { docker: common, podman, image, notes };
}

function mountFlags(
  m: Mount,
  plan: Plan,
  binds: ReturnType<typeof resolveBinds>,
  rootfs: boolean,
  out: string[],
): void {
  switch (m.type) {
    case "bind": {
      if (rootfs && isRootfsMount(m)) return; // in the image
      const b = binds.get(m);
      if (b) out.push("--volume", `${b.mount.source}:${m.target}:${m.readOnly ? "ro" : "rw"}`);
      return;
    }
    case "tmpfs":
      out.push(
        "--tmpfs",
        `${m.target}:rw,nosuid,nodev,noexec,size=${m.size ?? 0},mode=${(m.mode ?? 0o755).toString(8)}`,
      );
      return;
    case "symlink": {
      if (rootfs) return; // in the image
      const target = linkTarget(m);
      const bind = plan.filesystem.mounts.find(
        (b) => b.type === "bind" && (target === b.target || target.startsWith(`${b.target}/`)),
      );
      if (bind?.source !== undefined)
        out.push("--volume", `${bind.source}${target.slice(bind.target.length)}:${m.target}:ro`);
      return;
    }
    case "proc":
    case "dev":
      return; // the runtime's own
  }
}

/** The command as shell text, wrapped between flags (a flag stays with its value). */
function command(program: string, flags: string[], image: string, args: string[]): string {
  const groups: string[] = [`${program} run`];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? "";
    const value = flags[i + 1];
    if (BOOLEAN_FLAGS.has(flag) || value === undefined) groups.push(shellWord(flag));
    else {
      groups.push(`${shellWord(flag)} ${shellWord(value)}`);
      i++;
    }
  }
  groups.push([image, ...args].map(shellWord).join(" "));
  const lines: string[] = [];
  let line = "";
  for (const g of groups) {
    if (line !== "" && line.length + g.length + 1 > 96) {
      lines.push(`${line} \\`);
      line = `  ${g}`;
    } else line = line === "" ? g : `${line} ${g}`;
  }
  lines.push(line);
  return lines.join("\n");
}

const BOOLEAN_FLAGS = new Set(["--rm", "--read-only"]);

export function exportDockerSeccomp(plan: Plan, options: ExportOptions = {}): ExportResult {
  const profilePath = options.outputPath ?? `${plan.name}.seccomp.json`;
  const profile = planProfile(plan, exportArchitectures(plan, options), { comments: true });
  const flags = runFlags(plan, options, profilePath);
  const rootfs = isRootfsPlan(plan);
  const prepare = rootfs
    ? `tar -C ${shellWord(rootfsDir(plan) ?? "ROOTFS")} -c . | docker import - ${flags.image}`
    : `tar -c --files-from /dev/null | docker import - ${flags.image}`;
  const notes = [
    ...flags.notes,
    landlockNote(
      plan,
      "Docker or Podman",
      "tmpfs mounts are made noexec instead (a program copied there cannot be run); -v binds cannot be",
    ),
    `image: ${rootfs ? "an image made from the rootfs" : "an empty image; the host view is bound into it read-only"} — ${prepare}`,
    "bind mounts: -v cannot say nosuid,nodev (the launcher binds with both); tmpfs mounts are nosuid,nodev,noexec",
    "/proc, /dev, masked and read-only paths: the runtime's defaults (Docker's list is the plan's)",
    "seccomp: a syscall through another ABI is killed by the runtime's bad-architecture action; the plan kills the whole process",
    "out of memory: the kernel ends one process (cgroup v1); the plan ends the whole app",
    selinuxNote(plan, "--security-opt label=…"),
    "rootless: `podman run` as a user runs the same command rootless (Podman maps the app's ids into the user's /etc/subuid range); Docker needs its rootless daemon (dockerd-rootless-setuptool.sh install, then DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock); the limits need a cgroup v2 subtree delegated to the user (systemd's user@.service gives one), else they are not applied",
  ];
  if (
    plan.network.mode === "none" &&
    (plan.network.listen.length > 0 || plan.network.connect.length > 0)
  )
    notes.push(
      "network none: the app has loopback only, as under secure-run run; its listen/connect ports are reachable inside only (publish with -p on another network to open them)",
    );
  if (plan.network.mode === "private")
    notes.push(
      "network private: Docker's bridge publishes the ports, but does not limit egress to the connect list as secure-run's nftables rules do (use a network policy plugin or an egress proxy)",
    );
  if (plan.lifecycle.instances > 1)
    notes.push(
      `instances: the plan runs ${plan.lifecycle.instances} copies; run the command once per copy with its own --name`,
    );
  return {
    format: "docker-seccomp",
    layout: "file",
    entries: [{ kind: "file", path: "", content: jsonText(profile), mode: 0o644 }],
    notes,
    commands: [
      prepare,
      command("docker", flags.docker, flags.image, plan.process.args),
      command("podman", flags.podman, flags.image, plan.process.args),
    ],
  };
}

/**
 * Plan → an OCI runtime bundle (runtime-spec 1.0.2): config.json, a rootfs/ directory and
 * NOTES.md, for runc, crun and any other OCI runtime.
 *
 * The root is the bundle's own rootfs/, holding only mount points and the plan's symbolic links;
 * everything the app sees is a mount in config.json, exactly as the launcher builds it: for a
 * host-view plan the host's /usr and /etc files, for a rootfs plan the rootfs's top-level entries.
 * root.path is not pointed at the app's rootfs: the runtime would create its mount points (/proc,
 * /dev, /tmp, mount targets) inside that directory, and with the plan's user namespace the
 * container's root could not create them in a directory owned by the host's root. With every
 * mount point made at export time the runtime writes nothing into the bundle.
 */
import { posix } from "node:path";
import type { Mount, Plan } from "../plan/types.js";
import {
  capName,
  exportArchitectures,
  isRootfsPlan,
  jsonText,
  landlockNote,
  landlockSummary,
  resolveBinds,
  rootfsDir,
  selinuxLevel,
  selinuxNote,
  type ExportEntry,
  type ExportOptions,
  type ExportResult,
  type ResolvedBind,
} from "./common.js";
import { planProfile, type OciSeccomp } from "./seccomp-profile.js";

export const OCI_VERSION = "1.0.2";

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<
      "bounding" | "effective" | "inheritable" | "permitted" | "ambient",
      string[]
    >;
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
    selinuxLabel?: string;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: { type: string }[];
    uidMappings?: { containerID: number; hostID: number; size: number }[];
    gidMappings?: { containerID: number; hostID: number; size: number }[];
    sysctl?: Record<string, string>;
    resources: {
      devices: { allow: boolean; access: string }[];
      memory: { limit: number; swap?: number; disableOOMKiller: boolean };
      cpu?: { quota: number; period: number };
      pids: { limit: number };
    };
    cgroupsPath: string;
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
    mountLabel?: string;
  };
}

const NAMESPACES: Record<string, string> = {
  pid: "pid",
  net: "network",
  mount: "mount",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
};

/** The cgroup every export of the app names (relative: runc places it below its own cgroup). */
export const ociCgroupsPath = (plan: Plan): string => `secure-run.${plan.name}`;

function bindOptions(m: Mount): string[] {
  return ["rbind", m.readOnly ? "ro" : "rw", "nosuid", "nodev", ...(m.readOnly ? [] : ["noexec"])];
}

function ociMounts(plan: Plan, binds: Map<Mount, ResolvedBind>): OciMount[] {
  const out: OciMount[] = [];
  for (const m of plan.filesystem.mounts) {
    switch (m.type) {
      case "bind": {
        const b = binds.get(m);
        if (b)
          out.push({
            destination: m.target,
            type: "bind",
            source: b.mount.source,
            options: bindOptions(m),
          });
        break;
      }
      case "tmpfs":
        out.push({
          destination: m.target,
          type: "tmpfs",
          source: "tmpfs",
          options: [
            "nosuid",
            "nodev",
            "noexec",
            `size=${m.size ?? 0}`,
            `mode=${(m.mode ?? 0o755).toString(8)}`,
          ],
        });
        break;
      case "proc":
        out.push({
          destination: m.target,
          type: "proc",
          source: "proc",
          options: ["nosuid", "noexec", "nodev"],
        });
        break;
      case "dev":
        // The runtime creates the spec's default devices (null, zero, full, random, urandom,
        // tty, ptmx → pts/ptmx) in it: the launcher's minimal /dev.
        out.push(
          {
            destination: m.target,
            type: "tmpfs",
            source: "tmpfs",
            options: ["nosuid", "noexec", "strictatime", "mode=755", "size=1m"],
          },
          {
            destination: posix.join(m.target, "pts"),
            type: "devpts",
            source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
          },
          {
            destination: posix.join(m.target, "shm"),
            type: "tmpfs",
            source: "shm",
            options: ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"],
          },
        );
        break;
      case "symlink":
        break; // made in rootfs/
    }
  }
  return out;
}

/** Mount points and symbolic links in rootfs/, parents first. */
function rootfsEntries(plan: Plan, binds: Map<Mount, ResolvedBind>): ExportEntry[] {
  const entries = new Map<string, ExportEntry>();
  const dir = (p: string): void => {
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const path = posix.join("rootfs", ...parts.slice(0, i));
      if (!entries.has(path)) entries.set(path, { kind: "dir", path, mode: 0o755 });
    }
  };
  entries.set("rootfs", { kind: "dir", path: "rootfs", mode: 0o755 });
  for (const m of plan.filesystem.mounts) {
    const path = posix.join("rootfs", m.target);
    switch (m.type) {
      case "bind": {
        const b = binds.get(m);
        if (!b) break;
        if (b.kind === "dir") dir(m.target);
        else {
          dir(posix.dirname(m.target));
          entries.set(path, { kind: "file", path, content: "", mode: 0o444 });
        }
        break;
      }
      case "symlink":
        dir(posix.dirname(m.target));
        entries.set(path, { kind: "symlink", path, target: m.linkTo ?? "" });
        break;
      case "tmpfs":
        // runc gives a tmpfs the mode of the directory it is mounted on.
        dir(m.target);
        entries.set(path, { kind: "dir", path, mode: m.mode ?? 0o755 });
        break;
      default:
        dir(m.target);
    }
  }
  return [...entries.values()];
}

export function ociConfig(
  plan: Plan,
  options: ExportOptions = {},
  notes: string[] = [],
): OciConfig {
  const binds = resolveBinds(plan, options, notes);
  const p = plan.process;
  const caps = plan.capabilities.keep.map((c) => capName(c.name));
  const level = selinuxLevel(plan);
  const ll = landlockSummary(plan);
  const user: OciConfig["process"]["user"] = { uid: p.user.uid, gid: p.user.gid };
  if (p.user.groups.length > 0) user.additionalGids = p.user.groups;
  const config: OciConfig = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user,
      args: p.args,
      env: p.env,
      cwd: p.cwd,
      capabilities: {
        bounding: caps,
        effective: caps,
        inheritable: caps,
        permitted: caps,
        ambient: caps,
      },
      rlimits: p.rlimits.map((r) => ({
        type: `RLIMIT_${r.type.toUpperCase()}`,
        hard: r.hard,
        soft: r.soft,
      })),
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: plan.filesystem.readOnlyRoot },
    mounts: ociMounts(plan, binds),
    annotations: {
      "io.secure-run.app": plan.name,
      "io.secure-run.landlock.enforced": "false",
      "io.secure-run.landlock.fs": ll.fs,
      "io.secure-run.landlock.tcp-bind": ll.tcpBind,
      "io.secure-run.landlock.tcp-connect": ll.tcpConnect,
      "io.secure-run.landlock.note":
        "Landlock has no place in the OCI runtime spec: runtimes do not apply these rules",
    },
    linux: {
      namespaces: plan.namespaces
        .filter((n) => NAMESPACES[n] !== undefined)
        .map((n) => ({ type: NAMESPACES[n] ?? n }))
        .sort((a, b) => a.type.localeCompare(b.type)),
      resources: {
        devices: [{ allow: false, access: "rwm" }],
        memory: { limit: plan.cgroup.memory.max, disableOOMKiller: false },
        pids: { limit: plan.cgroup.pids.max },
      },
      cgroupsPath: ociCgroupsPath(plan),
      seccomp: planProfile(plan, exportArchitectures(plan, options)),
      maskedPaths: plan.filesystem.maskedPaths.map((m) => m.path),
      readonlyPaths: plan.filesystem.readOnlyPaths.map((r) => r.path),
    },
  };
  // runc refuses a label where SELinux is disabled: the labels are set where the plan's host
  // enforces SELinux, and kept as annotations everywhere.
  const processLabel = `system_u:system_r:${plan.selinux.processType}:${level}`;
  const mountLabel = `system_u:object_r:${plan.selinux.fileType}:${level}`;
  config.annotations["io.secure-run.selinux.process-label"] = processLabel;
  config.annotations["io.secure-run.selinux.mount-label"] = mountLabel;
  if (plan.selinux.enforced) {
    config.process.selinuxLabel = processLabel;
    config.linux.mountLabel = mountLabel;
  }
  if (plan.namespaces.includes("uts")) config.hostname = plan.hostname;
  const ns = plan.userNamespace;
  if (ns && plan.namespaces.includes("user")) {
    config.linux.uidMappings = ns.uidMap.map((m) => ({
      containerID: m.inside,
      hostID: m.outside,
      size: m.count,
    }));
    config.linux.gidMappings = ns.gidMap.map((m) => ({
      containerID: m.inside,
      hostID: m.outside,
      size: m.count,
    }));
  }
  // OCI's memory.swap (cgroup v1 memsw) is memory plus swap.
  config.linux.resources.memory.swap = plan.cgroup.memory.max + plan.cgroup.memory.swapMax;
  if (plan.cgroup.cpu)
    config.linux.resources.cpu = { quota: plan.cgroup.cpu.quota, period: plan.cgroup.cpu.period };
  if (plan.network.sysctls.length > 0)
    config.linux.sysctl = Object.fromEntries(plan.network.sysctls.map((s) => [s.name, s.value]));
  return config;
}

function notesMarkdown(plan: Plan, notes: string[]): string {
  const lines = [
    `# OCI bundle of ${plan.name}`,
    "",
    "Made by `secure-run export --format oci`. Run it as root with",
    "",
    "```sh",
    `runc run -b . ${plan.name}      # or: crun run -b . ${plan.name}`,
    "```",
    "",
    "or as a user (rootless) with",
    "",
    "```sh",
    `runc --rootless true run -b . ${plan.name}      # crun detects it: crun run -b . ${plan.name}`,
    "```",
    "",
    "Where this bundle differs from `secure-run run`:",
    "",
    ...notes.map((n) => `- ${n}`),
    "",
  ];
  return lines.join("\n");
}

/** How the bundle runs without root: which command, and what the plan's id maps and limits
 * need then. */
export function rootlessOciNote(plan: Plan): string {
  const maps = plan.rootless
    ? `its id maps are already yours (uid ${plan.rootless.uid}), so it runs as that user only`
    : plan.userNamespace
      ? "its id maps are root's (a range of /etc/subuid): a user runs it only with that range delegated to it, or after exporting the plan as that user (secure-run export as the user maps the app's id to the user's)"
      : "it has no user namespace, which a rootless runtime needs: it runs as root only";
  return `rootless: \`runc --rootless true run\` (crun detects it; podman runs it as a user too); ${maps}; the limits need a cgroup v2 subtree delegated to the user (systemd-run --user --scope -p Delegate=yes runc --rootless true …), else runc leaves them out`;
}

export function ociNotes(plan: Plan): string[] {
  const notes = [
    landlockNote(
      plan,
      "runc or crun (it has no place in the OCI runtime spec; the rules are in config.json's annotations)",
    ),
    `root: rootfs/ holds only mount points${plan.filesystem.mounts.some((m) => m.type === "symlink") ? " and the plan's symbolic links" : ""}; ` +
      (isRootfsPlan(plan)
        ? `the rootfs ${rootfsDir(plan) ?? ""} is bound entry by entry, as the launcher does, so the runtime creates nothing in it`
        : "the host view (/usr, a few /etc files) is bound read-only, as the launcher does") +
      "; the bundle names host paths, so it runs on this host (or one laid out alike)",
    "seccomp: a syscall through another ABI (32-bit on x86_64, x32) is killed by the runtime's own bad-architecture action (libseccomp's default, SIGSYS), the plan kills the whole process",
    `out of memory: the kernel ends one process (cgroup v1) or the runtime's OOM settings decide; the plan ends the whole app`,
    `cgroup: cgroupsPath "${ociCgroupsPath(plan)}" is relative: runc creates it below its own cgroup; give each running copy its own path`,
    "/dev: a 1 MiB tmpfs with the runtime's default devices, devpts and /dev/shm; it stays writable (the launcher remounts it read-only)",
    plan.selinux.enforced
      ? selinuxNote(plan, "process.selinuxLabel and linux.mountLabel")
      : `${selinuxNote(plan, "the annotations io.secure-run.selinux.*")}; process.selinuxLabel and linux.mountLabel are left out, since runc refuses labels where SELinux is disabled — copy them in on a host that enforces it`,
  ];
  if (plan.userNamespace)
    notes.push(
      `user namespace: ids 0-${(plan.userNamespace.uidMap[0]?.count ?? 1) - 1} map to ${plan.userNamespace.uidMap[0]?.outside ?? "?"}+ on the host; every directory above the bundle and the bind sources must be searchable by that range (e.g. mode 0755)`,
    );
  notes.push(rootlessOciNote(plan));
  if (plan.lifecycle.instances > 1)
    notes.push(
      `instances: the plan runs ${plan.lifecycle.instances} copies; a bundle is one container — create one per copy`,
    );
  if (plan.lifecycle.restart.policy !== "no")
    notes.push(
      `restart ${plan.lifecycle.restart.policy}: an OCI runtime does not restart; a supervisor must`,
    );
  if (plan.lifecycle.stop.signal !== "SIGTERM")
    notes.push(
      `stop signal ${plan.lifecycle.stop.signal}: send it with \`runc kill NAME ${plan.lifecycle.stop.signal.slice(3)}\` (the runtime's default is SIGTERM)`,
    );
  return notes;
}

export function exportOci(plan: Plan, options: ExportOptions = {}): ExportResult {
  const notes: string[] = [];
  const config = ociConfig(plan, options, notes);
  notes.unshift(...ociNotes(plan));
  const binds = resolveBinds(plan, options, []);
  const entries: ExportEntry[] = [
    { kind: "file", path: "config.json", content: jsonText(config), mode: 0o644 },
    ...rootfsEntries(plan, binds),
    { kind: "file", path: "NOTES.md", content: notesMarkdown(plan, notes), mode: 0o644 },
  ];
  return {
    format: "oci",
    layout: "dir",
    entries,
    notes,
    commands: [`runc run -b ${options.outputPath ?? "BUNDLE"} ${plan.name}`],
  };
}

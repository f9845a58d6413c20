/** Plan → the launcher's command line. Pure: the launcher does exactly what this says. */
import type { Mount, Plan } from "../plan/types.js";

export interface LaunchOptions {
  /** Descriptor the launcher reads the BPF program from (none: a bundle carries it). */
  seccomp?: number;
  /** Descriptor the launcher writes its exit report to (none: the launcher prints errors). */
  report?: number;
  /** This host's Landlock ABI: rules it cannot enforce are left out (the plan's notices say
   * so). */
  landlockAbi: number;
}

const accessLetters: Record<string, string> = { read: "r", write: "w", execute: "x" };

function mountArgs(m: Mount): string[] {
  switch (m.type) {
    case "bind": {
      const opt = `--${m.readOnly ? "ro-" : ""}bind${m.optional ? "-try" : ""}`;
      const args = [opt, m.source ?? "", m.target];
      // The launcher refuses a source of another type (swapped in since the plan was made).
      if (m.sourceType) args.push("--source-type", m.sourceType);
      return args;
    }
    case "tmpfs":
      return ["--tmpfs", m.target, String(m.size ?? 0), (m.mode ?? 0o755).toString(8)];
    case "proc":
      return ["--proc", m.target];
    case "dev":
      return ["--dev", m.target];
    case "symlink":
      return ["--symlink", m.linkTo ?? "", m.target];
  }
}

export function launcherArgs(plan: Plan, opts: LaunchOptions): string[] {
  const p = plan.process;
  const args = [
    "--name",
    plan.name,
    "--unshare",
    [...plan.namespaces].sort().join(","),
    "--uid",
    String(p.user.uid),
    "--gid",
    String(p.user.gid),
    "--groups",
    p.user.groups.join(","),
    "--cwd",
    p.cwd,
  ];
  if (plan.namespaces.includes("uts")) args.push("--hostname", plan.hostname);
  for (const m of plan.userNamespace?.uidMap ?? [])
    args.push("--uid-map", `${m.inside}:${m.outside}:${m.count}`);
  for (const m of plan.userNamespace?.gidMap ?? [])
    args.push("--gid-map", `${m.inside}:${m.outside}:${m.count}`);
  for (const e of p.env) args.push("--env", e);
  for (const c of plan.capabilities.keep) args.push("--cap", c.name);
  for (const r of p.rlimits) args.push("--rlimit", `${r.type}=${r.soft}:${r.hard}`);
  if (p.newSession) args.push("--new-session");
  args.push("--memory", String(plan.cgroup.memory.max));
  args.push("--memory-swap", String(plan.cgroup.memory.swapMax));
  args.push("--pids", String(plan.cgroup.pids.max));
  if (plan.cgroup.cpu) args.push("--cpu", `${plan.cgroup.cpu.quota}:${plan.cgroup.cpu.period}`);
  for (const m of plan.filesystem.mounts) args.push(...mountArgs(m));
  for (const m of plan.filesystem.maskedPaths) args.push("--mask", m.path);
  for (const r of plan.filesystem.readOnlyPaths) args.push("--read-only", r.path);
  if (plan.filesystem.readOnlyRoot) args.push("--read-only-root");
  for (const s of plan.network.sysctls) args.push("--sysctl", `${s.name}=${s.value}`);
  const ll = plan.landlock;
  if (opts.landlockAbi >= 1) {
    for (const r of ll.fs)
      args.push("--landlock-fs", r.access.map((a) => accessLetters[a]).join(""), r.path);
  }
  if (opts.landlockAbi >= 4) {
    args.push("--restrict-tcp-bind", ll.tcpBind.map((b) => b.port).join(","));
    args.push("--restrict-tcp-connect", ll.tcpConnect.map((b) => b.port).join(","));
  }
  if (opts.landlockAbi >= 6 && ll.scope.length > 0)
    args.push("--landlock-scope", ll.scope.join(","));
  if (opts.seccomp !== undefined) args.push("--seccomp-fd", String(opts.seccomp));
  if (opts.report !== undefined) args.push("--report-fd", String(opts.report));
  args.push("--", ...p.args);
  return args;
}

/** The launcher's command line: the one place that turns what is launched (a plan, or a bundle
 * file) and how (descriptors, supervision, cgroup, SELinux labels) into its arguments. Pure: the
 * launcher does exactly what this says. A bundle is this command line for a plan, plus its BPF.
 * CommonJS with type-only imports: the warm path of `secure-run run` (warm-run.cts) loads it. */
import type { Mount, Plan } from "../plan/types.js";

/** SELinux labels for the launch (SELinux enforcing only). */
export interface SelinuxLaunch {
  process: string;
  file: string;
  /** The launcher allocates the instance's MCS categories in this registry and appends them to
   * both labels (a bundle: categories of its own for every launch). Without it, the labels
   * carry their categories already. */
  mcsRegistry?: string;
  /** The instances of one app: they share one category, reserved in the registry for this
   * group, which labels the rootfs and volumes they share (native/launcher/mcs.h). */
  mcsShared?: string;
}

/** The process and file labels of a plan's SELinux part, without categories (the launcher
 * appends the ones it allocates). */
export function baseLabels(selinux: { processType: string; fileType: string; level: string }): {
  process: string;
  file: string;
} {
  return {
    process: `system_u:system_r:${selinux.processType}:${selinux.level}`,
    file: `system_u:object_r:${selinux.fileType}:${selinux.level}`,
  };
}

/** A plan launched directly: the launcher is given every part of it. */
export interface PlanTarget {
  plan: Plan;
  /** This host's Landlock ABI: rules it cannot enforce are left out (the plan's notices say so). */
  landlockAbi: number;
  /** Descriptor the launcher reads the BPF program from (none: a bundle carries it). */
  seccompFd?: number;
  /** The labels; the app's own writable volumes and rootfs are relabelled with the file label
   * (podman's :Z); the host's system view never is. */
  selinux?: SelinuxLaunch;
}

/** A compiled bundle: the launcher reads the plan's arguments and filter from the file, and
 * refuses it unless its sha256 is this one. */
export interface BundleTarget {
  bundle: string;
  sha256: string;
}

export type LaunchTarget = PlanTarget | BundleTarget;

/** How the launcher is supervised; every part is optional. */
export interface LauncherOptions {
  /** Descriptor the launcher writes its exit report to (none: the launcher prints errors). */
  reportFd?: number;
  /** --explain: refusals notify the supervisor, which reads the answering filter from `fd`. */
  explain?: { fd: number; json: boolean };
  /** --trace: every call is recorded to `fd`; `progress` prints a running count. */
  trace?: { fd: number; progress: boolean };
  /** Without --explain: refusals notify the supervisor, which counts them and answers with the
   * filter it reads from `fd` (a bundle carries it instead). */
  refusals?: { fd: number };
  /** The fix table of the refusals' summary is read from this descriptor (with explain or
   * refusals; a bundle carries it instead). */
  fixesFd?: number;
  /** When the summary of refusals is printed: auto (the app failed), always, off. */
  refusalsSummary?: "auto" | "always" | "off";
  /** An existing cgroup below which the app's cgroup is made. */
  cgroupParent?: string;
  /** The launcher ends the app and cleans up when its parent dies. */
  dieWithParent?: boolean;
  /** A plan with a writable root: the directory that holds its layer (upper/, work/): the
   * instance's `<instance dir>/layer`, or a foreground run's own, removed at its end. Without
   * it such a plan's root stays read-only. */
  writableLayer?: string;
  /** A private network: the supervisor runs `exe net-hook add|del config PID` around each run
   * (native/launcher/nethook.h; src/network/hook.ts). */
  netHook?: { exe: string; config: string };
  /** Instance mode: the launcher is the detached supervisor of the instance in `dir` (it
   * excludes reportFd, explain, trace and dieWithParent). */
  instance?: InstanceLaunch;
}

/** The supervisor of a detached instance (native/launcher/instance.h; docs/running.md). */
export interface InstanceLaunch {
  /** The instance directory, `<state>/instances/<id>` (the caller's, 0700). */
  dir: string;
  /** Descriptor that gets one JSON line once the first run started or failed. */
  readyFd?: number;
  /** Restart policy; maxRetries -1 (or absent): unlimited. */
  restart?: { policy: "no" | "on-failure" | "always"; maxRetries?: number };
  /** What a stop sends the app: a name such as "SIGTERM" (the default), or a number. */
  stopSignal?: string;
  /** Bytes of `log` before it is rotated to `log.1` (default 10 MiB). */
  logMax?: number;
  /** --rm: the supervisor removes `dir`, and `<state>/names/<name>` if it holds this id. */
  removeWhenDone?: boolean;
  /** The instance's name (for removeWhenDone). */
  name?: string;
}

function instanceArgs(i: InstanceLaunch): string[] {
  const args = ["--instance", i.dir];
  if (i.readyFd !== undefined) args.push("--ready-fd", String(i.readyFd));
  if (i.restart && i.restart.policy !== "no") {
    args.push("--restart", i.restart.policy);
    args.push("--max-retries", String(i.restart.maxRetries ?? -1));
  }
  if (i.stopSignal !== undefined) args.push("--stop-signal", i.stopSignal);
  if (i.logMax !== undefined) args.push("--log-max", String(i.logMax));
  if (i.removeWhenDone) {
    args.push("--remove-when-done");
    if (i.name !== undefined) args.push("--instance-name", i.name);
  }
  return args;
}

const accessLetters: Record<string, string> = { read: "r", write: "w", execute: "x" };

function mountArgs(m: Mount): string[] {
  switch (m.type) {
    case "bind": {
      const opt = `--${m.readOnly ? "ro-" : ""}bind${m.optional ? "-try" : ""}`;
      const args = [opt, m.source ?? "", m.target];
      // The launcher refuses a source of another type (swapped in since the plan was made).
      if (m.sourceType) args.push("--source-type", m.sourceType);
      if (m.fromImage) args.push("--from-image");
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

/** Host paths the app definition itself brings in (mounts, the rootfs): never the host view.
 * writableOnly: what is relabelled: the rootfs, and volumes not mounted read-only. */
export function appVolumes(plan: Plan, o: { writableOnly?: boolean } = {}): string[] {
  const from = (m: Plan["filesystem"]["mounts"][number], ref: (r: string) => boolean): boolean =>
    m.reasons.some((r) => r.kind === "field" && ref(r.ref));
  return (
    plan.filesystem.mounts
      .filter((m) => m.type === "bind" && m.source !== undefined)
      .filter((m) => from(m, (r) => r.startsWith("mounts[") || r === "root.rootfs"))
      // The app's own rootfs is labelled even though it is mounted read-only: the app must be
      // able to read and execute it under its label, as podman labels an image's root.
      // Read-only volumes are not: the app cannot write them, and :Z would rewrite the labels of
      // files the host (and other apps) rely on.
      .filter((m) => !(o.writableOnly && m.readOnly && !from(m, (r) => r === "root.rootfs")))
      .map((m) => m.source ?? "")
  );
}

function selinuxArgs(plan: Plan, s: SelinuxLaunch): string[] {
  return [
    "--selinux-label",
    s.process,
    "--selinux-mount-label",
    s.file,
    ...(s.mcsRegistry ? ["--selinux-mcs-registry", s.mcsRegistry] : []),
    ...(s.mcsShared ? ["--selinux-mcs-shared", s.mcsShared] : []),
    ...appVolumes(plan, { writableOnly: true }).flatMap((v) => ["--relabel", v]),
  ];
}

/** The limits. A user's launch without a delegated cgroup gets none: it could not create the
 * cgroup (the plan says they are not enforced, and `run` refused unless the app accepts that). */
function cgroupArgs(plan: Plan): string[] {
  // A rootless caller with no delegated cgroup: the launcher makes none (the plan says the limits
  // are not enforced, and the app accepted it in bestEffort); rlimits still apply.
  if (plan.rootless && !plan.rootless.limits) return ["--no-cgroup"];
  const c = plan.cgroup;
  return [
    "--memory",
    String(c.memory.max),
    "--memory-swap",
    String(c.memory.swapMax),
    "--pids",
    String(c.pids.max),
    ...(c.cpu ? ["--cpu", `${c.cpu.quota}:${c.cpu.period}`] : []),
  ];
}

/** The plan itself: namespaces, identity, limits, filesystem, Landlock, then the command. */
function planArgs(t: PlanTarget, reportFd: number | undefined): string[] {
  const { plan } = t;
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
  args.push(...cgroupArgs(plan));
  for (const l of plan.filesystem.imageLayers?.layers ?? []) args.push("--image-layer", l);
  if (plan.filesystem.imageRoot) args.push("--image-root", plan.filesystem.imageRoot.path);
  for (const m of plan.filesystem.mounts) args.push(...mountArgs(m));
  for (const m of plan.filesystem.maskedPaths) args.push("--mask", m.path);
  for (const r of plan.filesystem.readOnlyPaths) args.push("--read-only", r.path);
  // A writable root is read-only too when no layer is given (--writable-layer makes it writable).
  if (plan.filesystem.readOnlyRoot || plan.filesystem.writableLayer) args.push("--read-only-root");
  for (const s of plan.network.sysctls) args.push("--sysctl", `${s.name}=${s.value}`);
  const ll = plan.landlock;
  if (t.landlockAbi >= 1) {
    for (const r of ll.fs)
      args.push("--landlock-fs", r.access.map((a) => accessLetters[a]).join(""), r.path);
  }
  if (t.landlockAbi >= 4) {
    args.push("--restrict-tcp-bind", ll.tcpBind.map((b) => b.port).join(","));
    args.push("--restrict-tcp-connect", ll.tcpConnect.map((b) => b.port).join(","));
  }
  if (t.landlockAbi >= 6 && ll.scope.length > 0) args.push("--landlock-scope", ll.scope.join(","));
  if (t.seccompFd !== undefined) args.push("--seccomp-fd", String(t.seccompFd));
  if (reportFd !== undefined) args.push("--report-fd", String(reportFd));
  args.push("--", ...p.args);
  return args;
}

/** The launcher's arguments (without its own path) to launch `target` as `options` say. */
export function launcherArgs(target: LaunchTarget, options: LauncherOptions = {}): string[] {
  const o = options;
  const isPlan = "plan" in target;
  return [
    // A user's launch keeps the label it inherits: labelling needs privileges it does not have.
    ...(isPlan && target.selinux && !target.plan.rootless
      ? selinuxArgs(target.plan, target.selinux)
      : []),
    ...(o.trace ? ["--trace-fd", String(o.trace.fd)] : []),
    ...(o.trace?.progress ? ["--trace-progress"] : []),
    ...(o.cgroupParent ? ["--cgroup-parent", o.cgroupParent] : []),
    ...(o.explain ? ["--explain-fd", String(o.explain.fd)] : []),
    ...(o.explain?.json ? ["--explain-json"] : []),
    ...(o.refusals ? ["--refusals-fd", String(o.refusals.fd)] : []),
    ...(o.fixesFd !== undefined ? ["--refusal-fixes-fd", String(o.fixesFd)] : []),
    ...(o.refusalsSummary && o.refusalsSummary !== "auto"
      ? ["--refusals-summary", o.refusalsSummary]
      : []),
    ...(o.dieWithParent ? ["--die-with-parent"] : []),
    ...(o.writableLayer !== undefined ? ["--writable-layer", o.writableLayer] : []),
    ...(o.netHook ? ["--net-hook", o.netHook.exe, o.netHook.config] : []),
    ...(o.instance ? instanceArgs(o.instance) : []),
    ...(isPlan
      ? planArgs(target, o.reportFd)
      : [
          ...(o.reportFd !== undefined ? ["--report-fd", String(o.reportFd)] : []),
          "--bundle",
          target.bundle,
          "--bundle-sha256",
          target.sha256,
        ]),
  ];
}

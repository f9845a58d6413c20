/**
 * Plan → a systemd service unit with the same hardening, as far as systemd's settings reach.
 *
 * The user: the plan's default user is nobody (65534). systemd warns against User=nobody (files
 * owned by nobody are shared by every service running as nobody), so such a plan becomes
 * DynamicUser=yes: a fresh unprivileged uid for the service's lifetime, owning nothing — what
 * "nobody" means in the plan. Any other user is User=/Group= as numbers.
 *
 * The view: a host-view plan shows /usr, a few /etc files, /proc, a minimal /dev and /tmp.
 * systemd keeps the host's root; ProtectSystem=strict makes it read-only, the standard top-level
 * directories outside the view are hidden under empty read-only tmpfs (TemporaryFileSystem=),
 * the plan's /etc files bound back in. A rootfs plan becomes RootDirectory=.
 */
import type { ArgCondition, Plan, SyscallRule } from "../plan/types.js";
import {
  bytesText,
  capName,
  isRootfsMount,
  isRootfsPlan,
  landlockSummary,
  resolveBinds,
  rootfsDir,
  type ExportOptions,
  type ExportResult,
} from "./common.js";

const NOBODY = 65534;
/** Standard top-level directories outside a host-view plan, hidden when they exist. */
const HIDDEN = ["/boot", "/etc", "/media", "/mnt", "/opt", "/srv", "/var"];

const FAMILIES: Record<number, string | undefined> = {
  1: "AF_UNIX",
  2: "AF_INET",
  10: "AF_INET6",
  16: "AF_NETLINK",
  17: "AF_PACKET",
};

const LIMITS: Record<string, string | undefined> = {
  cpu: "CPU",
  fsize: "FSIZE",
  data: "DATA",
  stack: "STACK",
  core: "CORE",
  rss: "RSS",
  nofile: "NOFILE",
  as: "AS",
  nproc: "NPROC",
  memlock: "MEMLOCK",
  locks: "LOCKS",
  sigpending: "SIGPENDING",
  msgqueue: "MSGQUEUE",
  nice: "NICE",
  rtprio: "RTPRIO",
  rttime: "RTTIME",
};

/** One word of ExecStart=: C escapes inside double quotes, $ and % doubled. */
export function execWord(s: string): string {
  const doubled = s.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(doubled) && !s.startsWith("@")) return doubled;
  const escaped = doubled
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

/** One assignment of Environment=, quoted: C escapes, % doubled ($ is not expanded there). */
export function envWord(s: string): string {
  return `"${s.replace(/%/g, "%%").replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** A path for BindPaths= and friends: spaces and colons escaped, % doubled. */
function pathWord(s: string): string {
  return s.replace(/%/g, "%%").replace(/\\/g, "\\\\").replace(/ /g, "\\x20").replace(/:/g, "\\:");
}

function describe(c: ArgCondition): string {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  if (c.op === "masked_eq") return `(arg${c.index} & ${hex(c.mask ?? 0)}) == ${hex(c.value)}`;
  const op = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" }[c.op];
  return `arg${c.index} ${op} ${c.value}`;
}

function ruleText(r: SyscallRule): string {
  const act =
    r.action === "errno"
      ? `fails with ${r.errno ?? "EPERM"}`
      : r.action === "allow"
        ? "allowed"
        : r.action;
  return `${r.name} ${act} when ${(r.args ?? []).map(describe).join(" and ")}`;
}

function wrap(key: string, words: string[], per = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per)
    out.push(`${key}=${words.slice(i, i + per).join(" ")}`);
  return out;
}

/** Address families socket() and socketpair() may create; undefined: any. */
function families(plan: Plan): string[] | undefined {
  const rules = plan.seccomp.syscalls.filter(
    (r) => (r.name === "socket" || r.name === "socketpair") && r.action === "allow",
  );
  const out = new Set<string>();
  for (const r of rules) {
    const c = r.args?.find((a) => a.index === 0 && a.op === "eq");
    if (!c) return undefined;
    const name = FAMILIES[c.value];
    if (!name) return undefined;
    out.add(name);
  }
  return [...out].sort();
}

export function systemdUnit(plan: Plan, options: ExportOptions = {}, notes: string[] = []): string {
  const binds = resolveBinds(plan, options, notes);
  const p = plan.process;
  const rootfs = isRootfsPlan(plan);
  const allowed = plan.seccomp.syscalls.filter((r) => r.action === "allow");
  const names = [...new Set(allowed.map((r) => r.name))].sort();
  const conditional = plan.seccomp.syscalls.filter((r) => r.args && r.args.length > 0);
  const refused = [
    ...new Set(
      plan.seccomp.syscalls
        .filter((r) => r.action !== "allow" && !r.args?.length)
        .map((r) => r.name),
    ),
  ];
  const d = plan.seccomp.defaultAction;
  const errno = d.action === "errno" ? (d.errno ?? "EPERM") : undefined;
  const header = [
    `# ${plan.name}.service: made by secure-run export --format systemd from the plan of ${plan.name}.`,
    "# See the comments for what systemd cannot express; secure-run run enforces all of it.",
  ];
  const unit: string[] = ["[Unit]", `Description=${plan.name} (sandboxed as secure-run plans it)`];
  const r = plan.lifecycle.restart;
  if (r.policy !== "no" && r.maxRetries > 0)
    unit.push(
      `# at most ${r.maxRetries} restarts: ${r.maxRetries + 1} starts, ever`,
      "StartLimitIntervalSec=infinity",
      `StartLimitBurst=${r.maxRetries + 1}`,
    );
  const s: string[] = ["", "[Service]", "Type=exec", `ExecStart=${p.args.map(execWord).join(" ")}`];
  if (p.user.uid === NOBODY)
    s.push(
      "# The plan runs the app as nobody: a dynamic user is the same without sharing nobody's files.",
      "DynamicUser=yes",
    );
  else s.push(`User=${p.user.uid}`, `Group=${p.user.gid}`);
  if (p.user.groups.length > 0) s.push(`SupplementaryGroups=${p.user.groups.join(" ")}`);
  for (const e of p.env) s.push(`Environment=${envWord(e)}`);
  s.push(`WorkingDirectory=${pathWord(p.cwd)}`);
  if (plan.namespaces.includes("user") && plan.userNamespace) s.push("PrivateUsers=yes");

  s.push("", "# seccomp: the plan's allowlist. systemd's SystemCallFilter= takes names only:");
  if (conditional.length > 0) {
    s.push("# argument conditions cannot be expressed, so these syscalls are allowed whole here:");
    for (const c of conditional) s.push(`#   the plan: ${ruleText(c)}`);
  }
  if (refused.length > 0)
    s.push(
      `# The plan refuses ${refused.length} dangerous syscalls with EPERM (${refused.slice(0, 6).join(", ")}, …);`,
      `# in an allowlist systemd gives every refused syscall one errno: ${errno ?? "the kill"}.`,
    );
  s.push(...wrap("SystemCallFilter", names, 10));
  if (errno) s.push(`SystemCallErrorNumber=${errno}`);
  s.push("SystemCallArchitectures=native");
  const fam = families(plan);
  if (fam) {
    if (
      plan.seccomp.syscalls.some((x) => x.name === "socket" && x.args?.some((a) => a.index === 2))
    )
      s.push(
        "# the plan also restricts protocols (e.g. AF_NETLINK to NETLINK_ROUTE); systemd cannot",
      );
    s.push(`RestrictAddressFamilies=${fam.length > 0 ? fam.join(" ") : "none"}`);
  }

  s.push("", "# capabilities and privileges");
  const caps = plan.capabilities.keep.map((c) => capName(c.name));
  s.push(`CapabilityBoundingSet=${caps.join(" ")}`, `AmbientCapabilities=${caps.join(" ")}`);
  s.push(
    "NoNewPrivileges=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
  );
  s.push(
    "KeyringMode=private",
    "ProtectClock=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
  );
  s.push(
    "# MemoryDenyWriteExecute= is left off: the plan allows writable+executable mappings (JITs, libffi),",
    "# and refusing them would stop programs the plan lets run.",
  );

  s.push("", "# namespaces");
  s.push("RestrictNamespaces=yes", "PrivateMounts=yes");
  if (plan.namespaces.includes("ipc")) s.push("PrivateIPC=yes");
  if (plan.namespaces.includes("uts"))
    s.push(
      `# the plan's hostname "${plan.hostname}" cannot be set by systemd; the host's name is kept, read-only`,
      "ProtectHostname=yes",
    );
  if (plan.network.mode === "none") s.push("PrivateNetwork=yes");
  if (plan.network.mode === "private") {
    s.push("PrivateNetwork=yes");
    for (const x of plan.network.publish ?? [])
      s.push(
        `# publish ${x.hostIp}:${x.hostPorts.join(",")} → ${x.port}/${x.protocol}: systemd has no bridge; pair a socket unit (ListenStream=${x.hostIp}:${x.hostPorts[0] ?? x.port}) with systemd-socket-proxyd in a unit that JoinsNamespaceOf= this one`,
      );
  }
  for (const g of plan.network.listen) s.push(`SocketBindAllow=${g.protocol}:${g.port}`);
  s.push("SocketBindDeny=any");
  if (plan.network.connect.length > 0)
    s.push(
      `# connect only to ports ${plan.network.connect.map((c) => c.port).join(", ")}: systemd filters addresses, not ports`,
    );

  s.push("", "# file system");
  s.push("ProtectSystem=strict", "ProtectHome=tmpfs", "PrivateTmp=yes", "PrivateDevices=yes");
  s.push("ProtectProc=invisible", "ProtectKernelTunables=yes", "ProtectControlGroups=yes");
  const stat = options.stat;
  if (rootfs) {
    s.push(`RootDirectory=${pathWord(rootfsDir(plan) ?? "/")}`, "MountAPIVFS=yes");
  } else {
    const hide = HIDDEN.filter((h) => (stat ? stat(h) === "dir" : true)).filter(
      (h) => !plan.filesystem.mounts.some((m) => m.type === "bind" && m.target === h),
    );
    if (hide.length > 0) {
      s.push("# outside the plan's view: hidden under empty read-only tmpfs");
      s.push(`TemporaryFileSystem=${hide.map((h) => `${h}:ro`).join(" ")}`);
    }
  }
  const ro: string[] = [];
  const rw: string[] = [];
  for (const m of plan.filesystem.mounts) {
    if (m.type !== "bind") continue;
    if (rootfs && isRootfsMount(m)) continue;
    const b = binds.get(m);
    if (!b) continue;
    // The host's own /usr stays where it is (read-only under ProtectSystem=strict).
    if (
      !rootfs &&
      m.source === m.target &&
      m.readOnly &&
      !HIDDEN.some((h) => m.target.startsWith(`${h}/`))
    )
      continue;
    const word = `${m.optional ? "-" : ""}${pathWord(b.mount.source)}${b.mount.source === m.target ? "" : `:${pathWord(m.target)}`}`;
    (m.readOnly ? ro : rw).push(word);
  }
  if (ro.length > 0) s.push(...wrap("BindReadOnlyPaths", ro, 4));
  if (rw.length > 0) s.push(...wrap("BindPaths", rw, 4));
  for (const m of plan.filesystem.mounts) {
    if (m.type !== "tmpfs" || m.target === "/tmp") continue;
    s.push(
      `TemporaryFileSystem=${pathWord(m.target)}:size=${m.size ?? 0},mode=${(m.mode ?? 0o755).toString(8)},nosuid,nodev,noexec`,
    );
  }
  const exec = plan.landlock.fs
    .filter((x) => x.access.includes("execute"))
    .map((x) => pathWord(x.path));
  s.push("# Landlock's execute rule: run programs only from the read-only view");
  s.push("NoExecPaths=/", ...wrap("ExecPaths", exec, 6));
  const ll = landlockSummary(plan);
  s.push(
    `# Landlock itself is not applied by systemd (the plan: ${ll.fs.length > 180 ? `${ll.fs.slice(0, 177)}…` : ll.fs};`,
    `# TCP bind ${ll.tcpBind}, connect ${ll.tcpConnect}); ProtectSystem=strict keeps everything but /tmp, /dev and writable binds read-only.`,
  );

  s.push("", "# limits");
  const mem = plan.cgroup.memory;
  s.push(
    `MemoryMax=${mem.max}`,
    `MemorySwapMax=${mem.swapMax}`,
    `TasksMax=${plan.cgroup.pids.max}`,
  );
  if (plan.cgroup.cpu) {
    const pct = Math.round((plan.cgroup.cpu.quota / plan.cgroup.cpu.period) * 10000) / 100;
    s.push(`CPUQuota=${pct}%`, `CPUQuotaPeriodSec=${plan.cgroup.cpu.period / 1000}ms`);
  }
  s.push("# out of memory ends the whole app, as in the plan", "OOMPolicy=kill");
  for (const rl of p.rlimits) {
    const key = LIMITS[rl.type];
    if (key) s.push(`Limit${key}=${rl.soft}:${rl.hard}`);
  }
  s.push("StandardInput=null");
  s.push("", "# lifecycle", `Restart=${r.policy}`);
  // How `secure-run stop` ends it: the stop signal to the main process first, SIGKILL after.
  const stop = plan.lifecycle.stop;
  s.push(`KillSignal=${stop.signal}`, `TimeoutStopSec=${stop.timeout}s`);
  const install = ["", "[Install]", "WantedBy=multi-user.target", ""];
  return [...header, ...unit, ...s, ...install].join("\n");
}

export function systemdNotes(plan: Plan, options: ExportOptions = {}): string[] {
  const stat = options.stat;
  const notes = [
    "seccomp: SystemCallFilter= takes names only, so argument conditions (clone without namespace flags, ioctl without TIOCSTI, socket families) are lost: those syscalls are allowed whole (RestrictAddressFamilies= and RestrictNamespaces= cover part of it)",
    `seccomp: every refused syscall fails with one errno (${plan.seccomp.defaultAction.errno ?? plan.seccomp.defaultAction.action}); the plan answers the dangerous ones with EPERM`,
    "Landlock is not applied; NoExecPaths=/ with ExecPaths= (the plan's executable places) and ProtectSystem=strict stand in for its execute and write rules",
    `hostname: systemd cannot set one (the plan: ${plan.hostname})`,
    `/tmp: PrivateTmp=yes is on the host's /tmp file system, without the plan's size limit (${bytesText(plan.filesystem.mounts.find((m) => m.type === "tmpfs" && m.target === "/tmp")?.size ?? 0)})`,
    "SocketBindAllow=/SocketBindDeny= and MemorySwapMax= need cgroup v2 (and a systemd built with BPF for the former)",
  ];
  if (plan.network.sysctls.length > 0)
    notes.push(
      `sysctls cannot be set per service: ${plan.network.sysctls.map((x) => `${x.name}=${x.value}`).join(", ")}`,
    );
  if (!isRootfsPlan(plan)) {
    const present = HIDDEN.filter((h) => (stat ? stat(h) === "dir" : true));
    notes.push(
      `view: the host's root stays, read-only; ${present.join(", ")} are hidden, /home and /root are empty; /run, /sys and non-standard top-level directories stay visible read-only`,
    );
  }
  if (plan.lifecycle.instances > 1)
    notes.push(
      `instances: ${plan.lifecycle.instances} in the plan; copy the unit to a template (${plan.name}@.service) and start one per instance`,
    );
  return notes;
}

export function exportSystemd(plan: Plan, options: ExportOptions = {}): ExportResult {
  const notes: string[] = [];
  const text = systemdUnit(plan, options, notes);
  return {
    format: "systemd",
    layout: "file",
    entries: [{ kind: "file", path: "", content: text, mode: 0o644 }],
    notes: [...systemdNotes(plan, options), ...notes],
    commands: [
      `cp ${options.outputPath ?? `${plan.name}.service`} /etc/systemd/system/${plan.name}.service`,
      `systemctl daemon-reload && systemctl start ${plan.name}.service`,
    ],
  };
}

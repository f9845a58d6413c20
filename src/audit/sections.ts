/** The non-syscall parts of an audit, read from the plan: capabilities, filesystem, network,
 * limits, process, SELinux, Landlock, lifecycle, and what this host enforces of them. */
import { formatSize } from "../documents/units.js";
import type { HostFacts } from "../host/facts.js";
import type { Mount, Plan } from "../plan/types.js";
import { isDangerousCapability } from "../policy/dangerous.js";
import type { AppAudit, Enforcement } from "./types.js";

export function capabilitiesSection(plan: Plan): AppAudit["capabilities"] {
  const c = plan.capabilities;
  return {
    keep: c.keep.map((k) => ({
      name: k.name,
      dangerous: isDangerousCapability(k.name),
      reasons: k.reasons,
    })),
    refused: c.refused.map((r) => ({ name: r.name, why: r.why, reasons: r.reasons })),
    dropped: c.drop,
  };
}

function mountWhat(m: Mount): string {
  switch (m.type) {
    case "bind":
      return `host ${m.source ?? m.target}, ${m.readOnly ? "read-only" : "writable"}${m.optional ? ", if present" : ""}`;
    case "tmpfs":
      return `tmpfs ${formatSize(m.size ?? 0)}, writable, private`;
    case "proc":
      return "a new proc (this sandbox's processes only)";
    case "dev":
      return "minimal /dev: null, zero, full, random, urandom, tty, a private pts";
    case "symlink":
      return `symbolic link to ${m.linkTo ?? "?"}`;
  }
}

export function filesystemSection(plan: Plan): AppAudit["filesystem"] {
  const fs = plan.filesystem;
  const mounts = new Map(fs.mounts.map((m) => [m.target, m]));
  return {
    readOnlyRoot: fs.readOnlyRoot,
    root: fs.mounts.map((m) => ({
      target: m.target,
      what: mountWhat(m),
      readOnly: m.type === "bind" ? Boolean(m.readOnly) : m.type !== "tmpfs",
      reasons: m.reasons,
    })),
    writable: plan.landlock.fs
      .filter((r) => r.access.includes("write"))
      .map((r) => {
        const m = mounts.get(r.path);
        const host = m?.type === "bind" && !m.readOnly;
        const layer = r.path === "/" && fs.writableLayer !== undefined;
        return {
          path: r.path,
          kind: host ? ("host" as const) : layer ? ("layer" as const) : ("private" as const),
          ...(host && m.source ? { source: m.source } : {}),
          reasons: m ? m.reasons : r.reasons,
        };
      }),
    writableLayer: fs.writableLayer ?? null,
    persistence: fs.persistence,
    masked: fs.maskedPaths.map((p) => p.path),
    readOnly: fs.readOnlyPaths.map((p) => p.path),
  };
}

export function networkSection(plan: Plan): AppAudit["network"] {
  const n = plan.network;
  return {
    mode: n.mode,
    description:
      n.mode === "none"
        ? "a private network namespace with loopback only"
        : n.mode === "private"
          ? `a private network namespace on a host bridge${(n.publish ?? []).length ? `, publishing ${(n.publish ?? []).map((p) => `${p.hostIp}:${p.hostPorts.join(",")}→${p.port}/${p.protocol}`).join(", ")}` : ""}; egress only to its connect list`
          : "the host's network: every interface of the host",
    listen: n.listen.map((p) => ({ port: p.port, protocol: p.protocol, reasons: p.reasons })),
    connect: n.connect.map((p) => ({ port: p.port, protocol: p.protocol, reasons: p.reasons })),
    landlock: {
      bind: plan.landlock.tcpBind.map((b) => b.port),
      connect: plan.landlock.tcpConnect.map((b) => b.port),
    },
    sysctls: n.sysctls,
  };
}

export function limitsSection(plan: Plan): AppAudit["limits"] {
  const c = plan.cgroup;
  return {
    memory: { max: c.memory.max, reasons: c.memory.reasons },
    swap: { max: c.memory.swapMax, reasons: c.memory.swapReasons },
    cpu: c.cpu
      ? {
          cores: c.cpu.quota / c.cpu.period,
          quota: c.cpu.quota,
          period: c.cpu.period,
          reasons: c.cpu.reasons,
        }
      : null,
    pids: { max: c.pids.max, reasons: c.pids.reasons },
    oomGroup: c.memory.oomGroup,
  };
}

export function processSection(plan: Plan): AppAudit["process"] {
  return {
    uid: plan.process.user.uid,
    gid: plan.process.user.gid,
    noNewPrivileges: plan.process.noNewPrivileges,
    namespaces: plan.namespaces,
    userNamespace: plan.userNamespace,
  };
}

function selinuxPlanned(plan: Plan): string {
  const se = plan.selinux;
  return `${se.processType} (files ${se.fileType}, ${se.level} with ${se.categories.count} categories per instance)`;
}

export function selinuxSection(plan: Plan): AppAudit["selinux"] {
  const se = plan.selinux;
  const part = plan.enforcement.find((e) => e.part === "selinux");
  const enforced = se.enforced && part?.enforced !== false;
  return {
    processType: se.processType,
    fileType: se.fileType,
    level: se.level,
    categories: se.categories.count,
    enforced,
    statement: `planned ${selinuxPlanned(plan)}, ${enforced ? "enforced on this host" : `NOT enforced on this host (${part?.detail ?? "SELinux does not enforce"})`}`,
  };
}

export function landlockSection(plan: Plan): AppAudit["landlock"] {
  const ll = plan.landlock;
  return {
    write: ll.fs.filter((r) => r.access.includes("write")).map((r) => r.path),
    execute: ll.fs.filter((r) => r.access.includes("execute")).map((r) => r.path),
    tcpBind: ll.tcpBind.map((b) => b.port),
    tcpConnect: ll.tcpConnect.map((b) => b.port),
  };
}

export function lifecycleSection(plan: Plan): AppAudit["lifecycle"] {
  const lc = plan.lifecycle;
  return {
    restart: lc.restart.policy,
    maxRetries: lc.restart.maxRetries,
    instances: lc.instances,
  };
}

const PART_LAYER: Record<Plan["enforcement"][number]["part"], string> = {
  "user-namespace": "user namespace",
  "landlock-fs": "Landlock filesystem",
  "landlock-net": "Landlock TCP",
  "landlock-scope": "Landlock scopes",
  memory: "memory limit",
  swap: "swap limit",
  cpu: "cpu limit",
  pids: "pids limit",
  selinux: "SELinux",
};

function partPlanned(plan: Plan, part: Plan["enforcement"][number]["part"]): string {
  const ll = landlockSection(plan);
  const c = plan.cgroup;
  switch (part) {
    case "user-namespace": {
      const m = plan.userNamespace?.uidMap[0];
      return m
        ? `ids ${m.inside}+${m.count} inside map to ${m.outside}+${m.count} outside`
        : "none";
    }
    case "landlock-fs":
      return `write: ${ll.write.join(", ") || "nowhere"}; execute: ${ll.execute.join(", ") || "nothing"}`;
    case "landlock-net":
      return `TCP bind: ${ll.tcpBind.join(", ") || "none"}; connect: ${ll.tcpConnect.join(", ") || "none"}`;
    case "landlock-scope":
      return plan.landlock.scope
        .map((s) =>
          s === "abstract-unix" ? "no abstract unix sockets outside" : "no signals outside",
        )
        .join("; ");
    case "memory":
      return `memory.max ${formatSize(c.memory.max)}${c.memory.oomGroup ? ", out of memory ends the whole app" : ""}`;
    case "swap":
      return c.memory.swapMax === 0 ? "no swap" : `swap ${formatSize(c.memory.swapMax)}`;
    case "cpu":
      return c.cpu ? `${c.cpu.quota / c.cpu.period} cores` : "unlimited";
    case "pids":
      return `pids.max ${c.pids.max}`;
    case "selinux":
      return selinuxPlanned(plan);
  }
}

/** What THIS host enforces of the plan: the plan's enforcement parts (decided for this host's
 * facts), and the layers the launcher always applies where it runs at all. */
export function enforcementSection(plan: Plan, host: HostFacts, allowed: number): Enforcement[] {
  const seccompOk = host.libseccomp !== null;
  const out: Enforcement[] = [
    {
      layer: "seccomp",
      planned: `${allowed} syscalls allowed; others: ${plan.seccomp.defaultAction.action === "errno" ? `errno ${plan.seccomp.defaultAction.errno ?? "EPERM"}` : plan.seccomp.defaultAction.action}; other ABIs: ${plan.seccomp.badArchAction}`,
      enforced: seccompOk,
      bestEffort: false,
      detail: seccompOk
        ? `libseccomp ${host.libseccomp ?? ""}`
        : "libseccomp unknown: the native layer is not built, run refuses",
    },
    {
      layer: "capabilities",
      planned: `${plan.capabilities.keep.length} kept, ${plan.capabilities.drop.length} dropped from every set`,
      enforced: true,
      bestEffort: false,
      detail: "bounding, effective, permitted, inheritable and ambient sets; securebits locked",
    },
    {
      layer: "no_new_privs",
      planned: "setuid and file capabilities do not elevate",
      enforced: plan.process.noNewPrivileges,
      bestEffort: false,
      detail: "always",
    },
    {
      layer: "namespaces",
      planned: plan.namespaces.join(", "),
      enforced: true,
      bestEffort: false,
      detail: "always",
    },
  ];
  for (const e of plan.enforcement)
    out.push({
      layer: PART_LAYER[e.part],
      planned: partPlanned(plan, e.part),
      enforced: e.enforced,
      bestEffort: e.bestEffort,
      detail: e.detail,
    });
  return out;
}

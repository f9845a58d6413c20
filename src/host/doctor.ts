/** What this host can enforce, and what secure-run needs, in one report. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { paths } from "../paths.cjs";
import { launcherBuilt } from "../native/launcher.js";
import { loadNative } from "../native/seccomp.js";
import { cgroupHierarchies, type CgroupHierarchy } from "./cgroups.js";
import { hostFacts, type HostFacts } from "./facts.js";
import { probeImageRoot } from "./image-root.cjs";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorReport {
  facts: HostFacts;
  checks: Check[];
}

function seccompMode(): string | undefined {
  try {
    return /^Seccomp:\s*(\d)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/** The SELinux label this process runs with (what a rootless launch keeps), if any. */
function inheritedLabel(): string | undefined {
  try {
    return readFileSync("/proc/self/attr/current", "utf8").replace(/\0/g, "").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A caller other than root: what its launches get, what not, why, and how to get it. */
export function rootlessChecks(
  facts: HostFacts,
  hierarchies: readonly CgroupHierarchy[],
  label: string | undefined,
): Check[] {
  const u = facts.userns;
  const range = Boolean(u.newuidmap && u.newgidmap && u.subuid && u.subgid);
  const cg = facts.cgroup;
  const v2 = hierarchies.find((h) => h.version === 2);
  const delegated = cg.version === 2 && cg.writable;
  const hint = "systemd-run --user --scope -p Delegate=yes secure-run run APP";
  return [
    {
      name: "caller",
      ok: true,
      detail: `uid ${u.callerUid}, gid ${u.callerGid}: not root, launches are rootless (no setuid helper of secure-run's)`,
    },
    {
      name: "rootless id map",
      ok: range,
      detail: range
        ? `a full range: the app's ids map to yours, the others to /etc/subuid ${u.subuid?.start}+${u.subuid?.count} and /etc/subgid ${u.subgid?.start}+${u.subgid?.count} (newuidmap, newgidmap)`
        : `a single id: the app's uid and gid map to yours (${u.callerUid}, ${u.callerGid}), every other id inside is unmapped; a full range needs ${[
            ...(u.newuidmap && u.newgidmap ? [] : ["newuidmap and newgidmap (package uidmap)"]),
            ...(u.subuid && u.subgid ? [] : ["your ranges in /etc/subuid and /etc/subgid"]),
          ].join(" and ")}`,
    },
    {
      name: "rootless limits",
      ok: delegated,
      detail: delegated
        ? `enforced: your cgroup ${v2?.ownDir ?? ""} is delegated to you (${cg.available.join(", ") || "no controllers"})`
        : cg.version === 1
          ? `not enforced: cgroup v1 is never delegated to users (memory, pids, cpu); run refuses unless the app accepts them in bestEffort; on a cgroup v2 host: ${hint}`
          : `not enforced: your cgroup${v2 ? ` ${v2.ownDir}` : ""} is not delegated to you (it, cgroup.procs and cgroup.subtree_control must be yours); run refuses unless the app accepts them in bestEffort; get one with: ${hint}`,
    },
    {
      name: "SELinux",
      ok: false,
      detail: `${facts.selinux}; a rootless launch keeps the label it inherits${label ? ` (${label})` : ""}: no container_t, no categories, nothing relabelled`,
    },
  ];
}

/** The host's checks. `tools: false` leaves out the tools that only some commands use (opa, for
 * `review --policy`): an audit report shows what the host enforces, and asking a tool for its
 * version starts a process. */
/** What `network.mode: private` needs here (docs/network.md): root, the CNI plugins (portmap
 * drives iptables); a rootless caller, pasta and a /dev/net/tun it may open; both, nft. */
export function privateNetworkCheck(root: boolean): { ok: boolean; detail: string } {
  const missing: string[] = [];
  const cni = ["bridge", "host-local", "portmap", "firewall", "tuning"];
  if (root) {
    const gone = cni.filter(
      (p) => !["/usr/lib/cni", "/opt/cni/bin"].some((d) => existsSync(`${d}/${p}`)),
    );
    if (gone.length) missing.push(`CNI plugins ${gone.join(", ")} (containernetworking-plugins)`);
    if (!existsSync("/usr/sbin/iptables")) missing.push("iptables (iptables)");
  } else {
    if (!existsSync("/usr/bin/pasta")) missing.push("pasta (passt)");
    try {
      if ((statSync("/dev/net/tun").mode & 0o006) !== 0o006)
        missing.push("/dev/net/tun open to users (Debian's udev makes it 0666)");
    } catch {
      missing.push("/dev/net/tun");
    }
  }
  if (!existsSync("/usr/sbin/nft")) missing.push("nft (nftables)");
  if (missing.length) return { ok: false, detail: `not available: missing ${missing.join("; ")}` };
  return {
    ok: true,
    detail: root
      ? "CNI (bridge, host-local, portmap, firewall, tuning) and nftables egress rules"
      : "pasta and nftables egress rules",
  };
}

export function doctor(options: { tools?: boolean } = {}): DoctorReport {
  const facts = hostFacts();
  const native = loadNative({ optional: true });
  const nf = native?.hostFacts();
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string): void => {
    checks.push({ name, ok, detail });
  };
  add("kernel", true, `${facts.kernel} (${facts.arch})`);
  add(
    "native layer",
    Boolean(native) && launcherBuilt(),
    native ? `built (${paths.nativeBuild})` : "not built: npm run build",
  );
  add("libseccomp", Boolean(nf), nf ? nf.libseccomp : "unknown (native layer not built)");
  add(
    "seccomp",
    seccompMode() !== undefined,
    seccompMode() !== undefined
      ? `filters supported; actions: ${nf?.seccompActions.join(", ") ?? "?"}`
      : "the kernel has no seccomp",
  );
  add(
    "seccomp user notification",
    Boolean(nf?.userNotification),
    nf?.userNotification ? "available (run --explain)" : "not available: --explain cannot work",
  );
  add(
    "user namespaces",
    facts.userns.available,
    facts.userns.available
      ? `available; ${facts.userns.callerUid === 0 ? `root inside maps to ${facts.userns.subuid ? `/etc/subuid ${facts.userns.subuid.start}+${facts.userns.subuid.count}` : "100000+65536 (no /etc/subuid entry)"}` : `the app's id maps to uid ${facts.userns.callerUid}`}`
      : "not available to this user",
  );
  const hier = cgroupHierarchies();
  add(
    "cgroups",
    facts.cgroup.version > 0 && facts.cgroup.writable,
    `${facts.cgroup.version > 0 ? `v${facts.cgroup.version}` : "none usable"}: ${facts.cgroup.available.join(", ") || "no controllers"}${facts.cgroup.writable ? "" : " (not writable by this user)"}; hierarchies: ${hier.map((h) => `v${h.version} ${h.controllers.join(",") || "-"} at ${h.ownDir}`).join("; ")}`,
  );
  const imageRoot = probeImageRoot(facts.imageRoot);
  add(
    "image roots",
    true,
    `${imageRoot.mode === "overlay" ? "an overlay of the image's layers (read-only, or under the app's writable layer)" : "a read-only bind of the image's layers applied into one directory (hard links to the shared layers, made on first use)"}: ${imageRoot.why} (gzip and uncompressed layers)`,
  );
  add(
    "swap",
    true,
    facts.swap.total > 0
      ? `${Math.round(facts.swap.total / 2 ** 20)} MiB, accounting ${facts.swap.accounting ? "on" : "off"}`
      : "none on this host",
  );
  add(
    "Landlock",
    (facts.landlock.abi ?? 0) > 0,
    facts.landlock.abi
      ? `ABI ${facts.landlock.abi}${facts.landlock.abi < 4 ? " (no TCP rules: they need ABI 4)" : ""}`
      : "not available",
  );
  const net = privateNetworkCheck(facts.userns.callerUid === 0);
  add("private networks", net.ok, net.detail);
  if (facts.userns.callerUid === 0) add("SELinux", facts.selinux === "enforcing", facts.selinux);
  else checks.push(...rootlessChecks(facts, hier, inheritedLabel()));
  if (options.tools !== false) {
    const opa = spawnSync("opa", ["version"], { encoding: "utf8" });
    add(
      "opa on PATH (review --policy)",
      opa.status === 0,
      opa.status === 0 ? (opa.stdout.split("\n")[0] ?? "") : "not found",
    );
  }
  return { facts, checks };
}

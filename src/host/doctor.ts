/** What this host can enforce, and what secure-run needs, in one report. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { paths } from "../paths.cjs";
import { launcherBuilt } from "../native/launcher.js";
import { loadNative } from "../native/seccomp.js";
import { cgroupHierarchies } from "./cgroups.js";
import { hostFacts, type HostFacts } from "./facts.js";

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

export function doctor(): DoctorReport {
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
  add("SELinux", facts.selinux === "enforcing", facts.selinux);
  const opa = spawnSync("opa", ["version"], { encoding: "utf8" });
  add(
    "opa on PATH (review --policy)",
    opa.status === 0,
    opa.status === 0 ? (opa.stdout.split("\n")[0] ?? "") : "not found",
  );
  return { facts, checks };
}

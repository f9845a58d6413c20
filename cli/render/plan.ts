/** A plan, readably: what the app may do, and why. */
import type { Persistence, Plan, Reason } from "../../src/plan/types.js";
import { formatSize } from "../../src/documents/units.js";
import type { Style } from "./style.js";

export function formatReason(r: Reason): string {
  if (r.kind === "profile") return `profile ${r.ref}`;
  if (r.kind === "field") return r.ref;
  if (r.kind === "image") return `${r.ref} from the image`;
  return `rule ${r.ref}`;
}

function reasons(rs: Reason[]): string {
  return rs.map(formatReason).join(", ");
}

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function wrapList(items: string[], indent: string, width = 88): string {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line && line.length + item.length + 2 > width - indent.length) {
      lines.push(line + ",");
      line = item;
    } else line = line ? `${line}, ${item}` : item;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

export function renderPlan(plan: Plan, source: string, s: Style): string {
  const out: string[] = [];
  const row = (label: string, value: string): void => {
    out.push(`  ${s.bold(label.padEnd(14))}${value}`);
  };
  const p = plan.process;
  out.push(`${s.bold(`Plan for ${plan.name}`)} ${s.dim(`(${source})`)}`);
  // A script argument shows its first line; `plan --json` has all of it.
  const shown = p.args.map((a) => {
    const lines = a.trimEnd().split("\n");
    return lines.length > 1
      ? `${quoteArg(`${lines[0] ?? ""} …`)} ${s.dim(`(${lines.length} lines)`)}`
      : quoteArg(a);
  });
  const fromImage = (field: string): string =>
    plan.image?.fields.includes(field) ? ` ${s.dim("(from the image)")}` : "";
  if (plan.image) row("image", `${plan.image.ref} ${s.dim(`(${plan.image.id})`)}`);
  row("command", shown.join(" ") + fromImage("command"));
  row(
    "user",
    `uid ${p.user.uid}, gid ${p.user.gid}${p.user.groups.length ? `, groups ${p.user.groups.join(",")}` : ""} ${s.dim(`(${reasons(p.user.reasons)})`)}`,
  );
  row("workdir", p.cwd + fromImage("workdir"));
  row("environment", p.env.map((e) => e.split("=")[0]).join(", ") + fromImage("env"));
  row("hostname", plan.hostname);
  row("namespaces", plan.namespaces.join(", "));
  row(
    "network",
    plan.network.mode === "none"
      ? "none: a private network namespace with loopback only"
      : plan.network.mode === "private"
        ? plan.rootless
          ? "private: a network namespace of its own, through pasta; egress only to connect"
          : `private: a network namespace of its own on bridge ${plan.network.bridge?.name ?? "?"} (${plan.network.bridge?.subnet ?? "?"}, CNI); egress only to connect`
        : "host: the host's network",
  );
  const ports = (list: Plan["network"]["listen"]): string =>
    list
      .map(
        (l) =>
          `${l.to ? `${l.to}:` : ""}${l.port}/${l.protocol} ${s.dim(`(${reasons(l.reasons)})`)}`,
      )
      .join(", ") || "none";
  for (const pub of plan.network.publish ?? [])
    row(
      "publish",
      `${pub.hostIp}:${pub.hostPorts.join(",")} → ${pub.port}/${pub.protocol}${pub.hostPorts.length > 1 ? " (one host port per instance)" : ""} ${s.dim(`(${reasons(pub.reasons)})`)}`,
    );
  if (plan.network.listen.length > 0) row("listen", ports(plan.network.listen));
  if (plan.network.connect.length > 0) row("connect", ports(plan.network.connect));
  const keep = plan.capabilities.keep;
  row(
    "capabilities",
    keep.length === 0
      ? `none kept (all ${plan.capabilities.drop.length} dropped from every set)`
      : `keep ${keep.map((k) => `${k.name} ${s.dim(`(${reasons(k.reasons)})`)}`).join(", ")}; ${plan.capabilities.drop.length} dropped`,
  );
  for (const r of plan.capabilities.refused) {
    out.push(
      `                ${s.red(`not kept: ${r.name}`)} ${s.dim(`(${reasons(r.reasons)}: ${r.why})`)}`,
    );
  }
  row(
    "privileges",
    p.noNewPrivileges
      ? "no_new_privs (setuid and file capabilities do not elevate)"
      : "may elevate",
  );
  const mem = plan.cgroup.memory;
  const pids = plan.cgroup.pids;
  const cpu = plan.cgroup.cpu;
  row(
    "limits",
    [
      `memory ${formatSize(mem.max)} ${s.dim(`(${reasons(mem.reasons)})`)}`,
      `swap ${mem.swapMax === 0 ? "none" : formatSize(mem.swapMax)}`,
      cpu
        ? `cpu ${String(cpu.quota / cpu.period)} cores ${s.dim(`(${reasons(cpu.reasons)})`)}`
        : "cpu unlimited",
      `pids ${pids.max} ${s.dim(`(${reasons(pids.reasons)})`)}`,
    ].join(", ") + (mem.oomGroup ? "; out of memory ends the whole app" : ""),
  );
  row("rlimits", p.rlimits.map((r) => `${r.type} ${r.soft}/${r.hard}`).join(", "));
  const lc = plan.lifecycle;
  row(
    "lifecycle",
    `restart ${lc.restart.policy}${lc.restart.policy !== "no" ? ` (${lc.restart.maxRetries < 0 ? "no limit" : `at most ${lc.restart.maxRetries}`})` : ""}, ${lc.instances} instance${lc.instances === 1 ? "" : "s"}`,
  );
  const imageLayers = plan.filesystem.imageLayers?.layers.length;
  out.push(
    `  ${s.bold("filesystem")}    ${plan.filesystem.readOnlyRoot ? (imageLayers ? `a new, read-only root: an overlay of the image's ${imageLayers} layers;` : "a new, read-only root:") : plan.filesystem.writableLayer ? `a new root, writable through a layer of its own (overlay, noexec) over ${imageLayers ? `the image's ${imageLayers} layers` : (plan.filesystem.writableLayer.lower ?? "an empty directory")}:` : "a new root:"}`,
  );
  for (const m of plan.filesystem.mounts) {
    let what: string;
    switch (m.type) {
      case "bind":
        what = `${m.fromImage ? "image" : m.source === m.target ? "host" : `host ${m.source ?? ""} →`} ${m.readOnly ? "read-only" : "writable"}${m.optional ? ", if present" : ""}`;
        break;
      case "tmpfs":
        what = `tmpfs ${formatSize(m.size ?? 0)}, writable`;
        break;
      case "proc":
        what = "a new proc (this sandbox's processes only)";
        break;
      case "dev":
        what = "minimal: null, zero, full, random, urandom, tty, a private pts";
        break;
      case "symlink":
        what = `→ ${m.linkTo ?? ""}`;
        break;
    }
    out.push(`                  ${m.target.padEnd(22)} ${what}`);
  }
  out.push(
    wrapList(
      ["masked:", ...plan.filesystem.maskedPaths.map((m) => m.path)],
      "                ",
    ).replace("masked:,", "masked:"),
  );
  out.push(
    wrapList(
      ["read-only:", ...plan.filesystem.readOnlyPaths.map((m) => m.path)],
      "                ",
    ).replace("read-only:,", "read-only:"),
  );
  out.push("                what the app writes:");
  if (!plan.filesystem.writableLayer)
    out.push(`                  ${"/".padEnd(22)} read-only root: nothing written there`);
  for (const p of plan.filesystem.persistence)
    out.push(
      `                  ${p.path.padEnd(22)} ${persistenceText(p)} ${s.dim(`(${reasons(p.reasons)})`)}`,
    );
  const ll = plan.landlock;
  const fsRules = ll.fs.filter((r) => r.access.some((a) => a !== "read"));
  row("landlock", "read everything in the view; only these may be written or run:");
  out.push(
    `                write: ${
      fsRules
        .filter((r) => r.access.includes("write"))
        .map((r) => r.path)
        .join(", ") || "nowhere"
    }`,
  );
  out.push(
    `                execute: ${
      fsRules
        .filter((r) => r.access.includes("execute"))
        .map((r) => r.path)
        .join(", ") || "nothing"
    }`,
  );
  out.push(
    `                TCP bind: ${ll.tcpBind.map((b) => b.port).join(", ") || "none"}; TCP connect: ${ll.tcpConnect.map((b) => b.port).join(", ") || "none"}`,
  );
  const se = plan.selinux;
  row(
    "selinux",
    `${se.processType}, files ${se.fileType}, ${se.level} with 2 categories per instance${se.enforced ? "" : s.dim(" (not enforced here)")}`,
  );
  if (plan.network.sysctls.length > 0)
    row("sysctls", plan.network.sysctls.map((x) => `${x.name}=${x.value}`).join(", "));
  const sc = plan.seccomp;
  const allowed = [...new Set(sc.syscalls.filter((r) => r.action === "allow").map((r) => r.name))];
  const refused = sc.syscalls.filter((r) => r.action === "errno" && !r.args).map((r) => r.name);
  const conditional = [...new Set(sc.syscalls.filter((r) => r.args).map((r) => r.name))];
  const def =
    sc.defaultAction.action === "errno"
      ? `fail with ${sc.defaultAction.errno ?? ""}`
      : sc.defaultAction.action;
  row(
    "seccomp",
    `${allowed.length} syscalls allowed on ${sc.architectures.join(", ")}; ${refused.length} dangerous ones fail with EPERM; any other: ${def}; other ABIs: ${sc.badArchAction}`,
  );
  out.push(
    `                profiles: ${sc.profiles.map((pr) => `${pr.name} ${s.dim(`(${reasons(pr.reasons)})`)}`).join(", ")}`,
  );
  if (conditional.length > 0)
    out.push(`                with argument rules: ${conditional.join(", ")}`);
  const extra = sc.syscalls.filter((r) =>
    r.reasons.some((x) => x.kind === "field" && x.ref.startsWith("syscalls.allow")),
  );
  if (extra.length > 0)
    out.push(
      `                added by the app: ${[...new Set(extra.map((r) => r.name))].join(", ")}`,
    );
  if (sc.removed.length > 0)
    out.push(`                removed: ${sc.removed.map((r) => r.name).join(", ")}`);
  out.push(wrapList(allowed, "                "));
  for (const n of plan.notices) out.push(s.yellow(`  notice: ${n}`));
  return out.join("\n");
}

/** Where a place's writes go and how long they stay, in words. */
export function persistenceText(p: Persistence): string {
  switch (p.kind) {
    case "layer":
      return "the writable layer: kept per instance until `rm` (a foreground run's: until it ends)";
    case "volume":
      return `volume ${p.source ?? ""}: always kept, also after \`rm\``;
    case "tmpfs":
      return "tmpfs: lost at every stop";
  }
}

/** A plan, readably: what the app may do, and why. */
import type { Plan, Reason } from "../../src/plan/types.js";
import { formatSize } from "../../src/appspec/units.js";
import type { Style } from "./style.js";

export function formatReason(r: Reason): string {
  if (r.kind === "profile") return `profile ${r.ref}`;
  if (r.kind === "field") return r.ref;
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
  row("command", p.args.map(quoteArg).join(" ").replace(/\n/g, "\\n"));
  row(
    "user",
    `uid ${p.user.uid}, gid ${p.user.gid}${p.user.groups.length ? `, groups ${p.user.groups.join(",")}` : ""} ${s.dim(`(${reasons(p.user.reasons)})`)}`,
  );
  row("workdir", p.cwd);
  row("environment", p.env.map((e) => e.split("=")[0]).join(", "));
  row("hostname", plan.hostname);
  row("namespaces", plan.namespaces.join(", "));
  row(
    "network",
    plan.network.mode === "none"
      ? "none: a private network namespace with loopback only"
      : "host: the host's network",
  );
  if (plan.network.listen.length > 0) {
    row(
      "listen",
      plan.network.listen
        .map((l) => `${l.port}/${l.protocol} ${s.dim(`(${reasons(l.reasons)})`)}`)
        .join(", "),
    );
  }
  if (plan.landlock) {
    const ports = plan.landlock.tcpBind.map((b) => b.port);
    row("tcp bind", ports.length ? `only ${ports.join(", ")} (Landlock)` : "none (Landlock)");
  }
  const keep = plan.capabilities.keep;
  row(
    "capabilities",
    keep.length === 0
      ? `none kept (all ${plan.capabilities.drop.length} dropped from every set)`
      : `keep ${keep.map((k) => `${k.name} ${s.dim(`(${reasons(k.reasons)})`)}`).join(", ")}; ${plan.capabilities.drop.length} dropped`,
  );
  row(
    "privileges",
    p.noNewPrivileges
      ? "no_new_privs (setuid and file capabilities do not elevate)"
      : "may elevate",
  );
  const mem = plan.cgroup.memory;
  const pids = plan.cgroup.pids;
  row(
    "limits",
    `memory ${formatSize(mem.max)} ${s.dim(`(${reasons(mem.reasons)})`)}, swap ${formatSize(mem.swapMax) === "0 B" ? "none" : formatSize(mem.swapMax)}, pids ${pids.max} ${s.dim(`(${reasons(pids.reasons)})`)}`,
  );
  row("rlimits", p.rlimits.map((r) => `${r.type} ${r.soft}/${r.hard}`).join(", "));
  out.push(
    `  ${s.bold("filesystem")}    ${plan.filesystem.readOnlyRoot ? "a new, read-only root:" : "a new root:"}`,
  );
  for (const m of plan.filesystem.mounts) {
    let what: string;
    switch (m.type) {
      case "bind":
        what = `${m.source === m.target ? "host" : `host ${m.source ?? ""} →`} ${m.readOnly ? "read-only" : "writable"}${m.optional ? ", if present" : ""}`;
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
  const sc = plan.seccomp;
  const def =
    sc.defaultAction.action === "errno"
      ? `fail with ${sc.defaultAction.errno ?? ""}`
      : sc.defaultAction.action;
  row(
    "seccomp",
    `${sc.syscalls.length} syscalls allowed on ${sc.architectures.join(", ")}; any other syscall: ${def}; other ABIs: ${sc.badArchAction}`,
  );
  out.push(
    `                profiles: ${sc.profiles.map((pr) => `${pr.name} ${s.dim(`(${reasons(pr.reasons)})`)}`).join(", ")}`,
  );
  const extra = sc.syscalls.filter((r) => r.reasons.some((x) => x.kind === "field"));
  if (extra.length > 0)
    out.push(`                added by the app: ${extra.map((r) => r.name).join(", ")}`);
  if (sc.removed.length > 0)
    out.push(`                removed by the app: ${sc.removed.map((r) => r.name).join(", ")}`);
  out.push(
    wrapList(
      sc.syscalls.map((r) => r.name),
      "                ",
    ),
  );
  for (const n of plan.notices) out.push(s.yellow(`  notice: ${n}`));
  return out.join("\n");
}

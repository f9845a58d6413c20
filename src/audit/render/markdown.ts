/** The audit as Markdown for a pull-request comment: headings, tables, long lists folded in
 * <details>. */
import type { AppAudit, AuditReport } from "../types.js";
import {
  baselineLine,
  groupRisk,
  limitsText,
  plural,
  points,
  portsText,
  reasonsText,
  riskCounts,
  size,
  syscallCounts,
  userNamespaceText,
  persistenceLine,
} from "./common.js";

/** Text for a table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Inline code in a table cell (pipes escaped: GitHub splits cells before code spans). */
const code = (text: string): string => (text ? `\`${cell(text)}\`` : "");

function table(header: string[], rows: string[][], align?: string[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${(align ?? header.map(() => "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function details(summary: string, body: string[], open = false): string[] {
  return [
    `<details${open ? " open" : ""}><summary>${summary}</summary>`,
    "",
    ...body,
    "",
    "</details>",
  ];
}

const riskIcon = { high: "🔴 high", medium: "🟠 medium", low: "🟢 low" } as const;

function syscallRows(app: AppAudit, all: string[]): string[][] {
  return app.syscalls.map((s) => [
    riskIcon[s.risk],
    code(s.name),
    cell(s.groups.join(", ")),
    cell(s.why),
    code(s.condition) || "any arguments",
    cell(reasonsText(s.reasons)),
    ...(all.length > 1 ? [cell(s.arches.join(", "))] : []),
  ]);
}

function scoreLine(value: number): string {
  const icon = value >= 6 ? "🔴" : value >= 3 ? "🟠" : "🟢";
  return `${icon} **Exposure score: ${value} / 10** (10 = most exposed)`;
}

function appMarkdown(app: AppAudit, report: AuditReport): string[] {
  const out: string[] = [
    `### ${cell(app.name)} (\`${cell(app.file)}\`)`,
    "",
    scoreLine(app.score.value),
    "",
  ];
  out.push(
    ...table(
      ["Factor", "Points", "Detail"],
      app.score.factors.map((f) => [cell(f.label), points(f.points), cell(f.detail)]),
      ["---", "---:", "---"],
    ),
    "",
  );
  const r = riskCounts(app);
  out.push(
    ...table(
      ["What", "Count"],
      [
        ...app.counts.syscalls.map((c) => [
          `syscalls allowed on ${c.arch}`,
          `${c.allowed} of ${c.total}`,
        ]),
        ["by risk", `${r.high} high, ${r.medium} medium, ${r.low} low`],
        ["capabilities kept", String(app.counts.capabilities)],
        ["ports bound", portsText(app.network.listen)],
        ["ports connected", portsText(app.network.connect)],
        [
          "writable paths",
          `${app.counts.writablePaths}: ${app.filesystem.writable.map((w) => code(w.path)).join(", ")}`,
        ],
        ["limits", `${app.counts.limits} of 4: ${limitsText(app)}`],
      ],
      ["---", "---"],
    ),
    "",
  );

  out.push("#### Compared with the baseline", "");
  if (app.baseline) {
    const b = app.baseline;
    out.push(`Baseline: \`${cell(b.label)}\`, read for Docker's default capabilities.`, "");
    out.push(
      ...table(
        [
          "Architecture",
          "Baseline allows",
          "This plan allows",
          "Both",
          "Only the baseline",
          "Only this plan",
        ],
        b.arches.map((a) => [
          a.arch,
          String(a.baselineAllowed),
          String(a.planAllowed),
          String(a.both),
          String(a.onlyBaseline.length),
          String(a.onlyPlan.length),
        ]),
        ["---", "---:", "---:", "---:", "---:", "---:"],
      ),
      "",
      `Capabilities: the baseline keeps ${b.capabilities.baseline.length}, this plan ${app.counts.capabilities}${b.capabilities.onlyPlan.length ? ` (only this plan: ${b.capabilities.onlyPlan.join(", ")})` : ""}.`,
      "",
    );
    for (const a of b.arches) {
      out.push(
        ...details(
          `${a.arch}: allowed by the baseline, not by this plan (${a.onlyBaseline.length})`,
          [a.onlyBaseline.map((n) => `\`${n}\``).join(", ") || "none"],
        ),
        "",
        ...details(`${a.arch}: allowed by this plan, not by the baseline (${a.onlyPlan.length})`, [
          a.onlyPlan.map((n) => `\`${n}\``).join(", ") || "none",
        ]),
        "",
      );
    }
    if (b.notes.length > 0)
      out.push(
        ...details(
          "Import notes",
          b.notes.map((n) => `- ${n}`),
        ),
        "",
      );
  } else out.push(`${baselineLine(report)}.`, "");

  out.push("#### Syscalls", "");
  out.push(
    `Allowed: ${syscallCounts(app)}. Any other: ${app.seccomp.defaultAction}; another ABI: ${app.seccomp.badArchAction}. Checked against the compiled filters with the simulator: ${app.seccomp.arches.map((a) => `${a.arch} ${a.checked.cases} cases`).join(", ")}, no disagreement.`,
    "",
  );
  for (const a of app.seccomp.arches) {
    if (a.absent.length > 0)
      out.push(`Not on ${a.arch}: ${a.absent.map((n) => `\`${n}\``).join(", ")}.`, "");
    if (a.leftOut.length > 0)
      out.push(
        `> ⚠️ Left out of the ${a.arch} filter by libseccomp, so refused there with the default action: ${a.leftOut.map((n) => `\`${n}\``).join(", ")}.`,
        "",
      );
  }
  out.push(
    ...table(
      ["Group", "High", "Medium", "Low"],
      groupRisk(app).map((g) => [
        code(g.group),
        String(g.counts.high),
        String(g.counts.medium),
        String(g.counts.low),
      ]),
      ["---", "---:", "---:", "---:"],
    ),
    "",
  );
  const header = [
    "Risk",
    "Syscall",
    "Group",
    "Why",
    "Allowed when",
    "Reasons",
    ...(report.architectures.length > 1 ? ["Architectures"] : []),
  ];
  const rows = syscallRows(app, report.architectures);
  const risky = rows.filter((_, i) => app.syscalls[i]?.risk !== "low");
  if (risky.length > 0)
    out.push(`High and medium risk (${risky.length}):`, "", ...table(header, risky), "");
  out.push(
    ...details(`All ${app.syscalls.length} allowed syscalls, high risk first`, table(header, rows)),
    "",
  );
  const sc = app.seccomp;
  if (sc.refused.length > 0)
    out.push(
      ...details(`Refused with ${sc.refused[0]?.verdict ?? ""} (${sc.refused.length})`, [
        sc.refused.map((x) => `\`${x.name}\``).join(", "),
      ]),
      "",
    );
  if (sc.removed.length > 0)
    out.push(
      `Removed: ${sc.removed.map((x) => `\`${x.name}\` (${cell(reasonsText(x.reasons))})`).join(", ")}.`,
      "",
    );
  out.push(
    ...table(
      ["Profile", "Kind", "Chosen because", "Description"],
      sc.profiles.map((p) => [
        code(p.name),
        p.kind,
        cell(reasonsText(p.reasons)),
        cell(p.description),
      ]),
    ),
    "",
  );

  out.push("#### Capabilities", "");
  const c = app.capabilities;
  if (c.keep.length === 0)
    out.push(`None kept: all ${c.dropped.length} dropped from every set.`, "");
  else
    out.push(
      ...table(
        ["Kept", "Dangerous", "Reasons"],
        c.keep.map((k) => [code(k.name), k.dangerous ? "yes" : "no", cell(reasonsText(k.reasons))]),
      ),
      "",
      `The ${c.dropped.length} others are dropped from every set.`,
      "",
    );
  if (c.refused.length > 0)
    out.push(
      ...table(
        ["Refused", "Why"],
        c.refused.map((x) => [code(x.name), cell(x.why)]),
      ),
      "",
    );

  out.push("#### Filesystem", "");
  const fs = app.filesystem;
  out.push(
    `${fs.readOnlyRoot ? "A new, read-only root." : "A new root."} Writable: ${fs.writable.map((w) => `${code(w.path)} (${w.kind === "host" ? `host ${cell(w.source ?? "")}` : w.kind === "layer" ? "writable layer" : "private"})`).join(", ") || "nothing"}. Persists: ${persistenceLine(fs.persistence) || "nothing"}.`,
    "",
    ...details(
      `Root view (${fs.root.length} entries)`,
      table(
        ["Path", "What", "Reasons"],
        fs.root.map((m) => [code(m.target), cell(m.what), cell(reasonsText(m.reasons))]),
      ),
    ),
    "",
    ...details(`Masked (${fs.masked.length}) and read-only (${fs.readOnly.length}) paths`, [
      `Masked: ${fs.masked.map((p) => `\`${p}\``).join(", ") || "none"}`,
      "",
      `Read-only: ${fs.readOnly.map((p) => `\`${p}\``).join(", ") || "none"}`,
    ]),
    "",
  );

  out.push("#### Network", "");
  const n = app.network;
  out.push(
    ...table(
      ["", ""],
      [
        ["mode", `${n.mode}: ${n.description}`],
        [
          "listen",
          cell(
            n.listen.map((p) => `${p.port}/${p.protocol} (${reasonsText(p.reasons)})`).join(", ") ||
              "none",
          ),
        ],
        [
          "connect",
          cell(
            n.connect
              .map((p) => `${p.port}/${p.protocol} (${reasonsText(p.reasons)})`)
              .join(", ") || "none",
          ),
        ],
        [
          "Landlock TCP",
          `bind ${n.landlock.bind.join(", ") || "none"}; connect ${n.landlock.connect.join(", ") || "none"}`,
        ],
        ["sysctls", cell(n.sysctls.map((x) => `${x.name}=${x.value}`).join(", ") || "none")],
      ],
    ),
    "",
  );

  out.push("#### Limits and isolation", "");
  const l = app.limits;
  out.push(
    ...table(
      ["", ""],
      [
        [
          "memory",
          `${size(l.memory.max)} (${cell(reasonsText(l.memory.reasons))})${l.oomGroup ? "; out of memory ends the whole app" : ""}`,
        ],
        ["swap", l.swap.max === 0 ? "none" : size(l.swap.max)],
        ["cpu", l.cpu ? `${l.cpu.cores} cores (${cell(reasonsText(l.cpu.reasons))})` : "unlimited"],
        ["pids", `${l.pids.max} (${cell(reasonsText(l.pids.reasons))})`],
        ["user", `uid ${app.process.uid}, gid ${app.process.gid}`],
        ["user namespace", userNamespaceText(app)],
        ["namespaces", app.process.namespaces.join(", ")],
        ["SELinux", cell(app.selinux.statement)],
        [
          "Landlock",
          cell(
            `write: ${app.landlock.write.join(", ") || "nowhere"}; execute: ${app.landlock.execute.join(", ") || "nothing"}`,
          ),
        ],
        [
          "lifecycle",
          `restart ${app.lifecycle.restart}, ${plural(app.lifecycle.instances, "instance")}`,
        ],
      ],
    ),
    "",
  );

  out.push(
    `#### What this host enforces (${report.host.arch}, kernel ${cell(report.host.kernel)})`,
    "",
  );
  out.push(
    ...table(
      ["Layer", "Planned", "On this host"],
      app.enforcement.map((e) => [
        cell(e.layer),
        cell(e.planned),
        e.enforced
          ? `✅ enforced (${cell(e.detail)})`
          : `❌ **NOT enforced** (${cell(e.detail)})${e.bestEffort ? ", accepted as best-effort" : ""}`,
      ]),
    ),
    "",
  );
  for (const x of app.notices) out.push(`> ⚠️ ${cell(x)}`, "");
  return out;
}

function comparisonMarkdown(report: AuditReport): string[] {
  const cmp = report.comparison;
  if (!cmp) return [];
  const out = ["### Side by side", ""];
  out.push(
    ...table(
      [
        "App",
        ...report.architectures.map((a) => `Syscalls ${a}`),
        "Capabilities",
        "Listen",
        "Connect",
        "Writable paths",
        "Score",
      ],
      cmp.rows.map((r) => [
        cell(r.name),
        ...r.syscalls.map((c) => `${c.allowed}/${c.total}`),
        String(r.capabilities),
        r.listen.join(", ") || "-",
        r.connect.join(", ") || "-",
        String(r.writablePaths),
        String(r.score),
      ]),
      ["---", ...report.architectures.map(() => "---:"), "---:", "---", "---", "---:", "---:"],
    ),
    "",
  );
  for (const d of cmp.differences)
    out.push(
      ...details(
        `Syscalls not allowed by every app on ${d.arch} (${d.syscalls.length})`,
        table(
          ["Syscall", "Allowed by"],
          d.syscalls.map((x) => [code(x.name), cell(x.allowedBy.join(", "))]),
        ),
      ),
      "",
    );
  return out;
}

export function renderAuditMarkdown(report: AuditReport): string {
  const worst = Math.max(...report.apps.map((a) => a.score.value));
  const out = [
    `## secure-run audit: ${report.apps.map((a) => cell(a.name)).join(", ")}`,
    "",
    `${plural(report.apps.length, "app")} on ${report.architectures.join(", ")}; highest exposure score ${worst} / 10. ${baselineLine(report)}.`,
    "",
  ];
  out.push(...comparisonMarkdown(report));
  for (const app of report.apps) out.push(...appMarkdown(app, report));
  out.push(
    ...details(
      "How the exposure score is computed",
      (report.apps[0]?.score.method ?? []).map((m) => `- ${m}`),
    ),
  );
  return `${out.join("\n")}\n`;
}

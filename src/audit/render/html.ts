/** The audit as one self-contained HTML page: inline CSS and script (allowed by hash in the page's
 * Content-Security-Policy, which also forbids every request), charts drawn as inline SVG by the
 * page's own script, tables readable without it, a print stylesheet. */
import { createHash } from "node:crypto";
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
import { AUDIT_SCRIPT } from "./html-script.js";
import { AUDIT_CSS } from "./html-style.js";

export function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const hash = (text: string): string =>
  `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

const code = (text: string): string => `<code>${esc(text)}</code>`;

/** A table; cells are HTML already (escape with esc). `num` marks right-aligned columns. */
function table(
  header: string[],
  rows: string[][],
  opts: { num?: number[]; id?: string; rowClass?: string[] } = {},
): string {
  const num = new Set(opts.num ?? []);
  const th = header.map((h, i) => `<th${num.has(i) ? ' class="num"' : ""}>${h}</th>`).join("");
  const body = rows
    .map(
      (r, j) =>
        `<tr${opts.rowClass?.[j] ? ` class="${opts.rowClass[j]}"` : ""}>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<table${opts.id ? ` id="${opts.id}"` : ""}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function details(summary: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summary}</summary>\n${body}\n</details>`;
}

const list = (names: readonly string[]): string => names.map((n) => code(n)).join(", ") || "none";

function chartData(report: AuditReport): object {
  return {
    apps: report.apps.map((a) => ({
      name: a.name,
      score: a.score.value,
      groups: groupRisk(a).map((g) => ({
        group: g.group.replace(/^.*\//, "").replace(/\.ya?ml$/, ""),
        ...g.counts,
      })),
      baseline: a.baseline
        ? {
            label: a.baseline.label,
            arches: a.baseline.arches.map((x) => ({
              arch: x.arch,
              both: x.both,
              onlyPlan: x.onlyPlan.length,
              onlyBaseline: x.onlyBaseline.length,
            })),
          }
        : null,
    })),
  };
}

function figure(caption: string, svg: string, legend = ""): string {
  return `<figure class="card"><figcaption>${caption}</figcaption>${svg}${legend}</figure>`;
}

function appSection(app: AppAudit, index: number, report: AuditReport): string {
  const out: string[] = [];
  const id = `app-${index}`;
  out.push(
    `<section class="app" id="${id}">`,
    `<h2>${esc(app.name)} <small>${esc(app.file)}</small></h2>`,
  );
  const r = riskCounts(app);
  const legendRisk = `<div class="legend"><span><i class="high"></i>high</span><span><i class="medium"></i>medium</span><span><i class="low"></i>low risk</span></div>`;
  const legendBase = app.baseline
    ? `<div class="legend"><span><i class="both"></i>allowed by both</span><span><i class="plan"></i>only this plan</span><span><i class="base"></i>only the baseline</span></div>`
    : "";
  out.push(
    '<div class="cards">',
    figure(
      "Exposure score",
      `<svg class="chart" data-chart="gauge" data-app="${index}" role="img" aria-label="exposure score ${app.score.value} of 10"></svg>`,
    ),
    figure(
      `Syscalls by group and risk (${r.high} high, ${r.medium} medium, ${r.low} low)`,
      `<svg class="chart" data-chart="groups" data-app="${index}" role="img" aria-label="allowed syscalls by group and risk"></svg>`,
      legendRisk,
    ),
    figure(
      app.baseline
        ? `This plan against ${esc(app.baseline.label)}`
        : "This plan against a baseline",
      `<svg class="chart" data-chart="baseline" data-app="${index}" role="img" aria-label="syscalls allowed by this plan and by the baseline"></svg>`,
      legendBase,
    ),
    "</div>",
  );
  out.push(
    "<h3>Exposure score</h3>",
    `<p><strong>${app.score.value} / 10</strong> (10 = most exposed). Each factor and what it adds:</p>`,
    table(
      ["Factor", "Points", "Detail"],
      app.score.factors.map((f) => [esc(f.label), points(f.points), esc(f.detail)]),
      { num: [1], rowClass: app.score.factors.map((f) => (f.points > 0 ? "" : "factor-zero")) },
    ),
  );
  out.push(
    "<h3>Summary</h3>",
    table(
      ["What", "Count"],
      [
        ...app.counts.syscalls.map((c) => [
          `syscalls allowed on ${esc(c.arch)}`,
          `${c.allowed} of ${c.total}`,
        ]),
        ["capabilities kept", String(app.counts.capabilities)],
        ["ports bound", esc(portsText(app.network.listen))],
        ["ports connected", esc(portsText(app.network.connect))],
        [
          "writable paths",
          `${app.counts.writablePaths}: ${list(app.filesystem.writable.map((w) => w.path))}`,
        ],
        ["limits", `${app.counts.limits} of 4: ${esc(limitsText(app))}`],
      ],
    ),
  );

  out.push("<h3>Compared with the baseline</h3>");
  if (app.baseline) {
    const b = app.baseline;
    out.push(
      `<p>Baseline ${code(b.label)}, read for Docker's default capabilities. Capabilities: the baseline keeps ${b.capabilities.baseline.length}, this plan ${app.counts.capabilities}${b.capabilities.onlyPlan.length ? ` (only this plan: ${list(b.capabilities.onlyPlan)})` : ""}.</p>`,
      table(
        [
          "Architecture",
          "Baseline allows",
          "This plan allows",
          "Both",
          "Only the baseline",
          "Only this plan",
        ],
        b.arches.map((a) => [
          esc(a.arch),
          String(a.baselineAllowed),
          String(a.planAllowed),
          String(a.both),
          String(a.onlyBaseline.length),
          String(a.onlyPlan.length),
        ]),
        { num: [1, 2, 3, 4, 5] },
      ),
    );
    for (const a of b.arches)
      out.push(
        details(
          `${esc(a.arch)}: allowed by the baseline, not by this plan (${a.onlyBaseline.length})`,
          `<p>${list(a.onlyBaseline)}</p>`,
        ),
        details(
          `${esc(a.arch)}: allowed by this plan, not by the baseline (${a.onlyPlan.length})`,
          `<p>${list(a.onlyPlan)}</p>`,
        ),
      );
    if (b.notes.length > 0)
      out.push(
        details("Import notes", `<ul>${b.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`),
      );
  } else out.push(`<p class="note">${esc(baselineLine(report))}.</p>`);

  const sc = app.seccomp;
  const tableId = `${id}-syscalls`;
  out.push(
    "<h3>Syscalls</h3>",
    `<p>Allowed: ${esc(syscallCounts(app))}. Any other: ${esc(sc.defaultAction)}; another ABI: ${esc(sc.badArchAction)}. Checked against the compiled filters with the simulator: ${esc(sc.arches.map((a) => `${a.arch} ${a.checked.cases} cases, ${a.checked.instructions} instructions`).join("; "))}; no disagreement.</p>`,
    `<p class="no-print"><input class="filter" type="search" placeholder="Filter syscalls…" aria-label="filter syscalls" data-table="${tableId}"></p>`,
    table(
      [
        "Risk",
        "Syscall",
        "Group",
        "Why",
        "Allowed when",
        "Reasons",
        ...(report.architectures.length > 1 ? ["Architectures"] : []),
      ],
      app.syscalls.map((s) => [
        `<span class="pill ${s.risk}">${s.risk}</span>`,
        code(s.name),
        esc(s.groups.join(", ")),
        esc(s.why),
        s.condition ? code(s.condition) : "any arguments",
        esc(reasonsText(s.reasons)),
        ...(report.architectures.length > 1 ? [esc(s.arches.join(", "))] : []),
      ]),
      { id: tableId, rowClass: app.syscalls.map((s) => `risk-${s.risk}`) },
    ),
  );
  for (const a of sc.arches) {
    if (a.absent.length > 0)
      out.push(`<p class="note">Not on ${esc(a.arch)}: ${list(a.absent)}.</p>`);
    if (a.leftOut.length > 0)
      out.push(
        `<p class="notice">Left out of the ${esc(a.arch)} filter by libseccomp, so refused there with the default action: ${list(a.leftOut)}.</p>`,
      );
  }
  if (sc.refused.length > 0)
    out.push(
      details(
        `Refused with ${esc(sc.refused[0]?.verdict ?? "")} (${sc.refused.length})`,
        `<p>${list(sc.refused.map((x) => x.name))}</p>`,
      ),
    );
  if (sc.removed.length > 0)
    out.push(
      `<p>Removed: ${sc.removed.map((x) => `${code(x.name)} (${esc(reasonsText(x.reasons))})`).join(", ")}.</p>`,
    );
  out.push(
    table(
      ["Profile", "Kind", "Chosen because", "Description"],
      sc.profiles.map((p) => [
        code(p.name),
        esc(p.kind),
        esc(reasonsText(p.reasons)),
        esc(p.description),
      ]),
    ),
  );

  const c = app.capabilities;
  out.push("<h3>Capabilities</h3>");
  if (c.keep.length === 0)
    out.push(`<p>None kept: all ${c.dropped.length} dropped from every set.</p>`);
  else
    out.push(
      table(
        ["Kept", "Dangerous", "Reasons"],
        c.keep.map((k) => [
          code(k.name),
          k.dangerous ? '<span class="not">yes</span>' : "no",
          esc(reasonsText(k.reasons)),
        ]),
      ),
      `<p>The ${c.dropped.length} others are dropped from every set.</p>`,
    );
  if (c.refused.length > 0)
    out.push(
      table(
        ["Refused", "Why"],
        c.refused.map((x) => [code(x.name), esc(x.why)]),
      ),
    );

  const fs = app.filesystem;
  out.push(
    "<h3>Filesystem</h3>",
    `<p>${fs.readOnlyRoot ? "A new, read-only root." : "A new root."} Writable: ${fs.writable.map((w) => `${code(w.path)} (${w.kind === "host" ? `host ${esc(w.source ?? "")}` : w.kind === "layer" ? "writable layer" : "private"})`).join(", ") || "nothing"}. Persists: ${persistenceLine(fs.persistence) || "nothing"}.</p>`,
    details(
      `Root view (${fs.root.length} entries)`,
      table(
        ["Path", "What", "Reasons"],
        fs.root.map((m) => [code(m.target), esc(m.what), esc(reasonsText(m.reasons))]),
      ),
    ),
    details(
      `Masked (${fs.masked.length}) and read-only (${fs.readOnly.length}) paths`,
      `<p>Masked: ${list(fs.masked)}</p><p>Read-only: ${list(fs.readOnly)}</p>`,
    ),
  );

  const n = app.network;
  const ports = (ps: AppAudit["network"]["listen"]): string =>
    esc(ps.map((p) => `${p.port}/${p.protocol} (${reasonsText(p.reasons)})`).join(", ") || "none");
  out.push(
    "<h3>Network</h3>",
    table(
      ["", ""],
      [
        ["mode", esc(`${n.mode}: ${n.description}`)],
        ["listen", ports(n.listen)],
        ["connect", ports(n.connect)],
        [
          "Landlock TCP",
          esc(
            `bind ${n.landlock.bind.join(", ") || "none"}; connect ${n.landlock.connect.join(", ") || "none"}`,
          ),
        ],
        ["sysctls", esc(n.sysctls.map((x) => `${x.name}=${x.value}`).join(", ") || "none")],
      ],
    ),
  );

  const l = app.limits;
  out.push(
    "<h3>Limits and isolation</h3>",
    table(
      ["", ""],
      [
        [
          "memory",
          esc(
            `${size(l.memory.max)} (${reasonsText(l.memory.reasons)})${l.oomGroup ? "; out of memory ends the whole app" : ""}`,
          ),
        ],
        ["swap", l.swap.max === 0 ? "none" : esc(size(l.swap.max))],
        ["cpu", l.cpu ? esc(`${l.cpu.cores} cores (${reasonsText(l.cpu.reasons)})`) : "unlimited"],
        ["pids", esc(`${l.pids.max} (${reasonsText(l.pids.reasons)})`)],
        ["user", `uid ${app.process.uid}, gid ${app.process.gid}`],
        ["user namespace", esc(userNamespaceText(app))],
        ["namespaces", esc(app.process.namespaces.join(", "))],
        ["SELinux", esc(app.selinux.statement)],
        [
          "Landlock",
          esc(
            `write: ${app.landlock.write.join(", ") || "nowhere"}; execute: ${app.landlock.execute.join(", ") || "nothing"}`,
          ),
        ],
        [
          "lifecycle",
          esc(`restart ${app.lifecycle.restart}, ${plural(app.lifecycle.instances, "instance")}`),
        ],
      ],
    ),
  );

  out.push(
    `<h3>What this host enforces (${esc(report.host.arch)}, kernel ${esc(report.host.kernel)})</h3>`,
    table(
      ["Layer", "Planned", "On this host"],
      app.enforcement.map((e) => [
        esc(e.layer),
        esc(e.planned),
        e.enforced
          ? `<span class="ok">enforced</span> (${esc(e.detail)})`
          : `<span class="not">NOT enforced</span> (${esc(e.detail)})${e.bestEffort ? ", accepted as best-effort" : ""}`,
      ]),
    ),
  );
  for (const x of app.notices) out.push(`<p class="notice">${esc(x)}</p>`);
  out.push("</section>");
  return out.join("\n");
}

function comparisonSection(report: AuditReport): string {
  const cmp = report.comparison;
  if (!cmp) return "";
  const out = [
    '<section class="comparison">',
    "<h2>Side by side</h2>",
    '<div class="cards">',
    figure(
      "Exposure score by app",
      '<svg class="chart" data-chart="scores" role="img" aria-label="exposure score by app"></svg>',
    ),
    "</div>",
    table(
      [
        "App",
        ...report.architectures.map((a) => `Syscalls ${esc(a)}`),
        "Capabilities",
        "Listen",
        "Connect",
        "Writable paths",
        "Score",
      ],
      cmp.rows.map((r) => [
        `<a href="#app-${cmp.rows.indexOf(r)}">${esc(r.name)}</a>`,
        ...r.syscalls.map((c) => `${c.allowed}/${c.total}`),
        String(r.capabilities),
        esc(r.listen.join(", ") || "-"),
        esc(r.connect.join(", ") || "-"),
        String(r.writablePaths),
        String(r.score),
      ]),
      {
        num: [
          ...report.architectures.map((_, i) => i + 1),
          report.architectures.length + 1,
          report.architectures.length + 4,
          report.architectures.length + 5,
        ],
      },
    ),
  ];
  for (const d of cmp.differences)
    out.push(
      details(
        `Syscalls not allowed by every app on ${esc(d.arch)} (${d.syscalls.length})`,
        table(
          ["Syscall", "Allowed by"],
          d.syscalls.map((x) => [code(x.name), esc(x.allowedBy.join(", "))]),
        ),
      ),
    );
  out.push("</section>");
  return out.join("\n");
}

function hostChecks(report: AuditReport): string {
  const checks = report.host.checks;
  if (!checks) return "";
  return `<section class="host"><h2>This host (secure-run doctor)</h2>${table(
    ["Check", "", "Detail"],
    checks.map((c) => [
      esc(c.name),
      c.ok ? '<span class="ok">ok</span>' : '<span class="not">no</span>',
      esc(c.detail),
    ]),
  )}</section>`;
}

export function renderAuditHtml(report: AuditReport): string {
  const title = `secure-run audit: ${report.apps.map((a) => a.name).join(", ")}`;
  const csp = `default-src 'none'; style-src ${hash(AUDIT_CSS)}; script-src ${hash(AUDIT_SCRIPT)}; img-src data:`;
  const method = (report.apps[0]?.score.method ?? []).map((m) => `<li>${esc(m)}</li>`).join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${AUDIT_CSS}</style>
</head>
<body>
<header class="page">
<h1>${esc(title)}</h1>
<p>${esc(`${plural(report.apps.length, "app")} on ${report.architectures.join(", ")}; host ${report.host.arch}, kernel ${report.host.kernel}; ${baselineLine(report)}; secure-run ${report.tool.version}`)}</p>
</header>
<main>
${comparisonSection(report)}
${report.apps.map((a, i) => appSection(a, i, report)).join("\n")}
${hostChecks(report)}
<section class="method">
<h2>How the exposure score is computed</h2>
<ul>${method}</ul>
</section>
</main>
<script type="application/json" id="audit-data">${scriptJson(chartData(report))}</script>
<script>${AUDIT_SCRIPT}</script>
</body>
</html>
`;
}

/** Rendering instances: tables, --format templates, sizes and ages. */
import { InputError } from "../../src/errors.js";
import type { PsEntry, Stats } from "../../src/instances/index.js";

/** 1.5MiB, 512KiB, 10B: human sizes (binary units), as docker shows them. */
export function humanSize(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  if (n < 0) return "unlimited";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)}${units[i]}`;
}

/** "5 seconds ago", "3 minutes ago", "2 hours ago", "4 days ago". */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const [n, unit] =
    s < 60
      ? [s, "second"]
      : s < 3600
        ? [Math.floor(s / 60), "minute"]
        : s < 86400
          ? [Math.floor(s / 3600), "hour"]
          : [Math.floor(s / 86400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

/** Columns padded to their widest cell; the last is not padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("   ")
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join("");
}

/** The fields a --format template may name, for one instance. */
export function psFields(e: PsEntry, now = Date.now()): Record<string, string> {
  return {
    ID: e.shortId,
    FullID: e.id,
    Name: e.name,
    App: e.app ?? "-",
    Command: e.command.join(" "),
    Status: e.statusText,
    State: e.status,
    Since: ago(e.since, now),
    CreatedAt: e.created,
    Restarts: String(e.restarts),
    Pids: e.pids === null ? "-" : String(e.pids),
    Memory: humanSize(e.memory),
    Ports: e.ports.join(",") || "-",
    ExitCode: e.exitCode === null ? "-" : String(e.exitCode),
  };
}

/** A small Go-template-like substitution: {{.Field}} (spaces allowed inside the braces), \t and
 * \n as in docker's --format. An unknown field is bad input (exit 2), said with the known ones. */
export function compileTemplate(
  template: string,
  known: readonly string[],
): (f: Record<string, string>) => string {
  const parts: ({ text: string } | { field: string })[] = [];
  const re = /\{\{\s*([^}]*?)\s*\}\}/g;
  let last = 0;
  for (const m of template.matchAll(re)) {
    parts.push({ text: template.slice(last, m.index) });
    const inner = m[1] ?? "";
    const field = /^\.([A-Za-z]+)$/.exec(inner)?.[1];
    if (!field || !known.includes(field))
      throw new InputError([
        {
          file: "--format",
          path: "",
          message: `unknown field "${inner}" in the template`,
          hint: `use ${known.map((k) => `{{.${k}}}`).join(" ")}`,
        },
      ]);
    parts.push({ field });
    last = m.index + m[0].length;
  }
  parts.push({ text: template.slice(last) });
  const unescape = (t: string): string => t.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  return (f) => parts.map((p) => ("text" in p ? unescape(p.text) : (f[p.field] ?? ""))).join("");
}

export function psTable(entries: PsEntry[], now = Date.now()): string {
  const rows = [["ID", "NAME", "APP", "STATUS", "SINCE", "RESTARTS", "PIDS", "MEMORY", "PORTS"]];
  for (const e of entries) {
    const f = psFields(e, now);
    rows.push(
      [f.ID, f.Name, f.App, f.Status, f.Since, f.Restarts, f.Pids, f.Memory, f.Ports].map(
        (x) => x ?? "-",
      ),
    );
  }
  return table(rows);
}

export function statsTable(stats: Stats[]): string {
  const rows = [
    ["ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "PIDS / LIMIT", "BLOCK I/O", "NET I/O"],
  ];
  const lim = (n: number | null): string => (n === null ? "-" : n < 0 ? "unlimited" : String(n));
  const pair = (a: number | null, b: number | null): string =>
    a === null && b === null ? "-" : `${humanSize(a)} / ${humanSize(b)}`;
  for (const s of stats)
    rows.push([
      s.id.slice(0, 12),
      s.name,
      s.cpuPercent === null ? "-" : `${s.cpuPercent.toFixed(2)}%`,
      pair(s.memory, s.memoryLimit),
      s.pids === null ? "-" : `${s.pids} / ${lim(s.pidsLimit)}`,
      pair(s.blockRead, s.blockWrite),
      pair(s.netRx, s.netTx),
    ]);
  return table(rows);
}

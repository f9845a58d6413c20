/** The audit page's stylesheet: readable on a laptop, printable (a print stylesheet), no fonts or
 * images from anywhere. */
export const AUDIT_CSS = `
:root {
  --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --bg: #ffffff; --panel: #f5f7f9;
  --high: #c62828; --medium: #e08600; --low: #2e7d32;
  --plan: #7b3fa0; --both: #78909c; --base: #1e6fd9;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.page { background: #18212b; color: #fff; padding: 20px 32px; }
header.page h1 { margin: 0 0 4px; font-size: 24px; }
header.page p { margin: 0; color: #c9d2db; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 32px 48px; }
h2 { font-size: 22px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h2 small { font-size: 14px; color: var(--muted); font-weight: normal; }
h3 { font-size: 17px; margin: 24px 0 8px; }
p.note { color: var(--muted); margin: 4px 0 12px; }
code { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; margin: 12px 0; }
figure.card { margin: 0; padding: 12px 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; break-inside: avoid; }
figure.card figcaption { font-weight: 600; margin-bottom: 8px; }
figure.card svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.chart text { font: 12px system-ui, sans-serif; fill: var(--fg); }
.chart text.big { font-size: 30px; font-weight: 700; }
.chart text.muted { fill: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.risk-high td:first-child { border-left: 4px solid var(--high); }
tr.risk-medium td:first-child { border-left: 4px solid var(--medium); }
tr.risk-low td:first-child { border-left: 4px solid var(--low); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.pill.high { background: var(--high); } .pill.medium { background: var(--medium); } .pill.low { background: var(--low); }
.ok { color: var(--low); font-weight: 600; }
.not { color: var(--high); font-weight: 700; }
.factor-zero td { color: var(--muted); }
details { margin: 8px 0; }
details > summary { cursor: pointer; font-weight: 600; }
input.filter { font: inherit; padding: 4px 8px; width: 280px; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: -1px; }
.legend .high { background: var(--high); } .legend .medium { background: var(--medium); } .legend .low { background: var(--low); }
.legend .plan { background: var(--plan); } .legend .both { background: var(--both); } .legend .base { background: var(--base); }
.notice { background: #fff6e0; border-left: 4px solid var(--medium); padding: 6px 10px; margin: 8px 0; }
@media (max-width: 700px) { main { padding: 12px; } header.page { padding: 16px; } }
@media print {
  @page { margin: 14mm; }
  body { font-size: 10.5pt; color: #000; }
  header.page { background: none; color: #000; padding: 0 0 8px; border-bottom: 2px solid #000; }
  header.page p { color: #333; }
  main { max-width: none; padding: 0; }
  .no-print { display: none !important; }
  section.app + section.app { break-before: page; }
  figure.card, tr, .notice { break-inside: avoid; }
  thead { display: table-header-group; }
  figure.card { background: none; }
  a { color: inherit; text-decoration: none; }
  .cards { grid-template-columns: repeat(3, 1fr); }
}
`;

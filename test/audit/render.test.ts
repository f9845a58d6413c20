/** The audit's formats: text (colour only on a terminal), Markdown for a pull request, JSON, the
 * HTML page's markup; and the command (registerAudit) with its options and exit statuses. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  auditApps,
  renderAudit,
  renderAuditHtml,
  renderAuditMarkdown,
  renderAuditText,
  type AuditReport,
} from "../../src/audit/index.js";
import { loadNative } from "../../src/native/seccomp.js";
import { cliInProcess, tempDir } from "../helpers.js";
import { baselineProfile, fixed, hello, pythonWeb } from "./fixtures.js";

const native = loadNative({ optional: true });
const skip = native ? false : "the native addon is not built (npm run build)";
const baselineFile = baselineProfile();

/** The start of an ANSI escape sequence (colour). */
const ESC = "\u001b[";

const tmp = tempDir("audit-render");
after(() => {
  tmp.remove();
});

/** Cells of a Markdown table row: split at pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/);
}

/** Every table in a Markdown text: header, delimiter and rows, each with the header's cells. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  return out;
}

describe("formats", { skip }, () => {
  let one: AuditReport;
  let two: AuditReport;
  before(() => {
    one = auditApps([hello], fixed);
    two = auditApps([hello, pythonWeb], {
      ...fixed,
      architectures: ["x86_64", "aarch64"],
      baseline: baselineFile,
    });
  });

  test("text: the summary, every syscall, what the host enforces; no colour unless asked", () => {
    const text = renderAuditText(one);
    assert.ok(!text.includes(ESC));
    assert.match(text, /^Audit of hello \(.*examples\/hello\.yaml\)$/m);
    assert.match(text, /^ {2}exposure {6}\d+(\.\d)? \/ 10 /m);
    assert.match(text, /^ {16}\+0\.5 +SELinux not enforced here: not enforced on this host$/m);
    assert.match(text, /^ {2}syscalls {6}x86_64 \d+\/\d+ allowed \(\d+ high-risk/m);
    assert.match(text, /no baseline given: compared with nothing/);
    for (const s of one.apps[0]?.syscalls ?? [])
      assert.match(text, new RegExp(`^ {4}(high|medium|low) +${s.name} `, "m"), s.name);
    assert.match(text, /only when \(arg1 & 0xffffffff\) != TIOCSTI/);
    assert.match(text, /NOT enforced on this host \(SELinux is disabled\)/);
    assert.match(text, /How the exposure score is computed/);
    const red = (s: string): string => `\x1b[31m${s}\x1b[39m`;
    const coloured = renderAuditText(one, {
      bold: red,
      dim: red,
      red,
      yellow: red,
      green: red,
    });
    assert.ok(coloured.includes(`${ESC}31m`));
  });

  test("markdown: headings, well-formed tables, folded long lists", () => {
    const md = renderAuditMarkdown(two);
    assert.match(md, /^## secure-run audit: hello, python-web$/m);
    assert.match(md, /^### Side by side$/m);
    assert.match(md, /^### hello \(`.*examples\/hello\.yaml`\)$/m);
    assert.match(md, /^### python-web \(`.*examples\/python-web\.yaml`\)$/m);
    for (const h of [
      "Compared with the baseline",
      "Syscalls",
      "Capabilities",
      "Filesystem",
      "Network",
      "Limits and isolation",
    ])
      assert.equal(md.match(new RegExp(`^#### ${h}$`, "gm"))?.length, 2, h);
    assert.match(md, /^#### What this host enforces \(x86_64, kernel 6\.1\.0-28-amd64\)$/m);
    assert.match(md, /^\| App \| Syscalls x86_64 \| Syscalls aarch64 \| Capabilities \|/m);
    assert.match(
      md,
      /^\| Risk \| Syscall \| Group \| Why \| Allowed when \| Reasons \| Architectures \|$/m,
    );
    assert.match(md, /\| `\(arg1 & 0xffffffff\) != TIOCSTI and/);
    const found = tables(md);
    assert.ok(found.length >= 10, `${found.length} tables`);
    for (const t of found) {
      const [header, delimiter, ...rows] = t;
      assert.ok(header && delimiter, t.join("\n"));
      assert.match(delimiter, /^\|( ?-{3,}:? \|)+$/, delimiter);
      const n = cells(header).length;
      assert.equal(cells(delimiter).length, n, header);
      for (const r of rows) assert.equal(cells(r).length, n, `${header}\n${r}`);
    }
    const opened = md.match(/<details( open)?><summary>/g)?.length ?? 0;
    assert.ok(opened >= 6);
    assert.equal(md.match(/^<\/details>$/gm)?.length, opened);
    assert.match(md, /<details><summary>All \d+ allowed syscalls, high risk first<\/summary>/);
    assert.match(md, /<details><summary>How the exposure score is computed<\/summary>/);
    assert.match(md, /^\| Architecture \| Baseline allows \| This plan allows \| Both \|/m);
    assert.match(md, /<summary>x86_64: allowed by the baseline, not by this plan \(\d+\)/);
    assert.match(renderAuditMarkdown(one), /no baseline given: compared with nothing/);
  });

  test("json: the report document", () => {
    const doc = JSON.parse(renderAudit(two, "json")) as AuditReport;
    assert.equal(doc.apiVersion, "secure-run/v1");
    assert.equal(doc.kind, "Audit");
    assert.equal(doc.apps.length, 2);
    assert.deepEqual(doc, JSON.parse(JSON.stringify(two)));
  });

  test("html: one self-contained page, every text escaped", () => {
    const html = renderAuditHtml(two);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    assert.doesNotMatch(html, /<(img|iframe|object|embed)\b/);
    assert.doesNotMatch(html, /<script[^>]*\bsrc=/);
    assert.doesNotMatch(html, /<link(?![^>]*href="data:)/);
    assert.doesNotMatch(html, /@import|url\(/);
    // The only absolute URL is SVG's namespace name, which is never fetched.
    assert.deepEqual(
      [...new Set(html.match(/https?:\/\/[^\s"'<)]+/g) ?? [])],
      ["http://www.w3.org/2000/svg"],
    );
    assert.match(html, /@media print/);
    for (const chart of ["gauge", "groups", "baseline", "scores"])
      assert.match(html, new RegExp(`data-chart="${chart}"`));
    const evil = structuredClone(two);
    const app = evil.apps[0];
    assert.ok(app);
    app.file = "</script><script>alert(1)</script>";
    app.name = "<b>x</b>";
    const page = renderAuditHtml(evil);
    assert.doesNotMatch(page, /<script>alert|<b>x<\/b>/);
    assert.match(page, /&lt;b&gt;x&lt;\/b&gt;/);
    assert.equal(page.match(/<\/script>/g)?.length, 2, "only the page's own two scripts end");
  });
});

/** The command as the CLI runs it, with its output captured. */
async function runAudit(
  args: string[],
  tty = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await cliInProcess(["audit", ...args], { tty });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("secure-run audit (the command)", { skip }, () => {
  test("text on a terminal has colour; anywhere else none", async () => {
    const tty = await runAudit([hello], true);
    assert.equal(tty.code, 0, tty.stderr);
    assert.ok(tty.stdout.startsWith(`${ESC}1mAudit of hello`), tty.stdout.slice(0, 40));
    const pipe = await runAudit([hello]);
    assert.equal(pipe.code, 0, pipe.stderr);
    assert.ok(!pipe.stdout.includes(ESC));
    assert.match(pipe.stdout, /This host \(secure-run doctor\)/, "the host's checks are shown");
  });

  test("--format json, --arch, --baseline", async () => {
    const args = ["--format", "json", "--arch", "x86_64,aarch64", hello, pythonWeb];
    args.push("--baseline", baselineFile);
    const r = await runAudit(args);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as AuditReport;
    assert.equal(doc.kind, "Audit");
    assert.deepEqual(doc.architectures, ["x86_64", "aarch64"]);
    assert.ok(doc.host.checks && doc.host.checks.length > 3);
    assert.equal(doc.comparison?.rows.length, 2);
    assert.equal(doc.baseline?.label, "seccomp.json");
  });

  test("-o writes the file (no colour even on a terminal) and nothing to standard output", async () => {
    for (const [format, start] of [
      ["md", "## secure-run audit: hello"],
      ["html", "<!DOCTYPE html>"],
      ["text", "Audit of hello"],
    ] as const) {
      const file = join(tmp.dir, `audit.${format}`);
      const r = await runAudit(["--format", format, "-o", file, hello], true);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "");
      assert.ok(existsSync(file));
      const text = readFileSync(file, "utf8");
      assert.ok(text.startsWith(start), `${format}: ${text.slice(0, 40)}`);
      assert.ok(!text.includes(ESC), format);
    }
  });

  test("bad input: exit 2", async () => {
    const arch = await runAudit(["--arch", "sparc", hello]);
    assert.equal(arch.code, 2);
    assert.match(arch.stderr, /unknown architecture "sparc"/);
    const format = await runAudit(["--format", "pdf", hello]);
    assert.equal(format.code, 2);
    const app = await runAudit([tmp.write("bad.yaml", "apiVersion: secure-run/v1\nkind: App\n")]);
    assert.equal(app.code, 2);
    assert.match(app.stderr, /bad\.yaml/);
  });
});

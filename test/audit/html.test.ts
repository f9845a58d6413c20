/** The HTML audit in a real headless Chromium (Debian's chromium, driven by playwright-core): it
 * renders without errors and without a single request beyond itself, its charts draw real marks
 * that match the report, a screenshot of it is not blank, and it prints. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { auditApps, renderAuditHtml, type AuditReport } from "../../src/audit/index.js";
import { groupRisk } from "../../src/audit/render/common.js";
import { loadNative } from "../../src/native/seccomp.js";
import { countColour, decodePng, isBlank, pixelStats } from "./png.js";
import { baselineProfile, fixed, hello, pythonWeb } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// The part of playwright-core's API this test uses (imported at run time: the package is a
// development dependency the type check must not need).
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface ElementHandle {
  boundingBox(): Promise<Box | null>;
  screenshot(o: { path: string }): Promise<Buffer>;
}
interface Page {
  on(event: "console", f: (m: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", f: (e: Error) => void): void;
  on(event: "request" | "requestfailed", f: (r: { url(): string }) => void): void;
  goto(url: string, o?: { waitUntil: "load" }): Promise<unknown>;
  /** In-page code is given as text: the type check has no DOM library. */
  evaluate(expression: string): Promise<unknown>;
  $(selector: string): Promise<ElementHandle | null>;
  screenshot(o: { path: string; fullPage?: boolean }): Promise<Buffer>;
  emulateMedia(o: { media: "print" | "screen" }): Promise<void>;
  pdf(o: { path: string; format: string }): Promise<Buffer>;
  setContent(html: string): Promise<void>;
  close(): Promise<void>;
}
interface Chart {
  kind: string;
  app: number;
  drawn: string | null;
  width: number;
  height: number;
  text: string | null;
  marks: { cls: string; fill: string | null; count: number; area: number; length: number }[];
}
interface Context {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      o: {
        executablePath: string;
        headless: boolean;
        args: string[];
        viewport: { width: number; height: number };
      },
    ): Promise<Context>;
  };
}

async function loadPlaywright(): Promise<Playwright | undefined> {
  const name = "playwright-core";
  try {
    return (await import(name)) as Playwright;
  } catch {
    return undefined;
  }
}

const playwright = await loadPlaywright();
const native = loadNative({ optional: true });
const missing = !native
  ? "the native addon is not built (npm run build)"
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
    : !playwright
      ? "playwright-core is not installed (npm install)"
      : undefined;
// In CI a missing browser is a failure, not a reason to skip.
const skip = missing && !process.env.CI ? missing : false;

describe("the HTML audit in headless Chromium", { skip }, () => {
  let dir = "";
  let context: Context | undefined;
  let report: AuditReport;
  let url = "";

  before(async () => {
    assert.equal(missing, undefined, missing);
    assert.ok(playwright);
    dir = mkdtempSync(join(tmpdir(), "secure-run-test-audit-html-"));
    report = auditApps([hello, pythonWeb], {
      ...fixed,
      architectures: ["x86_64", "aarch64"],
      baseline: baselineProfile(),
    });
    const file = join(dir, "audit.html");
    writeFileSync(file, renderAuditHtml(report));
    url = pathToFileURL(file).href;
    context = await playwright.chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  after(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(target: string): Promise<{
    page: Page;
    errors: string[];
    requests: string[];
    failed: string[];
  }> {
    assert.ok(context);
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const failed: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    page.on("requestfailed", (r) => failed.push(r.url()));
    await page.goto(target, { waitUntil: "load" });
    return { page, errors, requests, failed };
  }

  test("renders with no console errors and no request but the page itself", async () => {
    const { page, errors, requests, failed } = await open(url);
    assert.deepEqual(errors, []);
    assert.deepEqual(failed, []);
    assert.deepEqual(requests, [url]);
    const title = await page.evaluate("document.title");
    assert.equal(title, "secure-run audit: hello, python-web");
    await page.close();
  });

  test("the charts draw marks that match the report", async () => {
    const { page } = await open(url);
    const charts =
      (await page.evaluate(`[...document.querySelectorAll("svg[data-chart]")].map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll(".mark")].map((m) => {
        const b = m.getBBox();
        return {
          cls: m.getAttribute("class") || "",
          fill: m.getAttribute("fill"),
          count: Number(m.getAttribute("data-count") ?? "NaN"),
          area: b.width * b.height,
          length: m instanceof SVGGeometryElement ? m.getTotalLength() : 0,
        };
      });
      return {
        kind: svg.getAttribute("data-chart") || "",
        app: Number(svg.getAttribute("data-app") ?? "-1"),
        drawn: svg.getAttribute("data-drawn"),
        width: box.width,
        height: box.height,
        text: svg.textContent,
        marks,
      };
    })`)) as Chart[];
    assert.equal(charts.length, 1 + 3 * report.apps.length);
    for (const c of charts) {
      assert.equal(c.drawn, "true", c.kind);
      assert.ok(c.width > 100 && c.height > 40, `${c.kind}: ${c.width}x${c.height}`);
    }
    const colours = { high: "#c62828", medium: "#e08600", low: "#2e7d32" };
    for (const [i, app] of report.apps.entries()) {
      const gauge = charts.find((c) => c.kind === "gauge" && c.app === i);
      const value = gauge?.marks.find((m) => m.cls.includes("value"));
      assert.ok(gauge && value && value.length > 10, "the score's arc is drawn");
      assert.ok(gauge.text?.includes(String(app.score.value)));

      const groups = charts.find((c) => c.kind === "groups" && c.app === i);
      const want = groupRisk(app).flatMap((g) =>
        (["high", "medium", "low"] as const)
          .filter((r) => g.counts[r] > 0)
          .map((r) => ({ fill: colours[r], count: g.counts[r] })),
      );
      assert.deepEqual(
        groups?.marks.map((m) => ({ fill: m.fill, count: m.count })),
        want,
      );
      assert.ok(groups.marks.every((m) => m.area > 0));
      assert.equal(
        groups.marks.reduce((s, m) => s + m.count, 0),
        app.syscalls.length,
      );

      const base = charts.find((c) => c.kind === "baseline" && c.app === i);
      if (app.baseline) {
        const segments = app.baseline.arches.flatMap((a) =>
          [a.both, a.onlyPlan.length, a.both, a.onlyBaseline.length].filter((n) => n > 0),
        );
        assert.deepEqual(
          base?.marks.map((m) => m.count),
          segments,
        );
        assert.ok(base.marks.every((m) => m.area > 0));
      } else assert.match(base?.text ?? "", /No baseline given/);
    }
    const scores = charts.find((c) => c.kind === "scores");
    assert.deepEqual(
      scores?.marks.map((m) => m.count),
      report.apps.map((a) => a.score.value),
    );

    // The pixels of the syscall chart: the risk colours are really painted.
    const figure = await page.$('svg[data-chart="groups"][data-app="0"]');
    assert.ok(figure);
    const shot = join(dir, "groups.png");
    await figure.screenshot({ path: shot });
    const img = decodePng(readFileSync(shot));
    const counts = groupRisk(report.apps[0] ?? (undefined as never));
    if (counts.some((g) => g.counts.low > 0)) assert.ok(countColour(img, colours.low) > 100);
    if (counts.some((g) => g.counts.medium > 0)) assert.ok(countColour(img, colours.medium) > 20);
    await page.close();
  });

  test("a screenshot of the page is not blank (and the check tells a blank page)", async () => {
    const { page } = await open(url);
    const shot = join(dir, "page.png");
    await page.screenshot({ path: shot, fullPage: false });
    const stats = pixelStats(decodePng(readFileSync(shot)));
    assert.ok(stats.pixels >= 1280 * 900);
    assert.ok(!isBlank(stats), JSON.stringify(stats));
    assert.ok(stats.colours > 50, JSON.stringify(stats));

    await page.setContent("<!DOCTYPE html><html><body></body></html>");
    const blank = join(dir, "blank.png");
    await page.screenshot({ path: blank });
    const none = pixelStats(decodePng(readFileSync(blank)));
    assert.ok(isBlank(none), `a blank page must be found blank: ${JSON.stringify(none)}`);
    await page.close();
  });

  test("it prints: the print stylesheet applies, folded lists open, a PDF comes out", async () => {
    const { page } = await open(url);
    await page.emulateMedia({ media: "print" });
    const printed = (await page.evaluate(`(() => {
      window.dispatchEvent(new Event("beforeprint"));
      const filter = document.querySelector(".no-print");
      const details = [...document.querySelectorAll("details")];
      return {
        hidden: filter ? getComputedStyle(filter).display === "none" : false,
        open: details.every((d) => d.open),
        count: details.length,
      };
    })()`)) as { hidden: boolean; open: boolean; count: number };
    assert.deepEqual(printed, { hidden: true, open: true, count: printed.count });
    assert.ok(printed.count > 3);
    const pdf = join(dir, "audit.pdf");
    await page.pdf({ path: pdf, format: "A4" });
    const bytes = readFileSync(pdf);
    assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.ok(bytes.length > 20_000, `${bytes.length} bytes`);
    const closed = (await page.evaluate(`(() => {
      window.dispatchEvent(new Event("afterprint"));
      return [...document.querySelectorAll("details")].filter((d) => !d.open).length;
    })()`)) as number;
    assert.ok(closed > 0, "after printing, the lists fold again");
    await page.close();
  });

  test("the filter box narrows the syscall table", async () => {
    const { page } = await open(url);
    const visible = (await page.evaluate(`(() => {
      const input = document.querySelector("input.filter");
      if (!input) return [-1, -1];
      const table = document.getElementById(input.dataset.table || "");
      const rows = () => [...table.querySelectorAll("tbody tr")].filter((r) => !r.hidden).length;
      const before = rows();
      input.value = "ioctl";
      input.dispatchEvent(new Event("input"));
      return [before, rows()];
    })()`)) as [number, number];
    assert.equal(visible[0], report.apps[0]?.syscalls.length);
    assert.equal(visible[1], 1);
    await page.close();
  });
});

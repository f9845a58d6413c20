/** The audit page's own small script: draws the charts as inline SVG from the data embedded in
 * the page (no library, no network), filters the syscall tables, opens folded lists for print. */
export const AUDIT_SCRIPT = `
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = {
    high: "#c62828", medium: "#e08600", low: "#2e7d32",
    plan: "#7b3fa0", both: "#78909c", base: "#1e6fd9", track: "#dfe4e8"
  };
  var RISKS = ["high", "medium", "low"];
  var data = JSON.parse(document.getElementById("audit-data").textContent);

  function el(parent, name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }
  function tip(node, text) { el(node, "title", {}, text); }
  function scoreColor(v) { return v >= 6 ? COLORS.high : v >= 3 ? COLORS.medium : COLORS.low; }
  function r1(x) { return Math.round(x * 10) / 10; }

  function size(svg, w, h) {
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("width", String(w));
    svg.setAttribute("height", String(h));
  }
  function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }

  function gauge(svg, app) {
    var cx = 150, cy = 140, r = 110, sw = 24;
    size(svg, 300, 172);
    function pt(f, rr) { var a = Math.PI * (1 - f); return [r1(cx + rr * Math.cos(a)), r1(cy - rr * Math.sin(a))]; }
    function arc(f0, f1) {
      var p0 = pt(f0, r), p1 = pt(f1, r);
      return "M" + p0[0] + " " + p0[1] + " A" + r + " " + r + " 0 0 1 " + p1[0] + " " + p1[1];
    }
    el(svg, "path", { d: arc(0, 1), fill: "none", stroke: COLORS.track, "stroke-width": sw, "class": "track" });
    var f = Math.max(0, Math.min(1, app.score / 10));
    if (f > 0) {
      var value = el(svg, "path", { d: arc(0, f), fill: "none", stroke: scoreColor(app.score), "stroke-width": sw, "class": "mark value" });
      tip(value, "exposure " + app.score + " of 10");
    }
    var a = pt(f, r - sw / 2 - 4), b = pt(f, r + sw / 2 + 4);
    el(svg, "line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: "#1d232a", "stroke-width": 3, "class": "mark tick" });
    el(svg, "text", { x: cx, y: cy - 12, "text-anchor": "middle", "class": "big score" }, String(app.score));
    el(svg, "text", { x: cx, y: cy + 12, "text-anchor": "middle", "class": "muted" }, "of 10 (10 = most exposed)");
    el(svg, "text", { x: cx - r, y: cy + 22, "text-anchor": "middle", "class": "muted" }, "0");
    el(svg, "text", { x: cx + r, y: cy + 22, "text-anchor": "middle", "class": "muted" }, "10");
  }

  function groups(svg, app) {
    var rows = app.groups, rowH = 28, left = 112, width = 380, right = 36;
    size(svg, width, Math.max(1, rows.length) * rowH + 8);
    var max = 1;
    rows.forEach(function (g) { max = Math.max(max, g.high + g.medium + g.low); });
    var scale = (width - left - right) / max;
    rows.forEach(function (g, i) {
      var y = 4 + i * rowH, x = left;
      el(svg, "text", { x: left - 8, y: y + 15, "text-anchor": "end" }, short(g.group, 15));
      RISKS.forEach(function (risk) {
        var n = g[risk];
        if (n <= 0) return;
        var rect = el(svg, "rect", {
          x: r1(x), y: y + 2, width: r1(Math.max(1, n * scale)), height: rowH - 10,
          fill: COLORS[risk], "class": "mark seg seg-" + risk, "data-count": n
        });
        tip(rect, g.group + ": " + n + " " + risk + "-risk");
        x += n * scale;
      });
      el(svg, "text", { x: r1(x + 6), y: y + 15, "class": "muted" }, String(g.high + g.medium + g.low));
    });
  }

  function baseline(svg, app) {
    var b = app.baseline;
    if (!b) {
      size(svg, 380, 60);
      svg.setAttribute("data-empty", "true");
      el(svg, "text", { x: 190, y: 34, "text-anchor": "middle", "class": "muted" }, "No baseline given: compared with nothing");
      return;
    }
    var left = 112, width = 380, right = 36, blockH = 78;
    size(svg, width, b.arches.length * blockH + 6);
    var max = 1;
    b.arches.forEach(function (a) { max = Math.max(max, a.both + a.onlyPlan, a.both + a.onlyBaseline); });
    var scale = (width - left - right) / max;
    b.arches.forEach(function (a, i) {
      var y0 = 4 + i * blockH;
      el(svg, "text", { x: 0, y: y0 + 12, "font-weight": "600" }, a.arch);
      [["this plan", a.onlyPlan, "plan", "only this plan"], [b.label, a.onlyBaseline, "base", "only the baseline"]].forEach(function (row, j) {
        var y = y0 + 20 + j * 26, x = left;
        el(svg, "text", { x: left - 8, y: y + 14, "text-anchor": "end" }, short(row[0], 15));
        [[a.both, "both", "allowed by both"], [row[1], row[2], row[3]]].forEach(function (seg) {
          var n = seg[0];
          if (n <= 0) return;
          var rect = el(svg, "rect", {
            x: r1(x), y: y + 2, width: r1(Math.max(1, n * scale)), height: 18,
            fill: COLORS[seg[1]], "class": "mark seg seg-" + seg[1], "data-count": n
          });
          tip(rect, a.arch + ": " + n + " " + seg[2]);
          x += n * scale;
        });
        el(svg, "text", { x: r1(x + 6), y: y + 15, "class": "muted" }, String(a.both + row[1]));
      });
    });
  }

  function scores(svg) {
    var apps = data.apps, rowH = 28, left = 130, width = 520, right = 40;
    size(svg, width, apps.length * rowH + 26);
    var scale = (width - left - right) / 10;
    [0, 5, 10].forEach(function (t) {
      el(svg, "line", { x1: left + t * scale, y1: 0, x2: left + t * scale, y2: apps.length * rowH, stroke: COLORS.track });
      el(svg, "text", { x: left + t * scale, y: apps.length * rowH + 16, "text-anchor": "middle", "class": "muted" }, String(t));
    });
    apps.forEach(function (app, i) {
      var y = i * rowH;
      el(svg, "text", { x: left - 8, y: y + 18, "text-anchor": "end" }, short(app.name, 20));
      var rect = el(svg, "rect", {
        x: left, y: y + 6, width: r1(Math.max(1, app.score * scale)), height: rowH - 10,
        fill: scoreColor(app.score), "class": "mark bar", "data-count": app.score
      });
      tip(rect, app.name + ": " + app.score + " of 10");
      el(svg, "text", { x: r1(left + Math.max(1, app.score * scale) + 6), y: y + 18, "class": "muted" }, String(app.score));
    });
  }

  var draw = { gauge: gauge, groups: groups, baseline: baseline };
  Array.prototype.forEach.call(document.querySelectorAll("svg[data-chart]"), function (svg) {
    var kind = svg.getAttribute("data-chart");
    if (kind === "scores") scores(svg);
    else draw[kind](svg, data.apps[Number(svg.getAttribute("data-app"))]);
    svg.setAttribute("data-drawn", "true");
  });

  Array.prototype.forEach.call(document.querySelectorAll("input.filter"), function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });

  var closed = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      if (!d.open) { closed.push(d); d.open = true; }
    });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
`;

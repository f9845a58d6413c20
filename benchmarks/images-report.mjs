// The images section of benchmarks/results/README.md (issue 19), from benchmarks/images.mjs's
// results: run-all.mjs writes it with the rest; `node benchmarks/images-report.mjs` prints it.
const esc = (s) => String(s).replace(/\|/g, "\\|");

/** The images section (issue 19): benchmarks/images.mjs's results as Markdown lines. */
export function imagesSection(i, o = {}) {
  const out = ["## Images: load and launch (issue 19)", ""];
  if (!i) return [...out, `Not measured (${o.skipped ?? "no results"}).`, ""];
  const la = i.machine;
  const ms = (x) => (x?.medianMs !== undefined ? `${x.medianMs.toFixed(0)} ms` : "—");
  const rate = (x) => (x?.mibPerS !== undefined ? `${x.mibPerS.toFixed(0)} MiB/s` : "—");
  out.push(
    `${o.fresh ? "" : `From an earlier run (${i.date})${o.skipped ? `; skipped this time: ${o.skipped}` : ""}. `}` +
      `benchmarks/images.mjs: an image of ${i.image.layers} uncompressed layers, ${i.image.mib} MiB, made from the host's own files; ` +
      `medians of ${i.rounds ?? "?"} loads into an empty store and of ${i.runs ?? "?"} launches (the three taking turns). ` +
      (la?.loadAverageAtStart
        ? `Load average ${la.loadAverageAtStart.join(", ")} at the start, ${la.loadAverageAtEnd.join(", ")} at the end${Math.max(...la.loadAverageAtStart, ...la.loadAverageAtEnd) >= 2 ? ": other work shared the machine, the figures are indicative" : ""}.`
        : ""),
    "",
  );
  out.push("| | median | throughput (of the tar) |", "| --- | ---: | ---: |");
  out.push(
    `| secure-run load (digests, ownership, whiteouts; no flattened root) | ${ms(i.load)} | ${rate(i.load)} |`,
  );
  if (i.loadZstd)
    out.push(
      i.loadZstd.error
        ? `| secure-run load, zstd layers | not measured (${esc(i.loadZstd.error)}) | |`
        : `| secure-run load, zstd layers (${esc(i.loadZstd.note)}; fzstd) | ${ms(i.loadZstd)} | ${rate(i.loadZstd)} |`,
    );
  out.push(`| tar -x of the same layers | ${ms(i.untar)} | ${rate(i.untar)} |`, "");
  out.push("| launch of /usr/bin/true | median |", "| --- | ---: |");
  for (const [k, label] of [
    ["image", "secure-run run, an image app"],
    ["rootfs", "secure-run run, the same tree as a rootfs app"],
    ["podman", "podman run --rm of the same image"],
  ]) {
    const x = i.launch?.[k];
    if (!x && k === "podman") continue;
    out.push(`| ${label} | ${x?.error ? `failed: ${esc(x.error)}` : ms(x)} |`);
  }
  out.push("");
  const pm = i.podman;
  if (pm?.compared)
    out.push(`podman: ${pm.version}, ${pm.runtime}; \`${esc(pm.command)}\`. ${esc(pm.note)}.`, "");
  else if (pm)
    out.push(`podman: not compared (${esc(typeof pm === "string" ? pm : pm.reason)}).`, "");
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync } = await import("node:fs");
  const file = new URL("results/images.json", import.meta.url);
  console.log(imagesSection(JSON.parse(readFileSync(file, "utf8")), { fresh: true }).join("\n"));
}

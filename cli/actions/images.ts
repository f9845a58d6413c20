/** `load`, `images`, `rmi`, `image prune`: the image store. */
import { resolve } from "node:path";
import { pruneUnusedImages, refuseImagesInUse } from "../../src/instances/image-use.js";
import { openStore } from "../../src/instances/store.js";
import {
  imageStore,
  listImages,
  loadImage,
  parseSource,
  removeImages,
  sourceOfPath,
  type ImageRecord,
} from "../../src/images/store.js";
import type { CliIO } from "../io.js";

/** 2974702 → "2.8MiB" */
function formatSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)}${units[i] ?? ""}`;
}

const short = (id: string): string => id.replace(/^sha256:/, "").slice(0, 12);

/** A path given on the command line, made absolute (an archive is found again by its path). */
function absolute(source: string): string {
  const parsed = parseSource(source);
  if (!parsed) return resolve(source);
  const prefix = parsed.kind === "oci" ? "oci:" : "docker-archive:";
  return `${prefix}${resolve(source.slice(prefix.length))}`;
}

export async function load(
  io: CliIO,
  source: string,
  opts: { tag: string[]; json?: boolean },
): Promise<void> {
  const given = absolute(source);
  const r = await loadImage(imageStore({ create: true }), sourceOfPath(given), {
    names: opts.tag,
    label: given,
  });
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ ...r.image, layersUnpacked: r.unpacked, existed: r.existed }, null, 2)}\n`,
    );
    return;
  }
  const names = r.image.names.length ? r.image.names.join(", ") : "(no name)";
  io.stdout.write(
    `${r.existed ? "Already loaded" : "Loaded"} ${names}: ${r.image.id} (${r.image.layers.length} layers, ${r.unpacked} unpacked, ${formatSize(r.image.size)})\n`,
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join("   "))
    .join("\n");
}

export function images(io: CliIO, opts: { json?: boolean }): void {
  const all = listImages(imageStore());
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return;
  }
  const rows = [["NAME", "IMAGE ID", "LAYERS", "SIZE", "LOADED", "DIGEST"]];
  for (const r of all)
    for (const name of r.names.length ? r.names : ["<none>"])
      rows.push([
        name,
        short(r.id),
        String(r.layers.length),
        formatSize(r.size),
        r.loaded.slice(0, 19).replace("T", " "),
        r.manifestDigest ?? r.id,
      ]);
  io.stdout.write(`${table(rows)}\n`);
}

export async function rmi(io: CliIO, refs: string[]): Promise<void> {
  const before = new Map(listImages(imageStore()).map((r) => [r.id, r]));
  refuseImagesInUse(imageStore(), openStore(), refs);
  const done = await removeImages(imageStore(), refs);
  const after = new Set(listImages(imageStore()).map((r) => r.id));
  done.forEach((r: ImageRecord, i) =>
    io.stdout.write(
      after.has(r.id) && before.has(r.id) ? `Untagged ${refs[i] ?? ""}\n` : `Deleted ${r.id}\n`,
    ),
  );
}

export async function prune(io: CliIO, opts: { all?: boolean; json?: boolean }): Promise<void> {
  const r = await pruneUnusedImages(imageStore(), openStore(), opts);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          images: r.images.map((i) => i.id),
          layers: r.layers.map((l) => `sha256:${l}`),
          inUse: [...r.inUse, ...r.held].map((i) => i.id),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  for (const i of r.images) io.stdout.write(`Deleted ${i.id}\n`);
  for (const i of r.inUse) io.stdout.write(`Kept ${i.id} (an instance uses it)\n`);
  for (const i of r.held) io.stdout.write(`Kept ${i.id} (a running launch uses it)\n`);
  io.stdout.write(`${r.images.length} images and ${r.layers.length} layers removed\n`);
}

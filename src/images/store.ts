/** The image store: per user, content-addressed, under the state directory (root:
 * /var/lib/secure-run/images; another user: ~/.local/share/secure-run/images):
 *
 *   layers/<diff_id hex>/       a layer unpacked once, shared by every image that has it, in the
 *                               form overlayfs takes as a lower layer (format.ts)
 *   layers/<diff_id hex>.json   {diffId, digest, size, unpacked, format}
 *   roots/<id hex>/             the image's root: its layers applied in order (hard links),
 *                               made only where the root cannot be an overlay of the layers
 *   images/<id hex>.json        the image: id (its config's digest), names, config, layers
 *   tmp/                        staging: what a load makes is renamed into place only once
 *                               it is complete and verified; a failed load removes its own
 *   lock                        one writer at a time (a file holding the writer's pid)
 *
 * Everything is the caller's, 0700 at the top. */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { stateDir } from "../paths.cjs";
import { pidRuns } from "../host/proc.js";
import { removeTree } from "../host/remove-tree.js";
import { hostFacts } from "../host/facts.js";
import { ImageError, NoSuchImage } from "./errors.js";
import { holders, ImageHeld, lockForRemoval } from "./hold.js";
import { unpackLayer, type IdShift } from "./layer.js";
import { flatten } from "./flatten.js";
import { layerFormat } from "./format.js";
import { dockerArchive, ociLayout, type ImageConfig, type ImageSpec } from "./sources.js";

export interface ImageRecord {
  /** "sha256:…" of the config. */
  id: string;
  names: string[];
  /** Where it was loaded from, as given. */
  source: string;
  manifestDigest?: string;
  config: ImageConfig;
  architecture?: string;
  layers: string[];
  /** The archives it was loaded from ("docker-archive:PATH@SIZE:MTIME"): found again without
   * reading them. */
  origins?: string[];
  /** Bytes of the layers as stored (unpacked). */
  size: number;
  loaded: string;
}

export interface ImageStore {
  root: string;
}

const hex = (digest: string): string => digest.replace(/^sha256:/, "");
const HEX = /^[0-9a-f]{64}$/;
export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.\-/:@]{0,254}$/;

export function imageStore(o: { create?: boolean } = {}): ImageStore {
  const root = join(stateDir(o.create ? { create: true } : {}), "images");
  if (o.create)
    for (const d of [
      root,
      join(root, "layers"),
      join(root, "roots"),
      join(root, "images"),
      join(root, "tmp"),
    ])
      mkdirSync(d, { recursive: true, mode: 0o700 });
  return { root };
}

export const rootOf = (s: ImageStore, id: string): string => join(s.root, "roots", hex(id));
export const layerDir = (s: ImageStore, diffId: string): string =>
  join(s.root, "layers", hex(diffId));

/** The format a layer of the store is in (its `.json`), undefined when it has none. */
function storedFormat(s: ImageStore, diffId: string): string | undefined {
  try {
    const meta = JSON.parse(readFileSync(`${layerDir(s, diffId)}.json`, "utf8")) as {
      format?: unknown;
    };
    return typeof meta.format === "string" ? meta.format : "(none)";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Whether a layer is in the store, in the format this caller's launches read. */
const layerCurrent = (s: ImageStore, diffId: string): boolean =>
  storedFormat(s, diffId) === layerFormat() && existsSync(layerDir(s, diffId));

/** Whether every layer of an image is in the store, in the current format. */
export const imageReady = (s: ImageStore, r: ImageRecord): boolean =>
  r.layers.every((l) => layerCurrent(s, l));

/** The directories of an image's layers, top layer first (overlayfs's order), each checked to
 * be there in the current format: a layer left by an older secure-run (its whiteouts kept as
 * `.wh.` files) is never read as this one. */
export function imageLayers(s: ImageStore, r: ImageRecord): string[] {
  for (const l of r.layers) {
    const st = lstatSync(layerDir(s, l), { throwIfNoEntry: false });
    if (st && !st.isDirectory())
      throw new ImageError(
        layerDir(s, l),
        `layer ${l} of image ${r.id} is a ${st.isSymbolicLink() ? "symbolic link" : "file"}, not the layer's directory (the store was changed by something else)`,
        `remove it and load the image again: secure-run load ${r.source}`,
      );
    const have = storedFormat(s, l);
    if (have === layerFormat() && existsSync(layerDir(s, l))) continue;
    throw new ImageError(
      layerDir(s, l),
      have === undefined
        ? `layer ${l} of image ${r.id} is not in the store`
        : `layer ${l} of image ${r.id} is stored in format ${have}, not ${layerFormat()} (an older secure-run's, or another user's)`,
      `load the image again, which unpacks its layers anew: secure-run load ${r.source}`,
    );
  }
  return r.layers.map((l) => layerDir(s, l)).reverse();
}

/** The image's root as one directory of hard links (flatten.ts), made on first use: where the
 * root cannot be an overlay of the layers. Two at once: one rename wins, the other's goes. */
export function ensureRoot(s: ImageStore, r: ImageRecord): string {
  const root = rootOf(s, r.id);
  // Checked first: a root is never used when its layers are not the store's current ones.
  const layers = imageLayers(s, r).reverse();
  if (existsSync(root)) return root;
  // Staged beside the roots, not in tmp/ (a load clears tmp/ without waiting for this, which
  // takes no lock): `.tmp-PID-…`, removed by a later load once PID is gone.
  mkdirSync(join(s.root, "roots"), { recursive: true, mode: 0o700 });
  const tmp = join(s.root, "roots", `.tmp-${process.pid}-${randomBytes(8).toString("hex")}`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    flatten(layers, tmp);
    try {
      renameSync(tmp, root);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    }
  } finally {
    removeTree(tmp);
  }
  return root;
}
export const recordPath = (s: ImageStore, id: string): string =>
  join(s.root, "images", `${hex(id)}.json`);

/** Runs `fn` holding the store's lock; a lock left by a process that is gone is taken over. */
export async function withLock<T>(
  s: ImageStore,
  fn: () => T | Promise<T>,
  waitMs = 120_000,
): Promise<T> {
  const lock = join(s.root, "lock");
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8").trim() || "0");
      if (pid > 0 && !pidRuns(pid)) {
        unlinkSync(lock);
        continue;
      }
      if (Date.now() > until)
        throw new ImageError(
          s.root,
          `the image store is locked by process ${pid}`,
          `wait for it, or remove ${lock} if it is gone`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    // What an interrupted load left in staging is nobody's now.
    for (const e of readdirSync(join(s.root, "tmp"))) removeTree(join(s.root, "tmp", e));
    // A flattened root a process gone left half made (ensureRoot).
    for (const e of existsSync(join(s.root, "roots")) ? readdirSync(join(s.root, "roots")) : []) {
      const pid = /^\.tmp-(\d+)-/.exec(e)?.[1];
      if (pid && !pidRuns(Number(pid))) removeTree(join(s.root, "roots", e));
    }
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Root's store maps the image's ids into the range its sandboxes' user namespaces use. */
function idShift(): IdShift | undefined {
  if ((process.geteuid?.() ?? 0) !== 0) return undefined;
  const u = hostFacts().userns;
  return {
    uid: u.subuid?.start ?? 100000,
    gid: u.subgid?.start ?? 100000,
    count: Math.min(u.subuid?.count ?? 65536, u.subgid?.count ?? 65536),
  };
}

export type Source =
  { kind: "oci"; dir: string; tag?: string } | { kind: "docker-archive"; file: string };

/** REF as written: oci:DIR[:TAG], docker-archive:FILE, or (undefined) a name or id in the store. */
export function parseSource(ref: string): Source | undefined {
  if (ref.startsWith("oci:")) {
    const rest = ref.slice(4);
    const m = /^(.*?)(?::([^/:]+))?$/.exec(rest);
    const dir = m?.[1] ?? rest;
    return m?.[2] ? { kind: "oci", dir, tag: m[2] } : { kind: "oci", dir };
  }
  if (ref.startsWith("docker-archive:")) return { kind: "docker-archive", file: ref.slice(15) };
  return undefined;
}

/** A FILE or DIR given to `load`: a directory is an OCI layout, a file a docker archive. */
export function sourceOfPath(path: string): Source {
  const parsed = parseSource(path);
  if (parsed) return parsed;
  let dir: boolean;
  try {
    dir = statSync(path).isDirectory();
  } catch (e) {
    throw new ImageError(
      path,
      (e as Error).message.replace(/^\w+: /, ""),
      "give an OCI layout (a directory) or a docker archive (a file)",
    );
  }
  return dir ? { kind: "oci", dir: path } : { kind: "docker-archive", file: path };
}

export async function readSource(src: Source): Promise<ImageSpec> {
  return src.kind === "oci" ? ociLayout(src.dir, src.tag) : dockerArchive(src.file);
}

export interface LoadResult {
  image: ImageRecord;
  /** Layers unpacked by this load (the others were in the store already). */
  unpacked: number;
  /** The image was in the store already. */
  existed: boolean;
}

/** Loads an image into the store: each layer not there yet is unpacked in staging, checked
 * against its digests, then renamed into place; then the image's root and its record. */
export async function loadImage(
  s: ImageStore,
  src: Source,
  o: { names?: string[]; label?: string } = {},
): Promise<LoadResult> {
  const spec = await readSource(src);
  const label = o.label ?? (src.kind === "oci" ? src.dir : src.file);
  return withLock(s, async () => {
    const names = [...new Set([...spec.names, ...(o.names ?? [])])];
    const origin = originOf(src);
    const existing = readRecord(s, spec.id);
    if (existing && imageReady(s, existing)) {
      const merged = [...new Set([...existing.names, ...names])];
      const origins = [...new Set([...(existing.origins ?? []), ...(origin ? [origin] : [])])];
      const image = { ...existing, names: merged, origins };
      if (JSON.stringify(image) !== JSON.stringify(existing)) writeRecord(s, claimNames(s, image));
      return { image, unpacked: 0, existed: true };
    }
    const tmp = join(s.root, "tmp", randomBytes(8).toString("hex"));
    mkdirSync(tmp, { mode: 0o700 });
    try {
      const shift = idShift();
      let unpacked = 0;
      const sizes = new Map<string, number>();
      await spec.readLayers(
        async (i, stream, name) => {
          const l = spec.layers[i];
          if (!l) return;
          const dir = join(tmp, `layer-${i}`);
          mkdirSync(dir, { mode: 0o700 });
          const r = await unpackLayer(stream, dir, name, shift, layerFormat());
          if (l.digest && r.digest !== l.digest)
            throw new ImageError(
              name,
              `the blob's digest is ${r.digest}, the manifest says ${l.digest}`,
              "the layer was altered or damaged: nothing was loaded",
            );
          if (r.diffId !== l.diffId)
            throw new ImageError(
              name,
              `the uncompressed layer's digest is ${r.diffId}, the config's diff_id is ${l.diffId}`,
              "the layer was altered or damaged: nothing was loaded",
            );
          // The layer's own root: what a read-only overlay of the layers alone shows as "/"
          // (the binds of a writable image root come from there); the store's top stays 0700.
          chmodSync(dir, 0o755);
          sizes.set(l.diffId, r.unpacked);
          writeFileSync(
            `${dir}.json`,
            JSON.stringify({
              diffId: r.diffId,
              digest: r.digest,
              size: r.size,
              unpacked: r.unpacked,
              format: layerFormat(),
            }),
          );
          unpacked++;
        },
        (i) => layerCurrent(s, spec.layers[i]?.diffId ?? ""),
      );
      // Every layer verified: into place (a layer two images share is there once). A layer of
      // an older format is replaced, and the flattened roots made of it with it.
      let replaced = false;
      for (const [i, l] of spec.layers.entries()) {
        const dir = join(tmp, `layer-${i}`);
        if (!existsSync(dir) || layerCurrent(s, l.diffId)) continue;
        if (existsSync(layerDir(s, l.diffId)) || existsSync(`${layerDir(s, l.diffId)}.json`)) {
          rmSync(`${layerDir(s, l.diffId)}.json`, { force: true });
          removeTree(layerDir(s, l.diffId));
          replaced = true;
        }
        renameSync(dir, layerDir(s, l.diffId));
        renameSync(`${dir}.json`, `${layerDir(s, l.diffId)}.json`);
      }
      if (replaced)
        for (const e of readdirSync(join(s.root, "roots"))) removeTree(join(s.root, "roots", e));
      const size = spec.layers.reduce(
        (n, l) => n + (sizes.get(l.diffId) ?? layerSize(s, l.diffId)),
        0,
      );
      const record: ImageRecord = {
        id: spec.id,
        names,
        source: label,
        ...(spec.manifestDigest ? { manifestDigest: spec.manifestDigest } : {}),
        config: spec.configDoc.config ?? {},
        ...(spec.configDoc.architecture ? { architecture: spec.configDoc.architecture } : {}),
        layers: spec.layers.map((l) => l.diffId),
        ...(origin ? { origins: [origin] } : {}),
        size,
        loaded: new Date().toISOString(),
      };
      removeTree(rootOf(s, spec.id));
      writeRecord(s, claimNames(s, record));
      return { image: record, unpacked, existed: false };
    } finally {
      removeTree(tmp);
    }
  });
}

function layerSize(s: ImageStore, diffId: string): number {
  try {
    return (JSON.parse(readFileSync(`${layerDir(s, diffId)}.json`, "utf8")) as { unpacked: number })
      .unpacked;
  } catch {
    return 0;
  }
}

function writeRecord(s: ImageStore, r: ImageRecord): void {
  const path = recordPath(s, r.id);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** A name belongs to one image: the one loaded last takes it from the others. */
function claimNames(s: ImageStore, r: ImageRecord): ImageRecord {
  for (const other of listImages(s))
    if (other.id !== r.id && other.names.some((n) => r.names.includes(n)))
      writeRecord(s, { ...other, names: other.names.filter((n) => !r.names.includes(n)) });
  return r;
}

export function readRecord(s: ImageStore, id: string): ImageRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(s, id), "utf8")) as ImageRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export function listImages(s: ImageStore): ImageRecord[] {
  let files: string[];
  try {
    files = readdirSync(join(s.root, "images"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return files
    .filter((f) => HEX.test(f.replace(/\.json$/, "")) && f.endsWith(".json"))
    .map((f) => readRecord(s, f.replace(/\.json$/, "")))
    .filter((r): r is ImageRecord => r !== undefined)
    .sort((a, b) => a.loaded.localeCompare(b.loaded));
}

/** An image of the store by name, full id ("sha256:…" or hex) or a unique id prefix (≥ 4). */
export function findImage(s: ImageStore, ref: string): ImageRecord {
  const all = listImages(s);
  const byName = all.find((r) => r.names.includes(ref));
  if (byName) return byName;
  const h = hex(ref);
  if (/^[0-9a-f]{4,64}$/.test(h)) {
    const hits = all.filter((r) => hex(r.id).startsWith(h));
    if (hits.length === 1 && hits[0]) return hits[0];
  }
  throw new NoSuchImage(
    ref,
    all.length
      ? `images: ${all.flatMap((r) => r.names).join(", ") || "(unnamed)"}`
      : "the store is empty: secure-run load FILE|DIR",
  );
}

/** What identifies an archive without reading it: its path, size and modification time. */
function originOf(src: Source): string | undefined {
  if (src.kind !== "docker-archive") return undefined;
  try {
    const st = statSync(src.file);
    return `docker-archive:${src.file}@${st.size}:${Math.trunc(st.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

/** The image of the store a reference names, without loading anything: a name or id; an OCI
 * layout's image by its config digest; an archive loaded before, unchanged since. */
export function lookupImage(s: ImageStore, ref: string): ImageRecord | undefined {
  const src = parseSource(ref);
  if (!src) return findImage(s, ref);
  if (src.kind === "oci") {
    const r = readRecord(s, ociLayout(src.dir, src.tag).id);
    return r && imageReady(s, r) ? r : undefined;
  }
  const origin = originOf(src);
  return listImages(s).find((r) => origin && r.origins?.includes(origin) && imageReady(s, r));
}

/** The image a reference names: loaded first when it is oci:… or docker-archive:… not in the
 * store yet. */
export async function resolveImage(ref: string): Promise<ImageRecord> {
  const found = lookupImage(imageStore(), ref);
  if (found) return found;
  const src = parseSource(ref);
  if (!src) return findImage(imageStore(), ref);
  return (await loadImage(imageStore({ create: true }), src, { label: ref })).image;
}

/** What `rmi REF…` does, in order: a name of an image that has others is only taken off it (as
 * `docker rmi` of a tag); any other reference removes its image. `records` are the references'
 * images (findImage). */
export function removalPlan(
  records: ImageRecord[],
  refs: string[],
): { names: Map<string, string[]>; removed: { ref: string; record: ImageRecord }[] } {
  const names = new Map(records.map((r) => [r.id, [...r.names]]));
  const removed: { ref: string; record: ImageRecord }[] = [];
  records.forEach((r, i) => {
    const ref = refs[i] ?? "";
    const left = names.get(r.id) ?? [];
    if (left.includes(ref) && left.length > 1)
      names.set(
        r.id,
        left.filter((n) => n !== ref),
      );
    else if (!removed.some((x) => x.record.id === r.id)) removed.push({ ref, record: r });
  });
  return { names, removed };
}

/** The store's directories that go with `image` when the images of `staying` stay: its
 * flattened root and the layers none of them has. */
function dirsOf(s: ImageStore, image: ImageRecord, staying: ImageRecord[]): string[] {
  const used = new Set(staying.flatMap((r) => r.layers.map(hex)));
  return [
    rootOf(s, image.id),
    ...image.layers.filter((l) => !used.has(hex(l))).map((l) => layerDir(s, l)),
  ];
}

/** Locks, for their removal, the directories of each image of `images` (removed in that order,
 * the others of the store staying): the images a running launch holds are returned apart, and
 * none of their directories is locked. */
function lockImages(
  s: ImageStore,
  images: ImageRecord[],
  held: Map<string, number>,
): { locked: ImageRecord[]; busy: { record: ImageRecord; dir: string }[] } {
  const all = listImages(s);
  const locked: ImageRecord[] = [];
  const busy: { record: ImageRecord; dir: string }[] = [];
  for (const image of images) {
    // Those taken before it go; the others (still to be decided, or held) stay for now.
    const staying = all.filter((r) => r.id !== image.id && !locked.some((l) => l.id === r.id));
    const mine: string[] = [];
    let busyDir: string | undefined;
    for (const d of dirsOf(s, image, staying)) {
      if (held.has(d)) continue;
      const fd = lockForRemoval(d);
      if (fd === "held") {
        busyDir = d;
        break;
      }
      if (fd !== "absent") {
        held.set(d, fd);
        mine.push(d);
      }
    }
    if (busyDir === undefined) {
      locked.push(image);
      continue;
    }
    for (const d of mine) {
      closeSync(held.get(d) as number);
      held.delete(d);
    }
    busy.push({ record: image, dir: busyDir });
  }
  return { locked, busy };
}

/** Closes the descriptors of `held` (their locks go with them). */
function release(held: Map<string, number>): void {
  for (const fd of held.values()) closeSync(fd);
  held.clear();
}

/** Removes images (by reference); their layers go when no image has them any more. A name of an
 * image that has others is only taken off it (as `docker rmi` of a tag). Nothing is removed when
 * a running launch holds an image that would go (ImageHeld). */
export async function removeImages(s: ImageStore, refs: string[]): Promise<ImageRecord[]> {
  const records = refs.map((r) => findImage(s, r));
  return withLock(s, () => {
    const { names, removed } = removalPlan(records, refs);
    const held = new Map<string, number>();
    try {
      const { busy } = lockImages(
        s,
        removed.map((x) => x.record),
        held,
      );
      const first = busy[0];
      if (first) {
        const ref = removed.find((x) => x.record.id === first.record.id)?.ref ?? first.record.id;
        throw new ImageHeld(ref, first.record.id, holders(first.dir));
      }
      for (const r of records)
        if (!removed.some((x) => x.record.id === r.id))
          writeRecord(s, { ...r, names: names.get(r.id) ?? r.names });
      for (const { record } of removed) removeImage(s, record);
      pruneLayers(s, held);
      return records;
    } finally {
      release(held);
    }
  });
}

/** An image's record, then its flattened root (locked for it, or absent: lockImages). */
function removeImage(s: ImageStore, r: ImageRecord): void {
  rmSync(recordPath(s, r.id), { force: true });
  removeTree(rootOf(s, r.id));
}

/** Removes the layers no image has; one a running launch holds stays (a later prune takes it).
 * `held`: directories this removal locked already. Returns the hex digests removed. */
function pruneLayers(s: ImageStore, held: Map<string, number>): string[] {
  const used = new Set(listImages(s).flatMap((r) => r.layers.map(hex)));
  const unused = new Set(
    readdirSync(join(s.root, "layers"))
      .map((e) => e.replace(/\.json$/, ""))
      .filter((h) => HEX.test(h) && !used.has(h)),
  );
  const gone: string[] = [];
  for (const h of [...unused].sort()) {
    const dir = join(s.root, "layers", h);
    let fd = held.get(dir);
    if (fd === undefined) {
      const got = lockForRemoval(dir);
      if (got === "held") continue;
      if (got !== "absent") held.set(dir, (fd = got));
    }
    // The record first: a layer without one is not in the store for a launch (imageLayers).
    rmSync(`${dir}.json`, { force: true });
    removeTree(dir);
    if (fd !== undefined) gone.push(h);
  }
  return gone;
}

/** `image prune`: unnamed images (with --all, every image), and layers no image uses. `keep`
 * is given those images, under the lock, and returns the ids of the ones to leave (in use). */
export async function pruneImages(
  s: ImageStore,
  o: { all?: boolean; keep?: (candidates: ImageRecord[]) => Set<string> } = {},
): Promise<{ images: ImageRecord[]; layers: string[]; held: ImageRecord[] }> {
  if (!existsSync(s.root)) return { images: [], layers: [], held: [] };
  return withLock(s, () => {
    const candidates = listImages(s).filter((r) => o.all || r.names.length === 0);
    const kept = o.keep?.(candidates) ?? new Set<string>();
    const held = new Map<string, number>();
    try {
      const { locked: images, busy } = lockImages(
        s,
        candidates.filter((r) => !kept.has(r.id)),
        held,
      );
      for (const r of images) removeImage(s, r);
      return { images, layers: pruneLayers(s, held), held: busy.map((b) => b.record) };
    } finally {
      release(held);
    }
  });
}

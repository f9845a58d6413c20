/** Reading an image from where it was saved: an OCI image layout (a directory: oci-layout,
 * index.json, blobs/sha256/…) or a `docker save` / `podman save` archive (a tar: manifest.json,
 * the config, one tar per layer). Each gives its config and, for each layer, a stream and what
 * the stream must hash to. Nothing here writes. */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import * as tar from "tar-stream";
import { ImageError } from "./errors.js";
import { entryName, readSmall } from "./layer.js";

/** The part of an image config secure-run reads (OCI image spec, `config`). */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object> | null;
}

export interface ImageSpec {
  /** "sha256:…" of the config blob: the image's id. */
  id: string;
  /** The config blob as parsed. */
  configDoc: { config?: ImageConfig; rootfs?: { diff_ids?: string[] }; architecture?: string };
  /** "sha256:…" of the manifest (OCI); the archive has none of its own. */
  manifestDigest?: string;
  /** Names the source gives the image (index annotation, RepoTags). */
  names: string[];
  layers: { diffId: string; digest?: string }[];
  /** Streams the layers in order, calling `each` for each; `each` consumes the stream. */
  readLayers(
    each: (index: number, stream: Readable, name: string) => Promise<void>,
    skip: (index: number) => boolean,
  ): Promise<void>;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_JSON = 4 << 20;

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function parseJson(buf: Buffer, source: string): unknown {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new ImageError(source, `not valid JSON: ${(e as Error).message}`);
  }
}

function diffIds(doc: ImageSpec["configDoc"], source: string, layers: number): string[] {
  const ids = doc.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.some((d) => typeof d !== "string" || !DIGEST.test(d)))
    throw new ImageError(source, "config: rootfs.diff_ids: expected a list of sha256 digests");
  if (ids.length !== layers)
    throw new ImageError(
      source,
      `config: rootfs.diff_ids has ${ids.length} entries, the manifest ${layers} layers`,
    );
  return ids;
}

/** An OCI image layout; `tag` picks a manifest of index.json by its ref.name annotation. */
export function ociLayout(dir: string, tag?: string): ImageSpec {
  const blob = (digest: string, what: string): string => {
    if (!DIGEST.test(digest))
      throw new ImageError(
        dir,
        `${what}: unsupported digest ${JSON.stringify(digest)} (sha256 only)`,
      );
    return join(dir, "blobs/sha256", digest.slice(7));
  };
  const readBlob = (digest: string, what: string): unknown => {
    const path = blob(digest, what);
    let buf: Buffer;
    try {
      if (lstatSync(path).size > MAX_JSON) throw new ImageError(dir, `${what} is too large`);
      buf = readFileSync(path);
    } catch (e) {
      if (e instanceof ImageError) throw e;
      throw new ImageError(dir, `${what} ${digest}: ${(e as Error).message}`);
    }
    if (sha256(buf) !== digest)
      throw new ImageError(dir, `${what} ${digest}: the blob's content does not match its digest`);
    return parseJson(buf, `${dir}: ${what}`);
  };
  let index: {
    manifests?: { digest: string; mediaType?: string; annotations?: Record<string, string> }[];
  };
  try {
    index = parseJson(readFileSync(join(dir, "index.json")), `${dir}/index.json`) as typeof index;
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(
      dir,
      `not an OCI image layout (${(e as Error).message})`,
      "an OCI layout has oci-layout, index.json and blobs/sha256/; make one with skopeo copy docker://IMAGE oci:DIR:TAG",
    );
  }
  const all = (index.manifests ?? []).filter(
    (m) => m.mediaType !== "application/vnd.oci.image.index.v1+json",
  );
  const nameOf = (m: (typeof all)[number]): string | undefined =>
    m.annotations?.["org.opencontainers.image.ref.name"];
  const chosen = tag ? all.filter((m) => nameOf(m) === tag) : all;
  if (chosen.length !== 1 || !chosen[0])
    throw new ImageError(
      dir,
      tag
        ? `index.json has no manifest tagged ${JSON.stringify(tag)}`
        : `index.json has ${all.length} manifests: name one`,
      `tags: ${all.map((m) => nameOf(m) ?? "(none)").join(", ") || "none"}; write oci:${dir}:TAG`,
    );
  const entry = chosen[0];
  const manifest = readBlob(entry.digest, "manifest") as {
    config?: { digest: string };
    layers?: { digest: string; mediaType?: string }[];
  };
  if (!manifest.config || !Array.isArray(manifest.layers))
    throw new ImageError(dir, `manifest ${entry.digest}: expected config and layers`);
  const configDoc = readBlob(manifest.config.digest, "config") as ImageSpec["configDoc"];
  const ids = diffIds(configDoc, `${dir}: config`, manifest.layers.length);
  const layers = manifest.layers.map((l, i) => {
    blob(l.digest, `layer ${i}`);
    return { digest: l.digest, diffId: ids[i] ?? "" };
  });
  const name = nameOf(entry);
  return {
    id: manifest.config.digest,
    configDoc,
    manifestDigest: entry.digest,
    names: name ? [name] : [],
    layers,
    async readLayers(each, skip) {
      for (const [i, l] of layers.entries()) {
        if (skip(i)) continue;
        const path = blob(l.digest, `layer ${i}`);
        if (!existsSync(path))
          throw new ImageError(dir, `layer ${i}: blob ${l.digest} is missing from the layout`);
        await each(i, createReadStream(path), `${dir}: layer ${l.digest}`);
      }
    },
  };
}

/** Passes over the archive's members: `each` gets the normalised name and the stream (which it
 * must consume or resume). */
async function members(
  file: string,
  each: (name: string, stream: Readable, size: number) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const read = createReadStream(file);
  read.on("error", (e) => {
    extract.destroy(e);
  });
  read.pipe(extract);
  try {
    for await (const entry of extract) {
      const n = entryName(entry.header.name);
      if (entry.header.type === "file" && n.ok)
        await each(n.name, entry as unknown as Readable, entry.header.size ?? 0);
      else entry.resume();
    }
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(file, `not a readable docker archive: ${(e as Error).message}`);
  } finally {
    read.destroy();
  }
}

/** A `docker save` archive with one image (the first of manifest.json). */
export async function dockerArchive(file: string): Promise<ImageSpec> {
  const json = new Map<string, Buffer>();
  await members(file, async (name, stream, size) => {
    if (
      size <= MAX_JSON &&
      (name === "manifest.json" || name.endsWith(".json") || name.startsWith("blobs/"))
    )
      json.set(name, await readSmall(stream, MAX_JSON, `${file}: ${name}`));
    else stream.resume();
  });
  const mbuf = json.get("manifest.json");
  if (!mbuf)
    throw new ImageError(
      file,
      "no manifest.json: not a docker-archive",
      "make one with docker save IMAGE -o FILE, podman save, or skopeo copy … docker-archive:FILE",
    );
  const list = parseJson(mbuf, `${file}: manifest.json`) as {
    Config?: string;
    RepoTags?: string[] | null;
    Layers?: string[];
  }[];
  const m = Array.isArray(list) ? list[0] : undefined;
  if (!m || typeof m.Config !== "string" || !Array.isArray(m.Layers))
    throw new ImageError(file, "manifest.json: expected [{Config, Layers}]");
  const configName = entryName(m.Config);
  const cbuf = configName.ok ? json.get(configName.name) : undefined;
  if (!cbuf)
    throw new ImageError(
      file,
      `manifest.json: Config ${JSON.stringify(m.Config)} is not in the archive`,
    );
  const id = sha256(cbuf);
  // The config's name, where it is one, is its digest: the two must agree.
  const named = /([0-9a-f]{64})(\.json)?$/.exec(m.Config)?.[1];
  if (named && `sha256:${named}` !== id)
    throw new ImageError(
      file,
      `config ${m.Config}: its content does not match the digest in its name`,
    );
  const configDoc = parseJson(cbuf, `${file}: ${m.Config}`) as ImageSpec["configDoc"];
  const ids = diffIds(configDoc, `${file}: config`, m.Layers.length);
  const names = m.Layers.map((l) => {
    const n = entryName(l);
    if (!n.ok) throw new ImageError(file, `manifest.json: layer ${JSON.stringify(l)}: ${n.why}`);
    return n.name;
  });
  return {
    id,
    configDoc,
    names: (m.RepoTags ?? []).filter((t) => typeof t === "string"),
    layers: ids.map((diffId) => ({ diffId })),
    async readLayers(each, skip) {
      // The layers in the archive's order, each handed over as it streams past.
      const wanted = new Map<string, number[]>();
      names.forEach((n, i) => {
        if (!skip(i)) wanted.set(n, [...(wanted.get(n) ?? []), i]);
      });
      const seen = new Set<number>();
      await members(file, async (name, stream) => {
        const idx = wanted.get(name)?.find((i) => !seen.has(i));
        if (idx === undefined) return void stream.resume();
        seen.add(idx);
        await each(idx, stream, `${file}: ${name}`);
      });
      const missing = [...wanted.values()].flat().filter((i) => !seen.has(i));
      if (missing.length > 0)
        throw new ImageError(
          file,
          `manifest.json: layer ${JSON.stringify(names[missing[0] ?? 0])} is not in the archive`,
        );
    },
  };
}

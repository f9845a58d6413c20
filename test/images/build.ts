/** Builds small images in a test, with no network: layers are tars made here (tar-stream) of the
 * host's busybox and the libraries it needs; they are written as an OCI image layout or as a
 * `docker save` archive. Hostile layers are made the same way. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar-stream";

export type Entry = Partial<tar.Header> & { name: string; body?: Buffer | string };

export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on("end", () => r()));
  for (const { body, ...h } of entries) {
    await new Promise<void>((res, rej) => {
      const cb = (err?: Error | null): void => (err ? rej(err) : res());
      pack.entry({ mtime: new Date("2024-01-01T00:00:00Z"), ...h }, body ?? "", cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** The busybox binary and its shared libraries, as layer entries under their own paths. */
export function busyboxEntries(): Entry[] {
  const out: Entry[] = [];
  const ldd = execFileSync("ldd", ["/bin/busybox"], { encoding: "utf8" });
  const libs = [...ldd.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] ?? "");
  const dirs = new Set<string>();
  for (const p of ["/bin/busybox", ...libs]) {
    const rel = p.slice(1);
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    out.push({ name: rel, mode: 0o755, body: readFileSync(realpathSync(p)) });
  }
  return [
    ...[...dirs].sort().map((d): Entry => ({ name: `${d}/`, type: "directory", mode: 0o755 })),
    ...out,
  ];
}

export interface Layer {
  entries: Entry[];
  gzip?: boolean;
  /** Compressed with Debian's zstd (media type tar+zstd); `frames` splits the tar into that many
   * zstd frames, one after the other (as a stream that was compressed in parts). */
  zstd?: boolean | { frames: number };
  /** The blob as given, instead of a tar of the entries. */
  raw?: Buffer;
  /** Damages the compressed blob (after compression; the diff_id stays the tar's). */
  damage?: (blob: Buffer) => Buffer;
}

/** `t` compressed by the zstd command, in `frames` independent frames. */
function zstdOf(t: Buffer, frames = 1): Buffer {
  const step = Math.ceil(t.length / frames);
  const parts: Buffer[] = [];
  for (let at = 0; at < t.length; at += step)
    parts.push(
      execFileSync("zstd", ["-q", "-c", "-3"], {
        input: t.subarray(at, at + step),
        maxBuffer: 1 << 30,
      }),
    );
  return Buffer.concat(parts);
}

export interface BuiltLayer {
  blob: Buffer;
  digest: string;
  diffId: string;
}

export async function buildLayer(l: Layer): Promise<BuiltLayer> {
  const t = l.raw ?? (await tarOf(l.entries));
  const packed = l.zstd
    ? zstdOf(t, typeof l.zstd === "object" ? l.zstd.frames : 1)
    : l.gzip
      ? gzipSync(t)
      : t;
  const blob = l.damage ? l.damage(packed) : packed;
  return { blob, digest: `sha256:${sha(blob)}`, diffId: `sha256:${sha(t)}` };
}

export interface ImageDef {
  layers: Layer[];
  config?: Record<string, unknown>;
  /** Tamper: the blob of layer 0 is replaced by another layer after the manifest is written. */
  tamperedWith?: Layer;
}

function configOf(def: ImageDef, layers: BuiltLayer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: def.config ?? {},
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
}

/** Writes an OCI image layout at `dir`, the manifest tagged `tag`; returns the config digest. */
export async function writeOci(dir: string, def: ImageDef, tag = "latest"): Promise<string> {
  const layers = await Promise.all(def.layers.map(buildLayer));
  const blobs = join(dir, "blobs/sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): string => {
    const h = sha(b);
    writeFileSync(join(blobs, h), b);
    return `sha256:${h}`;
  };
  for (const l of layers) put(l.blob);
  const config = configOf(def, layers);
  const configDigest = put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers: layers.map((l, i) => ({
        mediaType: def.layers[i]?.zstd
          ? "application/vnd.oci.image.layer.v1.tar+zstd"
          : def.layers[i]?.gzip
            ? "application/vnd.oci.image.layer.v1.tar+gzip"
            : "application/vnd.oci.image.layer.v1.tar",
        digest: l.digest,
        size: l.blob.length,
      })),
    }),
  );
  const manifestDigest = put(manifest);
  const first = layers[0];
  if (def.tamperedWith && first)
    writeFileSync(join(blobs, first.digest.slice(7)), (await buildLayer(def.tamperedWith)).blob);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  return configDigest;
}

/** Writes a `docker save` archive (legacy layout: <hex>/layer.tar, <hex>.json, manifest.json). */
export async function writeDockerArchive(
  file: string,
  def: ImageDef,
  repoTag = "test/busybox:latest",
  /** Docker 25's layout: blobs/sha256/<hex> for the config and the layers. */
  blobs = false,
): Promise<string> {
  const layers = await Promise.all(def.layers.map(buildLayer));
  const config = configOf(def, layers);
  const cid = sha(config);
  const first = layers[0];
  if (def.tamperedWith && first) first.blob = (await buildLayer(def.tamperedWith)).blob;
  const layerName = (l: BuiltLayer): string =>
    blobs ? `blobs/sha256/${l.diffId.slice(7)}` : `${l.diffId.slice(7)}/layer.tar`;
  const configName = blobs ? `blobs/sha256/${cid}` : `${cid}.json`;
  const entries: Entry[] = blobs
    ? [
        { name: "blobs/", type: "directory", mode: 0o755 },
        { name: "blobs/sha256/", type: "directory", mode: 0o755 },
      ]
    : [];
  for (const l of layers) {
    if (!blobs) entries.push({ name: `${l.diffId.slice(7)}/`, type: "directory", mode: 0o755 });
    entries.push({ name: layerName(l), mode: 0o644, body: l.blob });
  }
  entries.push({ name: configName, mode: 0o644, body: config });
  entries.push({
    name: "manifest.json",
    mode: 0o644,
    body: JSON.stringify([
      { Config: configName, RepoTags: [repoTag], Layers: layers.map(layerName) },
    ]),
  });
  writeFileSync(file, await tarOf(entries));
  return `sha256:${cid}`;
}

/** The test image: busybox with its libraries; a second layer with whiteouts, an opaque
 * directory, a hard link and a chain of symbolic links; a config that names a command. */
export function testImage(): ImageDef {
  const dir = (name: string): Entry => ({ name, type: "directory", mode: 0o755 });
  const file = (name: string, body: string, mode = 0o644): Entry => ({ name, mode, body });
  return {
    layers: [
      {
        gzip: true,
        entries: [
          ...busyboxEntries(),
          ...[
            "sh",
            "cat",
            "id",
            "ls",
            "echo",
            "pwd",
            "head",
            "wc",
            "env",
            "stat",
            "touch",
            "readlink",
            "httpd",
          ].map((a): Entry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
          dir("etc/"),
          file(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
          ),
          file("etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n"),
          file("etc/gone.txt", "removed by the upper layer\n"),
          dir("srv/"),
          dir("srv/opaque/"),
          file("srv/opaque/old.txt", "hidden by the opaque directory\n"),
          dir("srv/removed/"),
          file("srv/removed/inner.txt", "gone with its directory\n"),
          dir("home/"),
          { name: "home/app/", type: "directory", mode: 0o755, uid: 1000, gid: 1000 },
        ],
      },
      {
        entries: [
          dir("etc/"),
          file("etc/.wh.gone.txt", ""),
          file("etc/motd", "hello from the image\n"),
          { name: "etc/motd-link", type: "link", linkname: "etc/motd" },
          dir("srv/"),
          file("srv/.wh.removed", ""),
          dir("srv/opaque/"),
          file("srv/opaque/.wh..wh..opq", ""),
          file("srv/opaque/new.txt", "only this one\n"),
          dir("usr/"),
          dir("usr/bin/"),
          { name: "usr/bin/hello", type: "symlink", linkname: "/bin/hi" },
          { name: "bin/hi", type: "symlink", linkname: "sh" },
        ],
      },
    ],
    config: {
      Entrypoint: ["/bin/sh", "-c"],
      Cmd: ['echo "$GREETING from $(pwd) as $(id -u)"; cat /etc/motd'],
      Env: ["PATH=/bin:/usr/bin", "GREETING=hi"],
      WorkingDir: "/home/app",
      User: "1000",
      ExposedPorts: { "8080/tcp": {} },
    },
  };
}

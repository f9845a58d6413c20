/** Unpacking one layer (a tar stream, gzip-compressed or not) into an empty directory, safely:
 * no entry may land outside the directory. Names are normalised and checked ("..", absolute
 * names refused); every entry is created below parents this same extraction made as real
 * directories (a parent that an earlier entry made a symbolic link or a file is refused, so no
 * link is ever followed: "symlink-then-file"); files are created O_EXCL|O_NOFOLLOW; hard links
 * only to regular files of the same layer; device nodes and FIFOs are refused. The directory is
 * a private staging directory of the caller's (0700), written by nothing else meanwhile, which
 * is what makes path-based creation below checked parents safe.
 *
 * Whiteouts become what overlayfs reads (format.ts): `.wh.NAME` a whiteout NAME (a character
 * device 0:0), `.wh..wh..opq` the opaque attribute of its directory; other `.wh..wh.` entries
 * (aufs's metadata) are skipped. A whiteout may not name an entry of its own layer. */
import { createHash, type Hash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  futimesSync,
  lchownSync,
  linkSync,
  mkdirSync,
  openSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import { ImageError } from "./errors.js";
import { layerFs, opaqueXattr, type LayerFormat } from "./format.js";
import { unzstd } from "./zstd.js";

/** Where the files' owners go: ids inside the app's user namespace are `base + id` outside (root's
 * store); undefined: every file stays the caller's (a rootless store, where the app's id maps to
 * the caller). */
export interface IdShift {
  uid: number;
  gid: number;
  count: number;
}

export interface LayerResult {
  /** sha256 of the stream as read (the blob's digest), "sha256:…". */
  digest: string;
  /** sha256 of the uncompressed tar (the config's diff_id), "sha256:…". */
  diffId: string;
  /** Bytes of the blob as read. */
  size: number;
  /** Bytes of the files unpacked. */
  unpacked: number;
}

type Kind = "dir" | "file" | "symlink" | "whiteout";

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** A tar entry's name made relative and normal ("./a//b/" → "a/b"), or why it is refused. */
export function entryName(name: string): { ok: true; name: string } | { ok: false; why: string } {
  if (name.startsWith("/"))
    return { ok: false, why: "an absolute name (entries must be relative to the layer)" };
  if (name.includes("\0")) return { ok: false, why: "a NUL byte in the name" };
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes(".."))
    return { ok: false, why: 'a ".." component (it would leave the layer)' };
  return { ok: true, name: parts.join("/") };
}

const GZIP = [0x1f, 0x8b];
const SMALL = 1 << 20;
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const starts = (b: Buffer, magic: number[]): boolean => magic.every((m, i) => b[i] === m);

/** A stream stage that counts and hashes what passes. */
function tap(hash: Hash, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      count.n += chunk.length;
      cb(null, chunk);
    },
  });
}

/** gzip, zstd or plain tar, told by the first bytes (the media type is not trusted for it). */
function decompressor(source: string): (src: AsyncIterable<Buffer>) => AsyncIterable<Buffer> {
  return async function* (src) {
    const it = src[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const head = first.value;
    async function* all(): AsyncGenerator<Buffer> {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    }
    if (starts(head, ZSTD)) {
      try {
        yield* unzstd(all());
      } catch (e) {
        if (e instanceof ImageError) throw e;
        throw new ImageError(
          source,
          `a zstd-compressed layer that cannot be decompressed: ${(e as Error).message}`,
          "the layer is damaged or cut short: nothing was loaded",
        );
      }
      return;
    }
    if (!starts(head, GZIP)) {
      yield* all();
      return;
    }
    const gunzip = createGunzip();
    const done = pipeline(Readable.from(all()), gunzip).catch((e: unknown) => {
      gunzip.destroy(e as Error);
    });
    for await (const chunk of gunzip) yield chunk as Buffer;
    await done;
  };
}

/** Unpacks the layer read from `stream` into `dir` (an empty directory). `source` names the layer
 * in errors. */
export async function unpackLayer(
  stream: Readable,
  dir: string,
  source: string,
  shift?: IdShift,
  format?: LayerFormat,
): Promise<LayerResult> {
  const fs = layerFs(source);
  const opaque = opaqueXattr(format);
  const blobHash = createHash("sha256");
  const tarHash = createHash("sha256");
  const blobBytes = { n: 0 };
  const tarBytes = { n: 0 };
  const extract = tar.extract();
  const piped = pipeline(
    stream,
    tap(blobHash, blobBytes),
    decompressor(source),
    tap(tarHash, tarBytes),
    extract,
  );
  const kinds = new Map<string, Kind>([["", "dir"]]);
  const dirs: { path: string; mode: number; mtime?: Date }[] = [];
  let unpacked = 0;
  const refuse = (name: string, why: string, hint?: string): never => {
    throw new ImageError(source, `entry ${JSON.stringify(name)}: ${why}`, hint);
  };

  /** The parent of `name` as a real directory made by this layer (made when missing). */
  const parentOf = (raw: string, name: string): void => {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const k = kinds.get(p);
      if (k === "dir") continue;
      if (k === "symlink")
        refuse(
          raw,
          `its parent ${JSON.stringify(p)} is a symbolic link of the layer: it is never followed while unpacking`,
        );
      if (k === "file" || k === "whiteout")
        refuse(raw, `its parent ${JSON.stringify(p)} is not a directory`);
      mkdirSync(join(dir, p), { mode: 0o755 });
      kinds.set(p, "dir");
    }
  };

  /** Removes what an earlier entry of the same name made (the later entry wins, as in tar). */
  const replace = (raw: string, name: string, kind: Kind): boolean => {
    const had = kinds.get(name);
    if (!had) return false;
    if (had === "dir" && kind === "dir") return true;
    if (had === "whiteout") refuse(raw, "an entry that a whiteout of its own layer hides");
    if (had === "dir") refuse(raw, "replaces a directory of the same layer");
    unlinkSync(join(dir, name));
    kinds.delete(name);
    return false;
  };

  /** A whiteout or opaque attribute made as overlayfs reads it; the store's filesystem may not
   * take it (no extended attributes: NFS, an old tmpfs). */
  const stored = (raw: string, make: () => void): void => {
    try {
      make();
    } catch (e) {
      refuse(
        raw,
        `cannot be stored as overlayfs reads it: ${(e as Error).message}`,
        `the image store's filesystem must take overlayfs whiteouts and ${opaque} attributes (ext4, xfs, btrfs; tmpfs from Linux 6.6)`,
      );
    }
  };

  const owner = (path: string, h: tar.Header, raw: string): void => {
    if (!shift) return;
    const uid = h.uid ?? 0;
    const gid = h.gid ?? 0;
    if (uid >= shift.count || gid >= shift.count)
      refuse(raw, `owner ${uid}:${gid} is outside the ${shift.count} ids of the user namespace`);
    lchownSync(path, shift.uid + uid, shift.gid + gid);
  };

  const consume = async (): Promise<void> => {
    for await (const entry of extract) {
      const h = entry.header;
      const checked = entryName(h.name);
      if (!checked.ok) refuse(h.name, checked.why);
      const name = checked.ok ? checked.name : "";
      const path = join(dir, name);
      // Setuid and setgid bits are dropped (the root is mounted nosuid in any case).
      const mode = (h.mode ?? 0o644) & 0o1777;
      if (name === "") {
        if (h.type !== "directory") refuse(h.name, "the layer's root must be a directory");
        entry.resume();
        continue;
      }
      const base = name.slice(name.lastIndexOf("/") + 1);
      if (base.startsWith(WH)) {
        if (h.type !== "file" && h.type !== "contiguous-file" && h.type !== "link")
          refuse(h.name, "a whiteout that is not a plain file");
        const slash = name.lastIndexOf("/");
        const parent = slash < 0 ? "" : name.slice(0, slash);
        parentOf(h.name, name);
        if (base === OPAQUE) {
          stored(h.name, () => {
            fs.setXattr(join(dir, parent), opaque, "y");
          });
        } else if (!base.startsWith(`${WH}${WH}`)) {
          const hidden = base.slice(WH.length);
          const target = parent ? `${parent}/${hidden}` : hidden;
          if (hidden === "" || hidden === "." || hidden === "..")
            refuse(h.name, "a whiteout of no name of its directory");
          if (kinds.has(target))
            refuse(h.name, `a whiteout of ${JSON.stringify(target)}, an entry of its own layer`);
          stored(h.name, () => {
            fs.whiteout(join(dir, parent), hidden);
          });
          kinds.set(target, "whiteout");
        }
        entry.resume();
        continue;
      }
      switch (h.type) {
        case "directory": {
          parentOf(h.name, name);
          if (!replace(h.name, name, "dir")) mkdirSync(path, { mode: 0o700 });
          kinds.set(name, "dir");
          owner(path, h, h.name);
          dirs.push({ path, mode, ...(h.mtime ? { mtime: h.mtime } : {}) });
          entry.resume();
          break;
        }
        case "file":
        case "contiguous-file": {
          parentOf(h.name, name);
          replace(h.name, name, "file");
          // The tar's bytes first (a small file in memory), then one synchronous create and
          // write: a round trip to the thread pool per call would dominate a layer of small
          // files.
          const small = (h.size ?? 0) <= SMALL;
          const chunks: Buffer[] = [];
          if (small) for await (const c of entry) chunks.push(c as Buffer);
          const fd = openSync(
            path,
            constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
            0o600,
          );
          try {
            if (small) writeSync(fd, Buffer.concat(chunks));
            // Chunk by chunk into the fd this code owns (a write stream given the fd closes it
            // when the layer's stream fails, and the close below would then close another's).
            else for await (const c of entry) writeSync(fd, c as Buffer);
            fchmodSync(fd, mode);
            if (h.mtime) futimesSync(fd, h.mtime, h.mtime);
          } finally {
            closeSync(fd);
          }
          kinds.set(name, "file");
          owner(path, h, h.name);
          unpacked += h.size ?? 0;
          break;
        }
        case "symlink": {
          parentOf(h.name, name);
          replace(h.name, name, "symlink");
          // The link's text is kept as is: it is resolved inside the app's root, never here.
          symlinkSync(h.linkname ?? "", path);
          kinds.set(name, "symlink");
          owner(path, h, h.name);
          entry.resume();
          break;
        }
        case "link": {
          const target = entryName(h.linkname ?? "");
          if (!target.ok)
            refuse(h.name, `a hard link to ${JSON.stringify(h.linkname)}: ${target.why}`);
          const to = target.ok ? target.name : "";
          if (kinds.get(to) !== "file")
            refuse(
              h.name,
              `a hard link to ${JSON.stringify(h.linkname)}, which is not a regular file earlier in the same layer`,
            );
          parentOf(h.name, name);
          replace(h.name, name, "file");
          linkSync(join(dir, to), path);
          kinds.set(name, "file");
          entry.resume();
          break;
        }
        case "character-device":
        case "block-device":
          refuse(
            h.name,
            `a ${h.type.replace("-", " ")} (${h.devmajor ?? 0}:${h.devminor ?? 0}): device nodes are refused (the sandbox's /dev is secure-run's own)`,
          );
          break;
        case "fifo":
          refuse(h.name, "a FIFO: not supported in image layers");
          break;
        default:
          refuse(h.name, `an entry of type ${String(h.type)}: not supported`);
      }
    }
  };

  try {
    await Promise.all([piped, consume()]);
  } catch (e) {
    extract.destroy();
    stream.destroy();
    // The stream's own error (a damaged compression) before what it caused downstream.
    const cause = await piped.then(
      () => undefined,
      (p: unknown) => p,
    );
    if (cause instanceof ImageError) throw cause;
    if (e instanceof ImageError) throw e;
    throw new ImageError(source, `not a readable tar layer: ${(e as Error).message}`);
  }
  // Directory modes last (deepest first): a read-only directory is filled before it is closed.
  for (const d of dirs.reverse()) {
    chmodSync(d.path, d.mode);
    if (d.mtime) utimesSync(d.path, d.mtime, d.mtime);
  }
  return {
    digest: `sha256:${blobHash.digest("hex")}`,
    diffId: `sha256:${tarHash.digest("hex")}`,
    size: blobBytes.n,
    unpacked,
  };
}

/** Reads a whole stream into memory, refusing more than `max` bytes (manifests, configs). */
export async function readSmall(stream: Readable, max: number, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream.pipe(new PassThrough())) {
    n += (c as Buffer).length;
    if (n > max) {
      stream.destroy();
      throw new ImageError(source, `larger than ${max} bytes: not an image manifest or config`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

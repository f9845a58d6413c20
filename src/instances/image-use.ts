/** Which images the instances use, so that `rmi` refuses to remove one an instance still needs
 * and `image prune` leaves it, as Docker does for containers. Every instance of the store counts,
 * running or not: a stopped one is started again from the same bundle, on the same root.
 *
 * What an instance uses is the image id its instance.json names (written from its plan). For an
 * instance without one (made before, or whose instance.json cannot be read) it is read from its
 * bundle, the launcher's arguments it starts from: every path into the image store they name. An
 * image is then in use when its root is named, or exactly its set of layers. The bundle is read as hostile (a
 * file of the caller's, bounded, decoded by the bundle format's own reader); an instance whose
 * bundle cannot be read cannot be started either, and holds no image.
 *
 * The check is made before the store's lock is taken: an instance created from the image in
 * between is not seen (as with `docker rmi` racing `docker run`). What a launch runs on is held
 * apart, by the launch itself (images/hold.ts): the removal then refuses the image, or the
 * launch fails, saying so. */
import { decodeBundle } from "../bundle/format.js";
import { SecureRunError } from "../errors.js";
import {
  findImage,
  pruneImages,
  removalPlan,
  type ImageRecord,
  type ImageStore,
} from "../images/store.js";
import { readOwned, UnsafeFileError } from "./files.js";
import { instanceDir, listIds, type Store } from "./store.js";
import { viewInstance, statusText } from "./view.js";

/** An instance that uses an image. */
export interface ImageUser {
  id: string;
  name: string;
  /** "running", "exited (0)", … */
  status: string;
  /** It runs (or starts, restarts, is paused): stop it first. */
  active: boolean;
  /** It is removed when it ends (run -d --rm): stopping it is enough. */
  removedWhenDone: boolean;
}

/** An image an instance still uses (exit 1, as `docker rmi`'s conflict). */
export class ImageInUse extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_IMAGE_IN_USE";
  readonly hint: string;
  constructor(
    readonly ref: string,
    readonly imageId: string,
    readonly users: ImageUser[],
  ) {
    const names = users.map((u) => `${u.name} (${u.id.slice(0, 12)}, ${u.status})`).join(", ");
    const active = users.some((u) => u.active);
    super(
      `image ${ref} (${imageId.replace(/^sha256:/, "").slice(0, 12)}) is being used by ` +
        `instance${users.length > 1 ? "s" : ""} ${names}; ` +
        (active ? "stop it and remove it first" : "remove it first"),
    );
    this.name = "ImageInUse";
    const first = users[0];
    this.hint =
      first && users.every((u) => u.removedWhenDone)
        ? `secure-run stop ${first.name} (it is removed when it ends)`
        : `secure-run rm ${active ? "-f " : ""}${users.map((u) => u.name).join(" ")}` +
          " (stop keeps an instance, and it could be started again)";
  }
}

const MAX_BUNDLE = 64 << 20;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const hex = (digest: string): string => digest.replace(/^sha256:/, "");

/** The image store's roots and layers an instance's bundle names (hex digests), or undefined
 * when its bundle cannot be read. */
function storePaths(
  images: ImageStore,
  dir: string,
): { roots: Set<string>; layers: Set<string> } | undefined {
  let args: string[];
  try {
    args = decodeBundle(readOwned(dir, "bundle", MAX_BUNDLE), `${dir}/bundle`).args;
  } catch (e) {
    if (e instanceof SecureRunError || e instanceof UnsafeFileError) return undefined;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const re = new RegExp(`${escape(images.root)}/(roots|layers)/([0-9a-f]{64})(?![0-9a-f])`, "g");
  const roots = new Set<string>();
  const layers = new Set<string>();
  for (const a of args)
    for (const m of a.matchAll(re)) (m[1] === "roots" ? roots : layers).add(m[2] ?? "");
  return { roots, layers };
}

function uses(paths: { roots: Set<string>; layers: Set<string> }, image: ImageRecord): boolean {
  if (paths.roots.has(hex(image.id))) return true;
  const own = new Set(image.layers.map(hex));
  return (
    own.size > 0 && own.size === paths.layers.size && [...own].every((l) => paths.layers.has(l))
  );
}

/** For each image of `images` (by id), the instances of `instances` that use it. */
export function imageUsers(
  images: ImageStore,
  instances: Store,
  records: ImageRecord[],
): Map<string, ImageUser[]> {
  const out = new Map<string, ImageUser[]>();
  for (const id of listIds(instances)) {
    let user: ImageUser;
    let image: string | undefined;
    try {
      const v = viewInstance(instances, id);
      image = v.doc.image;
      user = {
        id,
        name: v.doc.name,
        status: statusText(v),
        active: v.alive,
        removedWhenDone: v.doc.remove,
      };
    } catch {
      // Its instance.json is gone or not safe, but its bundle is there: it still counts.
      user = {
        id,
        name: id.slice(0, 12),
        status: "unknown",
        active: false,
        removedWhenDone: false,
      };
    }
    let used: ImageRecord[];
    if (image) {
      used = records.filter((r) => r.id === image);
    } else {
      // Made before instances named their image, or its instance.json cannot be read.
      const paths = storePaths(images, instanceDir(instances, id));
      if (!paths || (paths.roots.size === 0 && paths.layers.size === 0)) continue;
      used = records.filter((r) => uses(paths, r));
    }
    for (const r of used) out.set(r.id, [...(out.get(r.id) ?? []), user]);
  }
  return out;
}

/** Throws ImageInUse for the first reference whose image `rmi` would remove (not only untag)
 * while an instance uses it. */
export function refuseImagesInUse(images: ImageStore, instances: Store, refs: string[]): void {
  const { removed } = removalPlan(
    refs.map((r) => findImage(images, r)),
    refs,
  );
  if (removed.length === 0) return;
  const users = imageUsers(
    images,
    instances,
    removed.map((x) => x.record),
  );
  for (const { ref, record } of removed) {
    const u = users.get(record.id);
    if (u && u.length > 0) throw new ImageInUse(ref, record.id, u);
  }
}

/** `image prune`, leaving the images an instance uses (inUse) and those a running launch holds
 * (held: a foreground run, an instance starting); says which were left. */
export async function pruneUnusedImages(
  images: ImageStore,
  instances: Store,
  o: { all?: boolean } = {},
): Promise<{ images: ImageRecord[]; layers: string[]; inUse: ImageRecord[]; held: ImageRecord[] }> {
  const inUse: ImageRecord[] = [];
  const r = await pruneImages(images, {
    ...o,
    keep: (candidates) => {
      const users = imageUsers(images, instances, candidates);
      const kept = candidates.filter((c) => (users.get(c.id) ?? []).length > 0);
      inUse.push(...kept);
      return new Set(kept.map((c) => c.id));
    },
  });
  return { ...r, inUse };
}

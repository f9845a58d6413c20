/** How a layer is kept in the store, so that overlayfs can use its directory as a lower layer as
 * it is: an OCI whiteout `.wh.NAME` is overlayfs's own whiteout (NAME, a character device 0:0),
 * an opaque marker `.wh..wh..opq` the opaque extended attribute of its directory. Root's store
 * is mounted by root (trusted.overlay.*); a user's inside the user's user namespace, where
 * overlayfs reads user.overlay.* (its `userxattr` option). The format is recorded in each layer's
 * `.json`: a layer of another format (an older secure-run's, with the `.wh.` files kept) is
 * never read as this one: `load` unpacks it again, a launch refuses it and says so. */
import type { Stats } from "node:fs";
import { execAddon, type ExecAddon } from "../native/exec.cjs";
import { paths } from "../paths.cjs";
import { ImageError } from "./errors.js";

export type LayerFormat = "overlay-trusted/1" | "overlay-user/1";

/** The format of the caller's store. */
export function layerFormat(): LayerFormat {
  return process.geteuid?.() === 0 ? "overlay-trusted/1" : "overlay-user/1";
}

/** The opaque marker's extended attribute in `format`. */
export function opaqueXattr(format: LayerFormat = layerFormat()): string {
  return format === "overlay-trusted/1" ? "trusted.overlay.opaque" : "user.overlay.opaque";
}

/** The native calls that write and read a layer's overlay metadata: no JavaScript fallback
 * (a layer without them would show what its whiteouts hide). */
export function layerFs(source: string): Pick<ExecAddon, "whiteout" | "setXattr" | "getXattr"> {
  const addon = execAddon();
  if (!addon)
    throw new ImageError(
      source,
      `the native addon ${paths.execAddon} is not built: image layers cannot be stored without it`,
      "build it: npm run build:native",
    );
  return addon;
}

/** overlayfs's whiteout in a stored layer: a character device 0:0. */
export const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

/** Whether a stored layer's directory has the opaque attribute (in the caller's format). */
export const isOpaque = (dir: string): boolean => layerFs(dir).getXattr(dir, opaqueXattr()) === "y";

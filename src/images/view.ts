/** An image's root as the app will see it, read from its stored layers (top layer first) without
 * assembling them: what overlayfs shows. A name is looked up from the top layer down: a whiteout
 * (a character device 0:0) hides it in the layers below, a non-directory ends the search there,
 * a directory with the opaque attribute hides the lower layers' directory of that name. No link
 * is followed on the host: symbolic links are resolved inside the image (`pathInImage`). */
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { RootEntry } from "../host/facts.js";
import { isOpaque, isWhiteout } from "./format.js";

/** The file of the topmost layer that `parts` names (no link resolved), or undefined. */
export function lookupInLayers(
  layers: readonly string[],
  parts: readonly string[],
): { path: string; st: Stats } | undefined {
  let candidates = [...layers];
  for (let d = 0; d < parts.length; d++) {
    const next: string[] = [];
    for (const layer of candidates) {
      const path = join(layer, ...parts.slice(0, d + 1));
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (isWhiteout(st)) break;
      if (d === parts.length - 1) return { path, st };
      if (!st.isDirectory()) break;
      next.push(layer);
      if (isOpaque(path)) break;
    }
    if (next.length === 0) return undefined;
    candidates = next;
  }
  return undefined;
}

/** The layer file that `rel` is inside the image, each symbolic link on the way resolved inside
 * the image (an absolute target from its root, ".." stopping there). */
export function pathInImage(layers: readonly string[], rel: string): string | undefined {
  const todo = rel.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  let last: string | undefined;
  for (let hops = 0; todo.length > 0;) {
    const part = todo.shift() ?? "";
    if (part === "..") {
      done.pop();
      continue;
    }
    const hit = lookupInLayers(layers, [...done, part]);
    if (!hit) return undefined;
    if (!hit.st.isSymbolicLink()) {
      done.push(part);
      last = hit.path;
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(hit.path);
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return done.length ? last : undefined;
}

/** The image's /etc/passwd and /etc/group. */
export function imageAccounts(layers: readonly string[]): { passwd: string; group: string } {
  const read = (f: string): string => {
    const path = pathInImage(layers, f);
    try {
      return path ? readFileSync(path, "utf8") : "";
    } catch {
      return "";
    }
  };
  return { passwd: read("etc/passwd"), group: read("etc/group") };
}

/** The entries of the image's root directory, what each is. */
export function imageEntries(layers: readonly string[]): Record<string, RootEntry> {
  const out: Record<string, RootEntry> = {};
  const names = new Set(layers.flatMap((l) => readdirSync(l)));
  for (const name of [...names].sort()) {
    const hit = lookupInLayers(layers, [name]);
    if (!hit) continue;
    if (hit.st.isSymbolicLink()) out[name] = { type: "symlink", target: readlinkSync(hit.path) };
    else if (hit.st.isDirectory()) out[name] = { type: "dir" };
    else if (hit.st.isFile()) out[name] = { type: "file" };
  }
  return out;
}

/** Images of app definitions, loaded into the store before anything plans them: planning is
 * synchronous and reads the store only; loading an archive or layout is not. */
import { loadApp } from "../appspec/load.js";
import { SecureRunError } from "../errors.js";
import { NoSuchImage } from "./errors.js";
import { resolveImage } from "./store.js";

/** Loads the image of each app file whose root is an oci: or docker-archive: image not in the
 * store yet. A file that does not load, or names an image the store does not have, is left to
 * the command, which reports it with its place in the file. */
export async function ensureImages(files: readonly string[]): Promise<void> {
  for (const file of files) {
    let ref: string | undefined;
    try {
      const root = loadApp(file).app.root;
      ref = root?.type === "image" ? root.ref : undefined;
    } catch (e) {
      if (e instanceof SecureRunError) continue;
      throw e;
    }
    if (ref === undefined) continue;
    try {
      await resolveImage(ref);
    } catch (e) {
      if (!(e instanceof NoSuchImage)) throw e;
    }
  }
}

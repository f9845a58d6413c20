/** `exec`: a command in a sandbox built from flags, run as `run` runs an app. */
import { InputError } from "../../src/errors.js";
import { flagOf, loadFromFlags, type ExecFlags } from "../../src/appspec/from-flags.js";
import { prepareLoaded } from "../../src/launch/prepare.js";
import { resolveImage } from "../../src/images/store.js";
import { imageRef } from "../../src/appspec/normalize.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";
import { runDetached, type DetachFlags } from "./detach.js";
import { runPrepared } from "./run.js";

export async function exec(
  io: CliIO,
  argv: string[],
  opts: ExecFlags & DetachFlags,
): Promise<void> {
  // An archive or layout goes into the image store first (planning reads the store).
  if (opts.image) await resolveImage(imageRef(opts.image, process.cwd()));
  let prepared;
  try {
    prepared = prepareLoaded(loadFromFlags(argv, opts), {
      config: readConfig(opts.config),
      explain: Boolean(opts.explain),
    });
  } catch (e) {
    // Problems found while planning point at a field; on this command line, at its flag.
    if (e instanceof InputError) {
      throw new InputError(
        e.issues.map((i) =>
          i.file === "secure-run exec"
            ? {
                file: flagOf(i.path),
                path: i.path,
                message: i.message,
                ...(i.hint ? { hint: i.hint } : {}),
              }
            : i,
        ),
      );
    }
    throw e;
  }
  if (opts.detach) {
    await runDetached(prepared, io, opts, { app: null, where: "secure-run exec" });
    return;
  }
  if (opts.rm)
    throw new InputError([{ file: "--rm", path: "", message: "only with -d (--detach)" }]);
  await runPrepared(prepared, io, opts);
}

/** Errors of the image store: a bad or hostile image (exit 2, as bad input), a missing one (1). */
import { SecureRunError } from "../errors.js";

/** An image archive, layout or layer that is malformed or hostile: nothing of it is kept. */
export class ImageError extends SecureRunError {
  readonly exitCode = 2;
  readonly code = "ERR_IMAGE";
  constructor(
    /** The archive, layout or blob concerned. */
    readonly source: string,
    message: string,
    readonly hint?: string,
  ) {
    super(`${source}: ${message}`);
    this.name = "ImageError";
  }
}

/** No image answers to a reference (exit 1, as `docker`'s "No such image"). */
export class NoSuchImage extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_NO_SUCH_IMAGE";
  constructor(
    readonly ref: string,
    readonly hint?: string,
  ) {
    super(`No such image: ${ref}`);
    this.name = "NoSuchImage";
  }
}

/** zstd decompression of a layer stream (`application/vnd.oci.image.layer.v1.tar+zstd`, or any
 * layer whose first bytes are zstd's magic number). Node 20's zlib has no zstd; fzstd (pure
 * JavaScript, pinned in package.json) decompresses chunk by chunk, every frame in turn as
 * `zstd -d` does, so a layer is never held whole in memory. Its errors (damaged data, a stream
 * cut short) end the stream with fzstd's own error; the layer's diff_id is checked by the caller in any case (fzstd
 * does not verify zstd's own content checksums). */
import { Decompress } from "fzstd";

/** The decompressed bytes of the zstd stream `src`. */
export async function* unzstd(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  // A copy of each block: fzstd keeps writing its window while the consumer reads.
  const d = new Decompress((data) => {
    if (data.length > 0) out.push(Buffer.from(data));
  });
  for await (const chunk of src) {
    d.push(chunk);
    yield* out.splice(0);
  }
  // The end: fzstd refuses a frame (or its checksum) cut short here.
  d.push(new Uint8Array(0), true);
  yield* out.splice(0);
}

/** Digests: sha256 for contents, FNV-1a for keys and fingerprints. CommonJS and free of imports:
 * the warm path of `secure-run run` loads it. */

/** sha256, for file contents: node:crypto is loaded only when something needs hashing (loading
 * it costs more than the rest of the warm path). */
export function sha256(data: string | Buffer): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(data).digest("hex");
}

/** FNV-1a, 64 bits as two 32-bit lanes: a fast digest for keys and the host fingerprint, which
 * are checked on every warm run and guard against change, not against an adversary. */
export function fnv64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

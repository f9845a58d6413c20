/** Reading what an instance directory holds, as hostile input: every file is opened without
 * following a link, must be a regular file of the caller's, at most 1 MiB, and (JSON) valid
 * against its schema. A directory must be a directory (not a link) of the caller's, closed to
 * group and others. The state directory above is checked by stateDir() (src/paths.cts). */
import { SecureRunError } from "../errors.js";
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { validateAgainst } from "../documents/validate.js";

export const MAX_FILE = 1 << 20;

/** A file or directory of an instance that is not what it must be. */
export class UnsafeFileError extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_UNSAFE_FILE";
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`${path}: ${why}`);
    this.name = "UnsafeFileError";
  }
}

const euid = (): number => process.geteuid?.() ?? 0;

/** Throws UnsafeFileError unless `dir` is a directory (not a link) of the caller's that group and
 * others cannot write (the launcher's own check of --instance). */
export function checkDir(dir: string, uid = euid()): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new UnsafeFileError(dir, "is a symbolic link");
  if (!st.isDirectory()) throw new UnsafeFileError(dir, "is not a directory");
  if (st.uid !== uid) throw new UnsafeFileError(dir, `is owned by uid ${st.uid}, not ${uid}`);
  if (st.mode & 0o022)
    throw new UnsafeFileError(dir, `is writable by others (mode ${(st.mode & 0o777).toString(8)})`);
}

/** Opens `dir/name` for reading: O_NOFOLLOW (a link is refused with ELOOP), O_NONBLOCK (a FIFO
 * planted there does not hang the reader); then it must be a regular file of the caller's. */
export function openOwned(dir: string, name: string, uid = euid()): number {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP")
      throw new UnsafeFileError(path, "is a symbolic link");
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(path, "is not a regular file");
    if (st.uid !== uid) throw new UnsafeFileError(path, `is owned by uid ${st.uid}, not ${uid}`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The whole of `dir/name` (opened as openOwned does), refused beyond `max` bytes. */
export function readOwned(dir: string, name: string, max = MAX_FILE, uid = euid()): Buffer {
  const fd = openOwned(dir, name, uid);
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new UnsafeFileError(join(dir, name), `is larger than ${max} bytes`);
    const buf = Buffer.alloc(size + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > size) throw new UnsafeFileError(join(dir, name), "grew while it was read");
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** `dir/name` as JSON valid against schemas/<schema>.schema.json (the caller names the type the
 * schema describes). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function readJson<T>(dir: string, name: string, schema: string, uid = euid()): T {
  const path = join(dir, name);
  let value: unknown;
  try {
    value = JSON.parse(readOwned(dir, name, MAX_FILE, uid).toString("utf8"));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UnsafeFileError(path, `is not JSON: ${e.message}`);
    throw e;
  }
  const problems = validateAgainst(schema, value);
  if (problems.length > 0) {
    const p = problems[0];
    throw new UnsafeFileError(
      path,
      `is not a valid ${schema} document: ${p ? `${p.path.join(".") || "(top)"}: ${p.message}` : ""}`,
    );
  }
  return value as T;
}

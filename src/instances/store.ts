/** Where instances live and how they are named: <state>/instances/<id>/ and <state>/names/<name>
 * (a regular file holding the id, created O_EXCL: the name is unique per user). */
import { SecureRunError } from "../errors.js";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { stateDir } from "../paths.cjs";
import { checkDir, readJson, readOwned, UnsafeFileError } from "./files.js";
import type { InstanceDoc } from "./types.js";

export const ID = /^[0-9a-f]{64}$/;
export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
export const SHORT = 12;

/** No instance answers to a reference (exit 1, as `docker`'s "No such container"). */
export class NoSuchInstance extends SecureRunError {
  readonly exitCode = 1;
  readonly code = "ERR_NO_SUCH_INSTANCE";
  constructor(
    readonly ref: string,
    why?: string,
  ) {
    super(`No such instance: ${ref}${why ? ` (${why})` : ""}`);
    this.name = "NoSuchInstance";
  }
}

export interface Store {
  root: string;
  instances: string;
  names: string;
}

/** The caller's store; `create` makes its directories (0700). */
export function openStore(o: { create?: boolean } = {}): Store {
  const root = stateDir(o.create ? { create: true } : {});
  const s = { root, instances: join(root, "instances"), names: join(root, "names") };
  if (o.create) {
    for (const d of [s.instances, s.names]) {
      try {
        mkdirSync(d, { mode: 0o700 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
  }
  return s;
}

export const newId = (): string => randomBytes(32).toString("hex");
export const instanceDir = (s: Store, id: string): string => join(s.instances, id);

/** Every instance id in the store (directories named like an id; anything else is ignored). */
export function listIds(s: Store): string[] {
  try {
    checkDir(s.instances);
    return readdirSync(s.instances)
      .filter((e) => ID.test(e))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** The id a name file holds, or undefined when there is no such name (or it is not safe). */
export function idOfName(s: Store, name: string): string | undefined {
  if (!NAME.test(name)) return undefined;
  try {
    const id = readOwned(s.names, name, 128).toString("utf8").trim();
    return ID.test(id) ? id : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || e instanceof UnsafeFileError)
      return undefined;
    throw e;
  }
}

/** Reserves `name` for `id` (O_EXCL): false when it is taken. */
export function reserveName(s: Store, name: string, id: string): boolean {
  let fd: number;
  try {
    fd = openSync(
      join(s.names, name),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, `${id}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes the name file, only if it still holds `id`. */
export function releaseName(s: Store, name: string, id: string): void {
  if (idOfName(s, name) !== id) return;
  try {
    unlinkSync(join(s.names, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

export function readInstance(s: Store, id: string): InstanceDoc {
  const dir = instanceDir(s, id);
  checkDir(dir);
  const doc = readJson<InstanceDoc>(dir, "instance.json", "instance");
  if (doc.id !== id) throw new UnsafeFileError(join(dir, "instance.json"), `names id ${doc.id}`);
  return doc;
}

/** An instance by its id, a unique prefix of it (3 or more hex digits), or its name. */
export function resolveRef(s: Store, ref: string, ids: string[] = listIds(s)): string {
  if (ID.test(ref) && ids.includes(ref)) return ref;
  const byName = idOfName(s, ref);
  if (byName && ids.includes(byName)) return byName;
  if (/^[0-9a-f]{3,63}$/.test(ref)) {
    const found = ids.filter((id) => id.startsWith(ref));
    if (found.length === 1 && found[0]) return found[0];
    if (found.length > 1)
      throw new NoSuchInstance(
        ref,
        `the prefix names ${found.length} instances; give more of the id`,
      );
  }
  throw new NoSuchInstance(ref);
}

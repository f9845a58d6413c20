/** What a bundle is made from, besides the host: files by signature and content, directories by
 * listing, programs and mount sources by inode; and whether each still holds. CommonJS, with
 * Node's own modules only: the warm path checks every input on every run. */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../digest.cjs";
import { entryType } from "../host/fingerprint.cjs";

export interface FileInput {
  kind: "file";
  path: string;
  sig: string;
  sha256: string;
}
export interface DirInput {
  kind: "dir";
  path: string;
  sha256: string;
}
export interface StatInput {
  kind: "stat";
  path: string;
  sig: string;
}
export type Input = FileInput | DirInput | StatInput;

function readOr(path: string, absent: string): string | Buffer {
  try {
    return readFileSync(path);
  } catch {
    return absent;
  }
}

/** Which file, which version of it: device, inode, size and modification time. */
function signature(path: string): string {
  try {
    const st = lstatSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.mode}:${st.size}:${st.mtimeNs}`;
  } catch {
    return "absent";
  }
}

/** A file by content ("absent" when it cannot be read: its appearing is a change too); its
 * signature spares reading it again while it is untouched. */
export function fileInput(path: string): FileInput {
  return { kind: "file", path, sig: signature(path), sha256: sha256(readOr(path, "\0absent")) };
}

/** A directory by its entries' names and types (symlinks with their targets). */
export function dirInput(path: string): DirInput {
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch {
    names = ["\0absent"];
  }
  return {
    kind: "dir",
    path,
    sha256: sha256(names.map((n) => `${n}\0${entryType(join(path, n))}`).join("\n")),
  };
}

/** A program or mount source by what it is and which inode: a rebuild or replacement shows. */
export function statInput(path: string): StatInput {
  return { kind: "stat", path, sig: signature(path) };
}

/** Whether the input is as it was: files by signature, else by content (touched, not changed). */
export function holds(i: Input): boolean {
  switch (i.kind) {
    case "stat":
      return signature(i.path) === i.sig;
    case "dir":
      return dirInput(i.path).sha256 === i.sha256;
    case "file":
      return signature(i.path) === i.sig || sha256(readOr(i.path, "\0absent")) === i.sha256;
  }
}

/** The first input that no longer holds, or undefined when all do. */
export function changedInput(inputs: readonly Input[]): Input | undefined {
  return inputs.find((i) => !holds(i));
}

/** One digest of everything: what the bundle's header records as its inputs. */
export function inputsDigest(version: string, host: string, inputs: readonly Input[]): string {
  return sha256(JSON.stringify({ version, host, inputs }));
}

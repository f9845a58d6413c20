/** --write: names the learned profile in the app definition (syscalls.profiles), keeping the
 * file's comments and layout. */
import { readFileSync, writeFileSync } from "node:fs";
import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq } from "yaml";

/** Adds ref to syscalls.profiles (once); returns whether the file changed. */
export function addProfileReference(appFile: string, ref: string): boolean {
  const doc = parseDocument(readFileSync(appFile, "utf8"));
  const root: unknown = doc.contents;
  if (!isMap(root)) throw new Error(`${appFile}: not a mapping`);
  let syscalls: unknown = root.get("syscalls", true);
  if (!isMap(syscalls)) {
    syscalls = new YAMLMap();
    root.set("syscalls", syscalls);
  }
  const map = syscalls as YAMLMap;
  let profiles: unknown = map.get("profiles", true);
  if (!isSeq(profiles)) {
    const seq = new YAMLSeq();
    seq.flow = true;
    map.set("profiles", seq);
    profiles = seq;
  }
  const seq = profiles as YAMLSeq;
  if (seq.items.some((i) => (isScalar(i) ? i.value : i) === ref)) return false;
  seq.add(doc.createNode(ref));
  writeFileSync(appFile, doc.toString({ lineWidth: 100 }));
  return true;
}

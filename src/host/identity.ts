/** Resolves the app's `user` ("name", "uid", "name:group", "uid:gid") against the host's
 * /etc/passwd and /etc/group, the files the sandbox's host view shows too. */
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export interface Identity {
  uid: number;
  gid: number;
  groups: number[];
  name: string;
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0] ?? "", uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "/" }));
}

export function parseGroup(text: string): { name: string; gid: number; members: string[] }[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 4)
    .map((f) => ({
      name: f[0] ?? "",
      gid: Number(f[2]),
      members: (f[3] ?? "").split(",").filter(Boolean),
    }));
}

export const DEFAULT_USER = "nobody";

export type IdentityResult =
  { ok: true; identity: Identity } | { ok: false; message: string; hint?: string };

export function resolveIdentity(
  user: string,
  passwdText: string,
  groupText: string,
  group?: string,
): IdentityResult {
  const [userPart = "", inlineGroup] = user.split(":");
  const groupPart = group ?? inlineGroup;
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const numeric = /^[0-9]+$/.test(userPart);
  const entry = passwd.find((p) => (numeric ? p.uid === Number(userPart) : p.name === userPart));
  if (!entry && !numeric) {
    return {
      ok: false,
      message: `no user "${userPart}" in /etc/passwd`,
      hint: "use a user that exists on the host, or a numeric uid such as 1000",
    };
  }
  const uid = numeric ? Number(userPart) : (entry?.uid ?? 0);
  let gid = entry?.gid ?? uid;
  if (groupPart !== undefined) {
    const g = /^[0-9]+$/.test(groupPart)
      ? { gid: Number(groupPart) }
      : groups.find((x) => x.name === groupPart);
    if (!g) return { ok: false, message: `no group "${groupPart}" in /etc/group` };
    gid = g.gid;
  }
  const name = entry?.name ?? String(uid);
  const supplementary = entry
    ? groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid)
    : [];
  return {
    ok: true,
    identity: {
      uid,
      gid,
      groups: supplementary.sort((a, b) => a - b),
      name,
      home: entry?.home ?? "/",
    },
  };
}

/** `rel` inside `root` as the sandbox will see it: each symbolic link on the way is resolved
 * within `root` (an absolute target from `root`, ".." stops at it), never on the host — an
 * image's etc/passwd that links to /etc/shadow reads the image's own, not the host's. */
export function pathInRoot(root: string, rel: string): string | undefined {
  const todo = rel.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  for (let hops = 0; todo.length > 0;) {
    const part = todo.shift() ?? "";
    if (part === "..") {
      done.pop();
      continue;
    }
    const path = join(root, ...done, part);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(path);
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return join(root, ...done);
}

/** /etc/passwd and /etc/group of the host, or of a rootfs (read as the sandbox sees them). */
export function readAccounts(root = "/"): { passwd: string; group: string } {
  const read = (f: string): string => {
    try {
      const path = root === "/" ? join(root, f) : pathInRoot(root, f);
      return path ? readFileSync(path, "utf8") : "";
    } catch {
      return "";
    }
  };
  return { passwd: read("etc/passwd"), group: read("etc/group") };
}

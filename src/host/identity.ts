/** Resolves the app's `user` ("name", "uid", "name:group", "uid:gid") against the host's
 * /etc/passwd and /etc/group, the files the sandbox's host view shows too. */
import { readFileSync } from "node:fs";
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

/** /etc/passwd and /etc/group of the host, or of a rootfs. */
export function readAccounts(root = "/"): { passwd: string; group: string } {
  const read = (f: string): string => {
    try {
      return readFileSync(join(root, f), "utf8");
    } catch {
      return "";
    }
  };
  return { passwd: read("etc/passwd"), group: read("etc/group") };
}

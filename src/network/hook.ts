/** The private network's `add` and `del`, run by the supervisor (`secure-run net-hook`, see
 * native/launcher/nethook.h) around each run of the app, and `del` by gc for a run whose
 * supervisor died. add: the plumbing (CNI for root, pasta for a rootless caller), and the
 * nftables ruleset, left in CONFIG.nft for the supervisor to load in the app's namespace; a
 * failure half-way undoes what was done. del: undoes
 * everything and removes the document; what it could not undo keeps the document, for gc. */
import { spawnSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import { mkdirSync, readlinkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { basename, dirname, join } from "node:path";
import { bootId, procStartTime } from "../host/proc.js";
import { cniAdd, cniCheck, cniDel } from "./cni.js";
import {
  listNetworkDocs,
  readNetworkDoc,
  removeNetworkDoc,
  writeNetworkDoc,
  type NetworkDoc,
} from "./doc.js";
import { egressRuleset, nameservers, type Destination } from "./nft.js";
import { pastaStart, pastaStop } from "./pasta.js";

/** Writes the document back where it was read from. */
function rewrite(file: string, doc: NetworkDoc): void {
  writeNetworkDoc(doc, dirname(file), basename(file));
}

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkError";
  }
}

/** Root's netns files: the app's namespace bound to a file for as long as its network exists
 * (as Podman's /run/netns), so that DEL finds the veth and its addresses (the bridge plugin
 * removes its masquerading rules by them) after the app, or its supervisor, is gone. */
export const NETNS_DIR = "/run/secure-run/netns";

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  if (r.error || r.status !== 0)
    throw new NetworkError(
      `${cmd} ${args.join(" ")}: ${r.error?.message ?? (r.stderr.trim() || `exit ${r.status}`)}`,
    );
}

function bindNetns(netns: string, id: string): string {
  mkdirSync(NETNS_DIR, { recursive: true, mode: 0o700 });
  const file = join(NETNS_DIR, id);
  writeFileSync(file, "", { mode: 0o600, flag: "wx" });
  try {
    run("mount", ["--bind", netns, file]);
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
  return file;
}

/** Whether `file` is a bound namespace (not the empty file under it). */
function isNetns(file: string): boolean {
  try {
    return statSync(file).dev !== statSync(NETNS_DIR).dev;
  } catch {
    return false;
  }
}

function unbindNetns(file: string): void {
  if (isNetns(file)) run("umount", [file]);
  rmSync(file, { force: true });
}

async function destinations(doc: NetworkDoc): Promise<Destination[]> {
  const out: Destination[] = [];
  for (const c of doc.connect) {
    if (!c.to) {
      out.push({ port: c.port, protocol: c.protocol });
      continue;
    }
    const bare = c.to.split("/")[0] ?? "";
    const addresses =
      isIP(bare) !== 0
        ? [c.to]
        : (
            await lookup(c.to, { all: true }).catch(() => {
              throw new NetworkError(`network.connect: cannot resolve ${c.to}`);
            })
          ).map((a) => a.address);
    out.push({ addresses, port: c.port, protocol: c.protocol });
  }
  return out;
}

function hostNameservers(): string[] {
  try {
    return nameservers(readFileSync("/etc/resolv.conf", "utf8"));
  } catch {
    return [];
  }
}

/** The app's namespaces as the supervisor hands them to the hook (descriptors 3 and 4, opened
 * while init was still dumpable: native/launcher/nethook.h), as paths the hook's own children
 * (the plugins, pasta, nsenter) open. */
function namespaces(pid: number): { net: string; user: string } {
  const fd = (n: number, ns: string): string => {
    try {
      if (readlinkSync(`/proc/self/fd/${n}`).startsWith(`${ns}:[`))
        return `/proc/${process.pid}/fd/${n}`;
    } catch {
      // not given: the hook run by hand
    }
    return `/proc/${pid}/ns/${ns}`;
  };
  return { net: fd(3, "net"), user: fd(4, "user") };
}

export async function networkAdd(file: string, pid: number): Promise<NetworkDoc> {
  const doc = readNetworkDoc(file);
  const supervisor = process.ppid;
  doc.owner = {
    pid: supervisor,
    start: procStartTime(supervisor) ?? 0,
    boot: bootId(),
    initPid: pid,
  };
  rewrite(file, doc);
  try {
    // The servers its resolv.conf names (a document of an older secure-run: the host's).
    const ruleset = egressRuleset(
      doc,
      await destinations(doc),
      doc.dns?.nameservers ?? hostNameservers(),
    );
    if (doc.backend === "cni") {
      if (!doc.cni) throw new NetworkError(`${file}: no CNI configuration`);
      doc.netns = bindNetns(namespaces(pid).net, doc.id);
      rewrite(file, doc);
      const call = { containerId: doc.id, netns: doc.netns, ifname: doc.cni.ifname };
      doc.result = cniAdd(doc.cni.conflist, call, doc.publish);
      rewrite(file, doc);
      cniCheck(doc.cni.conflist, call, doc.publish, doc.result);
    } else {
      doc.pasta = await pastaStart(doc.publish);
      rewrite(file, doc);
    }
    // The supervisor loads it in the app's namespace once this hook has ended (nethook.h).
    writeFileSync(`${file}.nft`, ruleset, { mode: 0o600 });
  } catch (e) {
    try {
      networkDel(file, pid);
    } catch {
      // the add's error is the one to report; gc retries the del
    }
    throw e;
  }
  return doc;
}

/** Nothing added, or all of it undone: no owner, forwarder, CNI result or bound namespace (add
 * sets the owner before it does anything). */
const isIdle = (doc: NetworkDoc): boolean => !doc.owner && !doc.pasta && !doc.result && !doc.netns;

/** Undoes the network of `file`; pid: the app's init (0 when gone: gc). The document stays,
 * without its owner (a restart adds it again); `remove` removes it too. Whether there was
 * anything to undo. */
export function networkDel(file: string, _pid: number, o: { remove?: boolean } = {}): boolean {
  const doc = readNetworkDoc(file);
  const idle = isIdle(doc);
  // Nothing was added, or a del already undid it all (the supervisor's, before the CLI's
  // finishNetwork): no plugin to call.
  if (idle) {
    if (o.remove) removeNetworkDoc(file);
    return false;
  }
  if (doc.backend === "cni" && doc.cni) {
    const netns = doc.netns && isNetns(doc.netns) ? doc.netns : "";
    cniDel(
      doc.cni.conflist,
      { containerId: doc.id, netns, ifname: doc.cni.ifname },
      doc.publish,
      doc.result,
    );
    if (doc.netns) unbindNetns(doc.netns);
  }
  if (doc.pasta) pastaStop(doc.pasta);
  if (o.remove) {
    removeNetworkDoc(file);
    return true;
  }
  delete doc.owner;
  delete doc.netns;
  delete doc.result;
  delete doc.pasta;
  rewrite(file, doc);
  return true;
}

/** Whether the supervisor that ran the document's add still runs (a document add never
 * reached belongs to a launch still starting, or one that failed before it: young ones are
 * left alone). */
function ownerAlive(doc: NetworkDoc): boolean {
  if (!doc.owner) return false;
  return doc.owner.boot === bootId() && procStartTime(doc.owner.pid) === doc.owner.start;
}

export interface NetworkGcResult {
  removed: string[];
  live: string[];
  failed: { path: string; error: string }[];
}

/** del for every network whose supervisor is gone: the foreground launches' documents in the
 * networks directory (removed), and the instances' (`extra`: kept, without an owner). */
export function collectNetworks(
  o: { dryRun?: boolean; dir?: string; extra?: string[] } = {},
): NetworkGcResult {
  const result: NetworkGcResult = { removed: [], live: [], failed: [] };
  const own = listNetworkDocs(o.dir);
  for (const file of [...own, ...(o.extra ?? [])]) {
    const foreground = own.includes(file);
    let doc: NetworkDoc;
    try {
      doc = readNetworkDoc(file);
    } catch (e) {
      result.failed.push({ path: file, error: (e as Error).message });
      continue;
    }
    const idle = isIdle(doc);
    if (ownerAlive(doc) || (idle && (!foreground || launchedRecently(file)))) {
      if (!idle) result.live.push(file);
      continue;
    }
    if (o.dryRun) {
      result.removed.push(`network ${doc.id.slice(0, 12)} (${file})`);
      continue;
    }
    try {
      networkDel(file, 0, { remove: foreground });
      result.removed.push(`network ${doc.id.slice(0, 12)} (${file})`);
    } catch (e) {
      result.failed.push({ path: file, error: (e as Error).message });
    }
  }
  return result;
}

/** A document without an owner, younger than a launch takes to reach add. */
function launchedRecently(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 60_000;
  } catch {
    return false;
  }
}

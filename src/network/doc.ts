/** A private network's document: everything its `add` needs and its `del` undoes, written by
 * the CLI before the launch to `<state>/networks/<id>.json` (0600, the caller's), completed by
 * `add` (who owns it, the CNI result), removed by a `del` that undid everything. `gc` runs `del`
 * for each one whose supervisor is gone. */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../paths.cjs";
import type { Plan } from "../plan/types.js";

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  port: number;
  protocol: "tcp" | "udp";
}

export interface NetworkDoc {
  version: 1;
  /** CNI_CONTAINERID; the file's name. */
  id: string;
  /** cni: root, the CNI plugins on a host bridge; pasta: a rootless caller. */
  backend: "cni" | "pasta";
  /** This launch's published ports (its instance's host ports). */
  publish: PublishedPort[];
  /** Egress: the plan's connect list; ingress: the published ports. */
  connect: { port: number; protocol: "tcp" | "udp"; to?: string }[];
  cni?: { conflist: CniConflist; ifname: string };
  /** Set by add: the supervisor that ran it (gc's liveness check), the namespace's process. */
  owner?: { pid: number; start: number; boot: string; initPid: number };
  /** Set by add (root): the app's namespace bound to a file, until del. */
  netns?: string;
  /** Set by add: the CNI result (the address), or the pasta forwarder's pid. */
  result?: CniResult;
  pasta?: { pid: number; start: number };
  /** The DNS servers the app's resolv.conf names, which its rules let it query (written with
   * that file, before the launch: src/network/resolv.ts). */
  dns?: { nameservers: string[] };
}

export interface CniPlugin {
  type: string;
  [key: string]: unknown;
}

export interface CniConflist {
  cniVersion: string;
  name: string;
  plugins: CniPlugin[];
}

export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
  dns?: unknown;
}

/** The CNI network's name: host-local keeps its leases in /var/lib/cni/networks/<name>. */
export const CNI_NETWORK = "secure-run";

export function networksDir(create = false): string {
  const dir = join(stateDir({ create }), "networks");
  if (create) mkdirSync(dir, { mode: 0o700, recursive: true });
  return dir;
}

/** The chain Podman 4 and Kubernetes nodes run: a veth on the bridge with an address from
 * host-local, port mappings (portmap, with snat so 127.0.0.1 works), the FORWARD accept rules
 * (firewall), and tuning. */
export function conflist(bridge: { name: string; subnet: string }): CniConflist {
  return {
    cniVersion: "1.0.0",
    name: CNI_NETWORK,
    plugins: [
      {
        type: "bridge",
        bridge: bridge.name,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: bridge.subnet }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
      { type: "firewall", backend: "iptables" },
      { type: "tuning" },
    ],
  };
}

/** What an instance's network is made of (kept with its cached bundle): its document but the id. */
export type NetworkSpec = Omit<NetworkDoc, "id">;

/** The document of one launch of `plan` (instance `index` of its instances). */
export function networkDoc(plan: Plan, index: number, rootless: boolean): NetworkDoc {
  return { ...networkSpec(plan, index, rootless), id: randomBytes(32).toString("hex") };
}

export function networkSpec(plan: Plan, index: number, rootless: boolean): NetworkSpec {
  const publish = (plan.network.publish ?? []).map((p) => ({
    hostIp: p.hostIp,
    hostPort: p.hostPorts[index] ?? p.hostPorts[0] ?? 0,
    port: p.port,
    protocol: p.protocol,
  }));
  const connect = plan.network.connect.map((c) => ({
    port: c.port,
    protocol: c.protocol,
    ...(c.to ? { to: c.to } : {}),
  }));
  const bridge = plan.network.bridge ?? { name: "secure-run0", subnet: "10.89.0.0/24" };
  return rootless
    ? { version: 1, backend: "pasta", publish, connect }
    : {
        version: 1,
        backend: "cni",
        publish,
        connect,
        cni: { conflist: conflist(bridge), ifname: "eth0" },
      };
}

/** An instance's document, in its directory. */
export const NETWORK_FILE = "network.json";

/** Writes the document atomically (to <id>.json in the networks directory, or `name` in
 * `dir`); returns its path. */
export function writeNetworkDoc(
  doc: NetworkDoc,
  dir = networksDir(true),
  name = `${doc.id}.json`,
): string {
  const file = join(dir, name);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

export function readNetworkDoc(file: string): NetworkDoc {
  const doc = JSON.parse(readFileSync(file, "utf8")) as NetworkDoc;
  if (doc.version !== 1 || !/^[0-9a-f]{64}$/.test(doc.id))
    throw new Error(`${file}: not a network document of secure-run`);
  return doc;
}

export function removeNetworkDoc(file: string): void {
  rmSync(file, { force: true });
}

/** The documents in the networks directory. */
export function listNetworkDocs(dir = networksDir()): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

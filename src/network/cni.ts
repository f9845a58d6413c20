/** The CNI protocol (containernetworking/cni SPEC.md), as a runtime drives a network
 * configuration list: each plugin gets its configuration on stdin, with the list's name and
 * version, the runtime's port mappings when it asks for them, and the previous plugin's result;
 * ADD goes down the list, DEL up it (with the cached ADD result), CHECK down it. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CniConflist, CniResult, PublishedPort } from "./doc.js";

/** Where Debian's containernetworking-plugins (and the upstream default) put the plugins. */
export const CNI_PATH = ["/usr/lib/cni", "/opt/cni/bin"];

export class CniError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: string,
    message: string,
  ) {
    super(`CNI ${command} of plugin ${plugin}: ${message}`);
    this.name = "CniError";
  }
}

function pluginPath(type: string): string {
  if (!/^[a-z0-9-]+$/.test(type)) throw new CniError(type, "find", "not a plugin name");
  for (const dir of CNI_PATH) {
    const p = join(dir, type);
    if (existsSync(p)) return p;
  }
  throw new CniError(
    type,
    "find",
    `not found in ${CNI_PATH.join(" or ")} (Debian package containernetworking-plugins)`,
  );
}

export interface CniCall {
  command: "ADD" | "DEL" | "CHECK";
  containerId: string;
  /** The namespace path; empty for a DEL whose namespace is gone (the plugins allow that). */
  netns: string;
  ifname: string;
}

function callPlugin(
  list: CniConflist,
  index: number,
  call: CniCall,
  publish: PublishedPort[],
  prevResult: CniResult | undefined,
): CniResult | undefined {
  const plugin = list.plugins[index];
  if (!plugin) throw new CniError("?", call.command, `no plugin ${index}`);
  const conf: Record<string, unknown> = {
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
  };
  const caps = plugin.capabilities as Record<string, boolean> | undefined;
  if (caps?.portMappings)
    conf.runtimeConfig = {
      portMappings: publish.map((p) => ({
        hostPort: p.hostPort,
        containerPort: p.port,
        protocol: p.protocol,
        ...(p.hostIp !== "0.0.0.0" ? { hostIP: p.hostIp } : {}),
      })),
    };
  if (prevResult) conf.prevResult = prevResult;
  const r = spawnSync(pluginPath(plugin.type), [], {
    input: JSON.stringify(conf),
    env: {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      CNI_COMMAND: call.command,
      CNI_CONTAINERID: call.containerId,
      CNI_NETNS: call.netns,
      CNI_IFNAME: call.ifname,
      CNI_PATH: CNI_PATH.join(":"),
    },
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.error) throw new CniError(plugin.type, call.command, r.error.message);
  if (r.status !== 0) {
    // The plugin's error is a JSON object on stdout ({code, msg, details}).
    let msg = r.stdout.trim() || r.stderr.trim() || `exit ${r.status ?? r.signal}`;
    try {
      const e = JSON.parse(r.stdout) as { msg?: string; details?: string; code?: number };
      msg = `${e.msg ?? "failed"}${e.details ? `: ${e.details}` : ""} (code ${e.code ?? "?"})`;
    } catch {
      // not JSON: as it printed it
    }
    throw new CniError(plugin.type, call.command, msg);
  }
  if (call.command !== "ADD") return prevResult;
  try {
    return JSON.parse(r.stdout) as CniResult;
  } catch {
    throw new CniError(plugin.type, call.command, `not a result: ${r.stdout.slice(0, 200)}`);
  }
}

/** ADD down the list; a failure runs DEL for the whole list (a plugin's DEL tolerates what was
 * never added) and throws the ADD's error. */
export function cniAdd(
  list: CniConflist,
  call: Omit<CniCall, "command">,
  publish: PublishedPort[],
): CniResult {
  let result: CniResult | undefined;
  try {
    for (let i = 0; i < list.plugins.length; i++)
      result = callPlugin(list, i, { ...call, command: "ADD" }, publish, result);
  } catch (e) {
    try {
      cniDel(list, call, publish, result);
    } catch {
      // the ADD's error is the one to report; gc retries the DEL
    }
    throw e;
  }
  if (!result) throw new CniError(list.name, "ADD", "no plugin gave a result");
  return result;
}

/** DEL up the list; every plugin is called, the first error is thrown at the end. */
export function cniDel(
  list: CniConflist,
  call: Omit<CniCall, "command">,
  publish: PublishedPort[],
  result: CniResult | undefined,
): void {
  let first: Error | undefined;
  for (let i = list.plugins.length - 1; i >= 0; i--) {
    try {
      callPlugin(list, i, { ...call, command: "DEL" }, publish, result);
    } catch (e) {
      first ??= e as Error;
    }
  }
  if (first) throw first;
}

/** Plugins whose CHECK is wrong for this network: portmap (1.1.1, Debian 12) checks its DNAT
 * chain in ip6tables too whenever the host has ip6tables, also for an IPv4-only network whose
 * ADD made none there ("could not check ipv6 dnat: chain CNI-DN-… not found in iptables table
 * nat"). No field of its configuration avoids it (conditionsV6, snat: tried); only giving the
 * network an IPv6 range would, which it does not need. Its ADD and DEL are right; the other
 * plugins' CHECK still runs. docs/network.md says so. */
const NO_CHECK = new Set(["portmap"]);

/** CHECK down the list (the runtime's own check that the network is as added). */
export function cniCheck(
  list: CniConflist,
  call: Omit<CniCall, "command">,
  publish: PublishedPort[],
  result: CniResult,
): void {
  for (let i = 0; i < list.plugins.length; i++)
    if (!NO_CHECK.has(list.plugins[i]?.type ?? ""))
      callPlugin(list, i, { ...call, command: "CHECK" }, publish, result);
}

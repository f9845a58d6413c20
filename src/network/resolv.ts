/** The resolv.conf of a private network's app, and the DNS servers its egress rules let it
 * query: exactly the ones written there. The host's own resolv.conf often names a resolver on
 * the host's loopback (systemd-resolved's 127.0.0.53, a local dnsmasq), which the app's network
 * namespace cannot reach. As Podman does: when every nameserver of the host is on loopback and
 * systemd-resolved keeps its upstream servers in /run/systemd/resolve/resolv.conf, those are
 * used; loopback servers are left out. The app queries them itself, root's through the bridge,
 * a rootless one's through pasta. (pasta's --dns-forward is not used: Debian 12's pasta forwards
 * only to the first non-loopback nameserver of the host's own /etc/resolv.conf, whatever --dns
 * says: nothing when the host runs resolved's stub, which is the case to solve.) Where the
 * host's files are read from can be changed (SECURE_RUN_HOST_RESOLV_CONF,
 * SECURE_RUN_RESOLVED_RESOLV_CONF): tests point them at files of their own. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { dirname } from "node:path";
import { privateResolvConf } from "../paths.cjs";
import type { NetworkSpec } from "./doc.js";

/** At most this many nameservers: the C library reads no more (resolv.conf(5), MAXNS). */
const MAXNS = 3;

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split("\n")) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === "nameserver" && rest[0] && isIP(rest[0]) !== 0) out.nameservers.push(rest[0]);
    // The last search (or domain) line wins, as in the C library.
    else if (key === "search" || key === "domain")
      out.search = rest.filter((s) => /^[\w.-]+$/.test(s));
    else if (key === "options") out.options.push(...rest.filter((o) => /^[\w:.-]+$/.test(o)));
  }
  return out;
}

const loopback = (a: string): boolean => a.startsWith("127.") || a === "::1";

/** The host's servers as the app can reach them: resolved's upstream ones when the host's
 * resolv.conf names loopback servers only, then without loopback. */
export function upstreamResolvers(host: string, resolved?: string): ResolvConf {
  const h = parseResolvConf(host);
  const onlyLoopback = h.nameservers.length > 0 && h.nameservers.every(loopback);
  const base = onlyLoopback && resolved !== undefined ? parseResolvConf(resolved) : h;
  return { ...base, nameservers: base.nameservers.filter((a) => !loopback(a)).slice(0, MAXNS) };
}

/** What a private network's DNS is: the app's resolv.conf, and the servers its rules let it
 * query (the ones written there). */
export interface NetworkDns {
  resolvConf: string;
  nameservers: string[];
}

export function networkDns(up: ResolvConf): NetworkDns {
  const lines = [
    "# secure-run: this private network's resolvers (the host's, as the network reaches them)",
    ...(up.nameservers.length === 0
      ? ["# none: the host names none outside its loopback, which the network cannot reach"]
      : []),
    ...up.nameservers.map((n) => `nameserver ${n}`),
    ...(up.search.length ? [`search ${up.search.join(" ")}`] : []),
    ...(up.options.length ? [`options ${up.options.join(" ")}`] : []),
  ];
  return { resolvConf: `${lines.join("\n")}\n`, nameservers: up.nameservers };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** This host's private-network DNS, from its resolv.conf files. */
export function hostNetworkDns(env: NodeJS.ProcessEnv = process.env): NetworkDns {
  const host = readOptional(env.SECURE_RUN_HOST_RESOLV_CONF || "/etc/resolv.conf") ?? "";
  const resolved = readOptional(
    env.SECURE_RUN_RESOLVED_RESOLV_CONF || "/run/systemd/resolve/resolv.conf",
  );
  return networkDns(upstreamResolvers(host, resolved));
}

/** Writes the app's resolv.conf where the plan binds it (host facts: privateResolvConf),
 * atomically: a running app keeps the file it was given. */
export function writeNetworkResolvConf(dns: NetworkDns, file = privateResolvConf()): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, dns.resolvConf, { mode: 0o644 });
  renameSync(tmp, file);
  return file;
}

/** The document with this host's DNS, its resolv.conf written where the plan binds it (an app
 * that connects nowhere gets neither: the plan binds none and its rules let no query out). */
export function withHostDns<T extends NetworkSpec>(
  doc: T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  if (doc.connect.length === 0) return doc;
  const dns = hostNetworkDns(env);
  writeNetworkResolvConf(dns, privateResolvConf(env));
  return { ...doc, dns: { nameservers: dns.nameservers } };
}

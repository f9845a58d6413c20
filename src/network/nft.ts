/** The nftables ruleset of a private network, loaded inside the instance's own namespace (it
 * goes with the namespace: nothing to remove): in, only the published ports; out, only the
 * connect list, and DNS to the host's resolvers only when the app connects somewhere. Landlock
 * restricts the app's TCP ports on top of it. */
import { isIP } from "node:net";
import type { NetworkDoc } from "./doc.js";
import { upstreamResolvers } from "./resolv.js";

export const NFT_TABLE = "secure_run";

/** A destination of the connect list as nft matches it: addresses (the host name resolved), or
 * none for any address. */
export interface Destination {
  addresses?: string[];
  port: number;
  protocol: "tcp" | "udp";
}

function addressMatch(addresses: string[] | undefined): string[] {
  if (!addresses) return [""];
  const v4 = addresses.filter((a) => isIP(a.split("/")[0] ?? "") === 4);
  const v6 = addresses.filter((a) => isIP(a.split("/")[0] ?? "") === 6);
  const out: string[] = [];
  if (v4.length) out.push(`ip daddr { ${v4.join(", ")} } `);
  if (v6.length) out.push(`ip6 daddr { ${v6.join(", ")} } `);
  return out;
}

/** The ruleset, as `nft -f -` reads it. */
export function egressRuleset(
  doc: Pick<NetworkDoc, "publish">,
  destinations: Destination[],
  nameservers: string[],
): string {
  const inbound = [...new Set(doc.publish.map((p) => `${p.protocol} dport ${p.port} accept`))];
  const outbound = destinations.flatMap((d) =>
    addressMatch(d.addresses).map((m) => `${m}${d.protocol} dport ${d.port} accept`),
  );
  if (destinations.length > 0 && nameservers.length > 0)
    for (const proto of ["udp", "tcp"])
      outbound.push(...addressMatch(nameservers).map((m) => `${m}${proto} dport 53 accept`));
  const lines = [
    `table inet ${NFT_TABLE} {`,
    "  chain input {",
    "    type filter hook input priority 0; policy drop;",
    '    iif "lo" accept',
    "    ct state established,related accept",
    ...inbound.map((r) => `    ${r}`),
    "  }",
    "  chain output {",
    "    type filter hook output priority 0; policy drop;",
    '    oif "lo" accept',
    "    ct state established,related accept",
    ...outbound.map((r) => `    ${r}`),
    // Refused at once (as a closed port), not left to time out: the app's error says so.
    "    meta l4proto tcp reject with tcp reset",
    "    reject",
    "  }",
    "}",
  ];
  return `${lines.join("\n")}\n`;
}

/** The nameservers of a resolv.conf: those the app may query (a loopback resolver of the host is
 * out of its reach, and left out), as resolv.ts reads them. */
export function nameservers(resolvConf: string): string[] {
  return upstreamResolvers(resolvConf).nameservers;
}

/** The private network's pure parts: publish mappings, the nftables ruleset, pasta's port
 * options, the CNI configuration list, the app's resolv.conf. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePublish } from "../../src/appspec/normalize.js";
import { conflist, writeNetworkDoc, type NetworkSpec } from "../../src/network/doc.js";
import { networkDel } from "../../src/network/hook.js";
import { egressRuleset, nameservers } from "../../src/network/nft.js";
import { pastaPortArgs } from "../../src/network/pasta.js";
import {
  networkDns,
  parseResolvConf,
  upstreamResolvers,
  withHostDns,
} from "../../src/network/resolv.js";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("publish: [IP:]HOST[-HOST]:CONTAINER[/udp], one host port per instance", () => {
  assert.deepEqual(parsePublish("8080:80"), {
    hostIp: "0.0.0.0",
    hostPorts: [8080],
    port: 80,
    protocol: "tcp",
  });
  assert.deepEqual(parsePublish("127.0.0.1:5353:53/udp"), {
    hostIp: "127.0.0.1",
    hostPorts: [5353],
    port: 53,
    protocol: "udp",
  });
  assert.deepEqual(parsePublish("8080-8089:80", 3), {
    hostIp: "0.0.0.0",
    hostPorts: [8080, 8081, 8082],
    port: 80,
    protocol: "tcp",
  });
  assert.deepEqual(
    (parsePublish("9000:80", 3) as { hostPorts: number[] }).hostPorts,
    [9000, 9001, 9002],
  );
  assert.equal(parsePublish("8080-8081:80", 3), "the range 8080-8081 has 2 ports for 3 instances");
  assert.equal(parsePublish("8081-8080:80"), "the range 8081-8080 ends before it starts");
  assert.equal(parsePublish("300.0.0.1:80:80"), "not an IPv4 address: 300.0.0.1");
  assert.equal(parsePublish("70000:80"), "port must be between 1 and 65535; got 70000");
});

test("the ruleset: in only to published ports, out only to the connect list, DNS when it connects", () => {
  const rules = egressRuleset(
    { publish: [{ hostIp: "127.0.0.1", hostPort: 8080, port: 80, protocol: "tcp" }] },
    [
      { addresses: ["10.0.0.0/8"], port: 5432, protocol: "tcp" },
      { port: 443, protocol: "tcp" },
    ],
    ["192.0.2.53"],
  );
  assert.equal(
    rules,
    [
      "table inet secure_run {",
      "  chain input {",
      "    type filter hook input priority 0; policy drop;",
      '    iif "lo" accept',
      "    ct state established,related accept",
      "    tcp dport 80 accept",
      "  }",
      "  chain output {",
      "    type filter hook output priority 0; policy drop;",
      '    oif "lo" accept',
      "    ct state established,related accept",
      "    ip daddr { 10.0.0.0/8 } tcp dport 5432 accept",
      "    tcp dport 443 accept",
      "    ip daddr { 192.0.2.53 } udp dport 53 accept",
      "    ip daddr { 192.0.2.53 } tcp dport 53 accept",
      "    meta l4proto tcp reject with tcp reset",
      "    reject",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  // Connecting nowhere: no DNS either.
  assert.doesNotMatch(egressRuleset({ publish: [] }, [], ["192.0.2.53"]), /dport 53/);
});

test("nameservers: a loopback resolver of the host is out of the app's reach", () => {
  assert.deepEqual(
    nameservers(
      "nameserver 127.0.0.53\nnameserver 192.0.2.1\n# nameserver 192.0.2.9\nnameserver ::1\n",
    ),
    ["192.0.2.1"],
  );
});

test("pasta: the published ports and nothing else", () => {
  assert.deepEqual(
    pastaPortArgs([
      { hostIp: "127.0.0.1", hostPort: 8080, port: 80, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 5353, port: 53, protocol: "udp" },
    ]),
    ["-t", "127.0.0.1/8080:80", "-u", "5353:53", "-T", "none", "-U", "none"],
  );
  assert.deepEqual(pastaPortArgs([]), ["-t", "none", "-u", "none", "-T", "none", "-U", "none"]);
});

test("the CNI list: bridge with host-local, portmap, firewall, tuning", () => {
  const list = conflist({ name: "sr-test0", subnet: "10.123.0.0/24" });
  assert.deepEqual(
    list.plugins.map((p) => p.type),
    ["bridge", "portmap", "firewall", "tuning"],
  );
  assert.deepEqual(list.plugins[0]?.ipam, {
    type: "host-local",
    ranges: [[{ subnet: "10.123.0.0/24" }]],
    routes: [{ dst: "0.0.0.0/0" }],
  });
});

test("resolv.conf: systemd-resolved's stub is replaced by its upstream servers, loopback ones dropped", () => {
  const stub = "# resolved\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
  const upstream =
    "nameserver 192.0.2.53\nnameserver 127.0.0.1\nnameserver 198.51.100.53\nsearch corp lan\n";
  assert.deepEqual(upstreamResolvers(stub, upstream), {
    nameservers: ["192.0.2.53", "198.51.100.53"],
    search: ["corp", "lan"],
    options: [],
  });
  // Not resolved's stub alone (a non-loopback server is there): the host's own, without loopback.
  assert.deepEqual(
    upstreamResolvers("nameserver 127.0.0.1\nnameserver 192.0.2.1\n", upstream).nameservers,
    ["192.0.2.1"],
  );
  // A local dnsmasq and no resolved: nothing the network reaches.
  assert.deepEqual(upstreamResolvers("nameserver 127.0.0.1\n", undefined).nameservers, []);
  // At most three, as the C library reads; junk lines and words ignored.
  assert.deepEqual(
    parseResolvConf(
      "nameserver 10.0.0.1\nnameserver x\nnameserver 10.0.0.2\nnameserver ::1\nsearch a;b ok\n",
    ),
    { nameservers: ["10.0.0.1", "10.0.0.2", "::1"], search: ["ok"], options: [] },
  );
  assert.equal(
    upstreamResolvers(
      "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n",
    ).nameservers.length,
    3,
  );
});

test("resolv.conf: the app queries the upstream servers, and its rules let exactly those out", () => {
  const up = { nameservers: ["192.0.2.53", "198.51.100.53"], search: ["lan"], options: ["edns0"] };
  const d = networkDns(up);
  assert.deepEqual(d.nameservers, ["192.0.2.53", "198.51.100.53"]);
  assert.match(
    d.resolvConf,
    /^nameserver 192\.0\.2\.53\nnameserver 198\.51\.100\.53\nsearch lan\noptions edns0\n$/m,
  );
  const written = [...d.resolvConf.matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(written, d.nameservers);
  const rules = egressRuleset({ publish: [] }, [{ port: 443, protocol: "tcp" }], d.nameservers);
  for (const proto of ["udp", "tcp"])
    assert.ok(
      rules.includes(`ip daddr { 192.0.2.53, 198.51.100.53 } ${proto} dport 53 accept`),
      rules,
    );
  const none = networkDns({ nameservers: [], search: [], options: [] });
  assert.deepEqual(none.nameservers, []);
  assert.doesNotMatch(none.resolvConf, /^nameserver/m);
  assert.match(none.resolvConf, /^# none/m);
});

test("resolv.conf: written from the host files the environment names, into the state directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "sr-net-unit-"));
  try {
    writeFileSync(join(dir, "host"), "nameserver 127.0.0.53\n");
    writeFileSync(join(dir, "resolved"), "nameserver 192.0.2.7\n");
    const env = {
      SECURE_RUN_STATE_DIR: join(dir, "state"),
      SECURE_RUN_HOST_RESOLV_CONF: join(dir, "host"),
      SECURE_RUN_RESOLVED_RESOLV_CONF: join(dir, "resolved"),
    };
    const spec: NetworkSpec = {
      version: 1,
      backend: "cni",
      publish: [],
      connect: [{ port: 443, protocol: "tcp" }],
    };
    assert.deepEqual(withHostDns(spec, env).dns, { nameservers: ["192.0.2.7"] });
    assert.match(
      readFileSync(join(dir, "state/networks/resolv.conf"), "utf8"),
      /^nameserver 192\.0\.2\.7$/m,
    );
    // Connecting nowhere: no DNS at all.
    assert.equal(withHostDns({ ...spec, connect: [] }, env).dns, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("del of a network with nothing added calls no plugin (the CLI's after the supervisor's)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sr-net-unit-"));
  try {
    // A plugin that does not exist: calling it would throw.
    const doc = {
      version: 1 as const,
      id: "a".repeat(64),
      backend: "cni" as const,
      publish: [],
      connect: [],
      cni: {
        conflist: { cniVersion: "1.0.0", name: "x", plugins: [{ type: "no-such-plugin" }] },
        ifname: "eth0",
      },
    };
    const file = writeNetworkDoc(doc, dir, "net.json");
    assert.equal(networkDel(file, 0, { remove: true }), false);
    assert.equal(existsSync(file), false);
    writeNetworkDoc({ ...doc, netns: "/nonexistent" }, dir, "net.json");
    assert.throws(() => networkDel(file, 0, { remove: true }), /no-such-plugin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

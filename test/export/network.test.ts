/** A private network in every export, the audit's exposure and the review's rule (issue 18). */
import assert from "node:assert/strict";
import { test } from "node:test";
import yaml from "js-yaml";
import { scorePlan } from "../../src/audit/score.js";
import { exportPlan, k8sManifests, type ExportResult } from "../../src/export/index.js";
import { planOfText } from "./plans.js";

/** Every file of an export, and its commands. */
const text = (r: ExportResult): string =>
  [...r.entries.map((e) => (e.kind === "file" ? e.content : "")), ...r.commands].join("\n");

const app = (network: string, extra = ""): string =>
  `apiVersion: secure-run/v1\nkind: App\nname: web\ncommand: [/bin/busybox, httpd, -f, -p, "80"]\n` +
  `network: ${network}\n${extra}`;

const PRIVATE = app(
  `{ mode: private, listen: [80], publish: ["127.0.0.1:8080-8082:80", "5353:53/udp"], connect: ["10.0.0.0/8:5432", "db.internal:5432"] }`,
  "instances: 3\n",
);

test("the plan: each instance's host port, and the organisation's bridge", () => {
  const plan = planOfText(PRIVATE);
  assert.equal(plan.network.mode, "private");
  assert.deepEqual(
    plan.network.publish?.map((p) => [p.hostIp, p.hostPorts, p.port, p.protocol]),
    [
      ["127.0.0.1", [8080, 8081, 8082], 80, "tcp"],
      ["0.0.0.0", [5353, 5354, 5355], 53, "udp"],
    ],
  );
  assert.deepEqual(plan.network.bridge, { name: "secure-run0", subnet: "10.89.0.0/24" });
  assert.ok(plan.namespaces.includes("net"));
  assert.deepEqual(
    plan.network.connect.map((c) => c.to),
    ["10.0.0.0/8", "db.internal"],
  );
});

test("audit: a private network scores lower than the host's, higher than loopback only", () => {
  const points = (network: string): number =>
    scorePlan(planOfText(app(network)), [])
      .factors.filter((f) => f.id.startsWith("network."))
      .reduce((a, f) => a + f.points, 0);
  const host = points("{ mode: host, listen: [8080] }");
  const priv = points(`{ mode: private, listen: [80], publish: ["127.0.0.1:8080:80"] }`);
  const everywhere = points(`{ mode: private, listen: [80], publish: ["8080:80"] }`);
  const none = points("{ mode: none, listen: [8080] }");
  assert.ok(
    none < priv && priv < everywhere && everywhere < host,
    `${none} ${priv} ${everywhere} ${host}`,
  );
});

test("docker: --network bridge and -p for each published port", () => {
  const out = text(exportPlan(planOfText(PRIVATE), "docker-seccomp"));
  assert.match(out, /--network bridge/);
  assert.match(out, /-p 127\.0\.0\.1:8080:80\/tcp/);
  assert.match(out, /-p 5353:53\/udp/);
});

test("kubernetes: containerPorts, a Service, egress from connect with DNS", () => {
  const m = k8sManifests(planOfText(PRIVATE));
  const container = (
    (m.workload.spec as { template: { spec: { containers: { ports: unknown }[] } } }).template.spec
      .containers[0] ?? { ports: undefined }
  ).ports;
  assert.deepEqual(container, [
    { containerPort: 80, protocol: "TCP" },
    { containerPort: 53, protocol: "UDP" },
  ]);
  assert.deepEqual((m.service?.spec as { ports: unknown }).ports, [
    { name: "tcp-80", port: 8080, targetPort: 80, protocol: "TCP" },
    { name: "udp-53", port: 5353, targetPort: 53, protocol: "UDP" },
  ]);
  assert.deepEqual((m.networkPolicy.spec as { egress: unknown }).egress, [
    { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 5432, protocol: "TCP" }] },
    { ports: [{ port: 5432, protocol: "TCP" }] },
    {
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
    },
  ]);
  assert.ok(exportPlan(planOfText(PRIVATE), "k8s").notes.some((n) => /host name/.test(n)));
  assert.deepEqual(
    yaml
      .loadAll(
        exportPlan(planOfText(PRIVATE), "k8s")
          .entries.map((e) => (e.kind === "file" && e.path.endsWith(".yaml") ? e.content : ""))
          .join(""),
      )
      .filter(Boolean)
      .map((d) => (d as { kind: string }).kind),
    ["Deployment", "Service", "NetworkPolicy", "SeccompProfile"],
  );
});

test("systemd: PrivateNetwork with a note for each published port", () => {
  const out = text(exportPlan(planOfText(PRIVATE), "systemd"));
  assert.match(out, /^PrivateNetwork=yes$/m);
  assert.match(out, /# publish 127\.0\.0\.1:8080,8081,8082 → 80\/tcp: .*systemd-socket-proxyd/);
});

test("app file: publish needs mode private; a range needs a port per instance", () => {
  assert.throws(
    () => planOfText(app(`{ mode: none, publish: ["8080:80"] }`)),
    /publishing ports needs mode "private"/,
  );
  assert.throws(
    () => planOfText(app(`{ mode: private, publish: ["8080-8081:80"] }`, "instances: 3\n")),
    /has 2 ports for 3 instances/,
  );
});

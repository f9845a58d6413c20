/** The app's stop signal and grace period (`stop`) reach every export that can carry them, and
 * the others say how to send it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  exportK8s,
  exportOci,
  k8sManifests,
  runFlags,
  systemdUnit,
} from "../../src/export/index.js";
import { allPresent, planOfText } from "./plans.js";

const app = (extra: string): string =>
  `apiVersion: secure-run/v1\nkind: App\nname: web\ncommand: [/usr/bin/true]\n${extra}`;

const quits = planOfText(app("stop: { signal: SIGQUIT, timeout: 30 }\n"));
const plain = planOfText(app(""));

test("the plan carries the stop signal and timeout, SIGTERM and 10 s by default", () => {
  assert.deepEqual(quits.lifecycle.stop, { signal: "SIGQUIT", timeout: 30 });
  assert.deepEqual(plain.lifecycle.stop, { signal: "SIGTERM", timeout: 10 });
});

test("docker and podman get --stop-signal and --stop-timeout only when they differ from the default", () => {
  const flags = runFlags(quits, { stat: allPresent }, "/p.json");
  const at = flags.docker.indexOf("--stop-signal");
  assert.deepEqual(flags.docker.slice(at, at + 4), [
    "--stop-signal",
    "SIGQUIT",
    "--stop-timeout",
    "30",
  ]);
  assert.ok(flags.podman.includes("--stop-signal"));
  const none = runFlags(plain, { stat: allPresent }, "/p.json");
  assert.ok(!none.docker.includes("--stop-signal") && !none.docker.includes("--stop-timeout"));
});

test("systemd stops with KillSignal= and TimeoutStopSec=", () => {
  const unit = systemdUnit(quits, { stat: allPresent });
  assert.match(unit, /^KillSignal=SIGQUIT$/m);
  assert.match(unit, /^TimeoutStopSec=30s$/m);
});

test("Kubernetes gets the grace period, and a note for the signal it cannot set", () => {
  const k = k8sManifests(quits, { stat: allPresent });
  const text = JSON.stringify(k);
  assert.match(text, /"terminationGracePeriodSeconds":30/);
  assert.ok(
    exportK8s(quits, { stat: allPresent }).notes.some((n) => /stop signal SIGQUIT/.test(n)),
  );
});

test("the OCI export says how to send the stop signal", () => {
  const r = exportOci(quits, { stat: allPresent });
  assert.ok(
    r.notes.some((n) => /runc kill NAME QUIT/.test(n)),
    r.notes.join("\n"),
  );
  assert.ok(!exportOci(plain, { stat: allPresent }).notes.some((n) => /stop signal/.test(n)));
});

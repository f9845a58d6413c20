/** The built wasm against the Rego sources and the examples. */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseApp } from "../../src/appspec/load.js";
import { InputError, formatIssue } from "../../src/errors.js";
import { enforcementSection } from "../../src/audit/sections.js";
import { makePlan } from "../../src/plan/make.js";
import { policySourceHashes, sha256, type PolicyManifest } from "../../src/policy/manifest.js";
import { root } from "../helpers.js";
import { debianAccounts, debianHost, rangeUserns } from "../fixtures/hosts.js";
import type { HostFacts } from "../../src/host/facts.js";

const accounts = debianAccounts;

test("the built wasm matches its Rego sources (run npm run build:policy when this fails)", () => {
  const manifest = JSON.parse(
    readFileSync(join(root, "policies/build/manifest.json"), "utf8"),
  ) as PolicyManifest;
  assert.deepEqual(manifest.sources, policySourceHashes(root));
  assert.equal(manifest.wasmSha256, sha256(readFileSync(join(root, "policies/build/policy.wasm"))));
});

const examples = readdirSync(join(root, "examples")).filter(
  (f) => f.endsWith(".yaml") && !f.endsWith(".profile.yaml"),
);

for (const example of examples) {
  test(`examples/${example}: the plan is exactly the expected one`, () => {
    const file = join(root, "examples", example);
    const loaded = parseApp(readFileSync(file, "utf8"), file);
    // Host paths below the checkout do not depend on where it is.
    const plan: unknown = JSON.parse(
      JSON.stringify(makePlan(loaded, { host: debianHost, accounts }).plan).replaceAll(
        root.replace(/\/$/, ""),
        "$ROOT",
      ),
    );
    const expectedFile = join(
      root,
      "test/policy/expected",
      example.replace(/\.yaml$/, ".plan.json"),
    );
    if (process.env.UPDATE_EXPECTED === "1")
      writeFileSync(expectedFile, `${JSON.stringify(plan, null, 2)}\n`);
    const expected: unknown = JSON.parse(readFileSync(expectedFile, "utf8"));
    assert.deepEqual(plan, expected);
  });
}

// Interpreters recognised from the command (issue 20), and `hints: []` turning that off: whole
// plans, as the examples'.
const recognised: Record<string, string> = {
  "recognised-shell": "command: [sh, -c, 'echo hi | wc -c']\n",
  "recognised-node": "command: [node, -e, 'console.log(1)']\n",
  "recognised-env-python": "command: [/usr/bin/env, python3.11, -c, 'print(1)']\n",
  "recognised-off": "command: [sh, -c, 'echo hi | wc -c']\nsyscalls: { hints: [] }\n",
};

for (const [name, body] of Object.entries(recognised)) {
  test(`${name}: the plan is exactly the expected one`, () => {
    const text = `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n${body}`;
    const plan: unknown = JSON.parse(
      JSON.stringify(makePlan(parseApp(text, `${name}.yaml`), { host: debianHost, accounts }).plan),
    );
    const expectedFile = join(root, "test/policy/expected", `${name}.plan.json`);
    if (process.env.UPDATE_EXPECTED === "1")
      writeFileSync(expectedFile, `${JSON.stringify(plan, null, 2)}\n`);
    const expected: unknown = JSON.parse(readFileSync(expectedFile, "utf8"));
    assert.deepEqual(plan, expected);
  });
}

// A user's plans (uid 1000): on a cgroup v1 host without newuidmap (a single id, no limits), and
// on a cgroup v2 host with its cgroup delegated and newuidmap with ranges (the full range).
const rootlessHosts: Record<string, HostFacts> = {
  "v1-single": {
    ...debianHost,
    selinux: "enforcing",
    userns: { available: true, callerUid: 1000, callerGid: 1000, subuid: null, subgid: null },
    cgroup: { version: 1, available: ["memory", "pids", "cpu"], writable: false },
  },
  "v2-range": {
    ...debianHost,
    userns: rangeUserns,
    cgroup: { version: 2, available: ["memory", "pids", "cpu"], writable: true },
  },
};

for (const [kind, host] of Object.entries(rootlessHosts)) {
  for (const example of ["hello.yaml", "nginx.yaml"]) {
    test(`examples/${example} for a user (${kind}): the plan is exactly the expected one`, () => {
      const file = join(root, "examples", example);
      const loaded = parseApp(readFileSync(file, "utf8"), file);
      const plan: unknown = JSON.parse(
        JSON.stringify(makePlan(loaded, { host, accounts }).plan).replaceAll(
          root.replace(/\/$/, ""),
          "$ROOT",
        ),
      );
      const expectedFile = join(
        root,
        "test/policy/expected",
        example.replace(/\.yaml$/, `.rootless-${kind}.plan.json`),
      );
      if (process.env.UPDATE_EXPECTED === "1")
        writeFileSync(expectedFile, `${JSON.stringify(plan, null, 2)}\n`);
      const expected: unknown = JSON.parse(readFileSync(expectedFile, "utf8"));
      assert.deepEqual(plan, expected);
    });
  }
}

test("an unknown profile is reported at its position with a suggestion", () => {
  const text =
    "apiVersion: secure-run/v1\nkind: App\nname: a\ncommand: [/bin/true]\nsyscalls:\n  profiles: [procss]\n";
  assert.throws(
    () => makePlan(parseApp(text, "a.yaml"), { host: debianHost, accounts }),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.issues.map(formatIssue), [
        'a.yaml:6:14: syscalls.profiles[0]: unknown syscall profile "procss"\n  hint: did you mean "process"?',
      ]);
      return true;
    },
  );
});

test("an unknown user is reported at the user field", () => {
  const text =
    "apiVersion: secure-run/v1\nkind: App\nname: a\ncommand: [/bin/true]\nuser: postgres\n";
  assert.throws(
    () => makePlan(parseApp(text, "a.yaml"), { host: debianHost, accounts }),
    /no user "postgres"/,
  );
});

test("an old Landlock: the plan says what is not enforced, and whether run accepts it", () => {
  const text =
    "apiVersion: secure-run/v1\nkind: App\nname: a\ncommand: [/bin/true]\nnetwork: { listen: [8080] }\n";
  const old = { ...debianHost, landlock: { abi: 3 } };
  const { plan } = makePlan(parseApp(text, "a.yaml"), { host: old, accounts });
  assert.deepEqual(
    plan.landlock.tcpBind.map((b) => b.port),
    [8080],
  );
  assert.deepEqual(plan.notices, [
    "not enforced on this host: landlock-net (TCP port rules need Landlock ABI 4 (Linux 6.7); this host has 3); secure-run run refuses this plan",
    "not enforced on this host: landlock-scope (abstract unix socket and signal scoping needs Landlock ABI 6 (Linux 6.12); this host has 3); accepted as best-effort",
    "not enforced on this host: selinux (SELinux is disabled); accepted as best-effort",
  ]);
  const accepted = makePlan(parseApp(`${text}bestEffort: [landlock]\n`, "a.yaml"), {
    host: old,
    accounts,
  }).plan;
  assert.ok(
    accepted.enforcement.some((e) => e.part === "landlock-net" && !e.enforced && e.bestEffort),
  );
});

test("abstract unix sockets and signals are always scoped; before Landlock ABI 6 the plan and the audit say it is not enforced (and run does not refuse)", () => {
  const text =
    "apiVersion: secure-run/v1\nkind: App\nname: a\ncommand: [/bin/true]\nnetwork: { mode: host }\n";
  const app = parseApp(text, "a.yaml");
  const scope = (abi: number) => {
    const { plan } = makePlan(app, { host: { ...debianHost, landlock: { abi } }, accounts });
    const part = plan.enforcement.find((e) => e.part === "landlock-scope");
    const audit = enforcementSection(plan, debianHost, 1).find(
      (e) => e.layer === "Landlock scopes",
    );
    return { plan, part, audit };
  };
  const abi5 = scope(5);
  assert.deepEqual(abi5.plan.landlock.scope, ["abstract-unix", "signal"]);
  assert.deepEqual(abi5.part, {
    part: "landlock-scope",
    enforced: false,
    bestEffort: true,
    detail:
      "abstract unix socket and signal scoping needs Landlock ABI 6 (Linux 6.12); this host has 5",
  });
  assert.ok(
    abi5.plan.notices.includes(
      "not enforced on this host: landlock-scope (abstract unix socket and signal scoping needs Landlock ABI 6 (Linux 6.12); this host has 5); accepted as best-effort",
    ),
  );
  assert.equal(abi5.audit?.enforced, false);
  assert.equal(abi5.audit?.planned, "no abstract unix sockets outside; no signals outside");
  const abi6 = scope(6);
  assert.equal(abi6.part?.enforced, true);
  assert.equal(abi6.audit?.enforced, true);
});

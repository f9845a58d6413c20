/** `export --format gatekeeper`, proven by its real consumer: Gatekeeper's `gator verify` runs
 * suites made here. Every example's own `export --format k8s` is admitted; mutated copies are
 * denied with the rule id that `review` gives the matching app definition. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import yaml from "js-yaml";
import { cli, root, tempDir } from "../helpers.js";

const tmp = tempDir("gatekeeper");
after(() => {
  tmp.remove();
});

interface Container {
  image: string;
  securityContext: {
    capabilities: { add: string[] };
    privileged?: boolean;
    runAsUser?: number;
    runAsNonRoot?: boolean;
  };
  volumeMounts: { name: string; mountPath: string }[];
  resources: { limits: Record<string, string> };
}
interface PodSpec {
  containers: [Container, ...Container[]];
  volumes: object[];
  securityContext: { runAsUser?: number; runAsNonRoot?: boolean };
}
interface Workload {
  kind: string;
  spec: PodSpec & {
    template: { spec: PodSpec };
    jobTemplate: { spec: { template: { spec: PodSpec } } };
  };
}

interface Rule {
  id: string;
  level: string;
  kubernetes?: string;
}
const rules = JSON.parse(readFileSync(join(root, "policies/build/rules.json"), "utf8")) as Rule[];
const catalogue = JSON.parse(
  readFileSync(join(root, "policies/build/gatekeeper.json"), "utf8"),
) as {
  lib: { source: string; rego: string };
  templates: { id: string; source: string; rego: string; review: boolean }[];
};

test("every review rule has a Gatekeeper template or a documented reason for none, not both", () => {
  const templates = new Set(catalogue.templates.map((t) => t.id));
  const missing = rules
    .filter((r) => !templates.has(r.id) && !r.kubernetes?.trim())
    .map((r) => r.id);
  assert.deepEqual(
    missing,
    [],
    "review rules with neither a policies/gatekeeper counterpart nor custom.kubernetes",
  );
  const both = rules.filter((r) => templates.has(r.id) && r.kubernetes).map((r) => r.id);
  assert.deepEqual(both, []);
  // Kubernetes-only templates are said to be so; a counterpart names a rule that exists.
  for (const t of catalogue.templates)
    assert.equal(
      t.review,
      rules.some((r) => r.id === t.id),
      t.id,
    );
});

test("policies/build/gatekeeper.json is built from the current policies/gatekeeper sources", () => {
  const dir = join(root, "policies/gatekeeper");
  const sources = readdirSync(dir).filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"));
  const built = new Map([
    [catalogue.lib.source, catalogue.lib.rego],
    ...catalogue.templates.map((t) => [t.source, t.rego] as const),
  ]);
  assert.deepEqual([...built.keys()].sort(), sources.map((f) => `policies/gatekeeper/${f}`).sort());
  for (const [source, rego] of built)
    assert.equal(
      rego,
      readFileSync(join(root, source), "utf8"),
      `${source}: run npm run build:policy`,
    );
});

/** The pinned gator (scripts/install-gator.sh builds it with go into the user's cache). */
function gator(): string | undefined {
  const r = spawnSync(join(root, "scripts/install-gator.sh"), {
    encoding: "utf8",
    timeout: 900_000,
  });
  if (r.status === 0) return r.stdout.trim();
  if (process.env.CI)
    assert.fail(`gator is needed in CI (scripts/setup.sh --test installs it):\n${r.stderr}`);
  return undefined;
}

const org = `apiVersion: secure-run/v1
kind: Config
limits:
  required: [memory]
rules:
  user.root: deny
`;

/** The workload document of a k8s export. */
function workload(dir: string, name: string): Workload {
  const docs = yaml.loadAll(readFileSync(join(dir, `${name}.yaml`), "utf8")) as (Workload | null)[];
  const w = docs.find((d) => d && (d.kind === "Pod" || d.kind === "Deployment"));
  assert.ok(w, `no workload in ${dir}`);
  return w;
}

/** The rule ids `review` denies an app definition with. */
function deniedBy(app: string, config: string): string[] {
  const r = cli(["review", "--format", "json", "--config", config, app]);
  const out = JSON.parse(r.stdout) as {
    results: { decisions: { rule: string; level: string }[] }[];
  };
  return out.results.flatMap((x) =>
    x.decisions.filter((d) => d.level === "deny").map((d) => d.rule),
  );
}

const teamRego = `package team.images

import future.keywords.contains
import future.keywords.if
import future.keywords.in

violation contains {"msg": msg} if {
	some c in input.review.object.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("[team.no-latest] container %s uses a :latest image", [c.name])
}
`;

const podSpec = (w: Workload): PodSpec =>
  w.kind === "Pod"
    ? w.spec
    : w.kind === "CronJob"
      ? w.spec.jobTemplate.spec.template.spec
      : w.spec.template.spec;

/** The Pod's spec in a StatefulSet and in a CronJob, as a team would write them. */
function wrapped(pod: Workload): Workload[] {
  const labels = { "app.kubernetes.io/name": "hello" };
  const template = (restartPolicy: string) => ({
    metadata: { labels },
    spec: { ...structuredClone(pod.spec), restartPolicy },
  });
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "hello" },
      spec: {
        serviceName: "hello",
        selector: { matchLabels: labels },
        template: template("Always"),
      },
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "hello" },
      spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: template("OnFailure") } } },
    },
  ] as unknown as Workload[];
}

test("gator verify: the examples' k8s exports are admitted, mutated copies denied with review's rule", (t) => {
  const g = gator();
  if (!g) {
    t.skip(
      "gator is not installed and cannot be built here (scripts/install-gator.sh needs go); CI fails instead",
    );
    return;
  }
  const dir = tmp.dir;
  const config = tmp.write("org.yaml", org);
  // A team's own Rego: one package in Gatekeeper's terms (a violation rule over the object under
  // review), and examples/policies, whose rules read the app and its plan.
  mkdirSync(join(dir, "team"));
  tmp.write("team/images.rego", teamRego);
  let r = cli([
    "export",
    "--format",
    "gatekeeper",
    "--config",
    config,
    "--policy",
    join(root, "examples/policies"),
    "--policy",
    join(dir, "team"),
    "-o",
    join(dir, "gk"),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const notes = readFileSync(join(dir, "gk/NOTES.md"), "utf8");
  assert.match(notes, /examples\/policies\/team\.rego \(package examples\.team\): not exported/);
  assert.match(notes, /syscalls\.forbidden: no constraint\. A Pod names its seccomp profile/);
  mkdirSync(join(dir, "objects"));
  const examples = readdirSync(join(root, "examples"))
    .filter(
      (f) =>
        f.endsWith(".yaml") &&
        /^kind:\s*App\s*$/m.test(readFileSync(join(root, "examples", f), "utf8")),
    )
    .sort();
  assert.ok(examples.length >= 5, examples.join(", "));
  const admitted: string[] = [];
  for (const f of examples) {
    const name = f.replace(/\.yaml$/, "");
    for (const replicas of [[], ["--replicas", "2"]]) {
      const out = join(dir, `k8s-${name}${replicas.length ? "-deployment" : ""}`);
      r = cli([
        "export",
        join(root, "examples", f),
        "--format",
        "k8s",
        "--config",
        config,
        "-o",
        out,
        ...replicas,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const file = join(dir, "objects", `${name}${replicas.length ? "-deployment" : ""}.yaml`);
      writeFileSync(file, yaml.dump(workload(out, name)));
      admitted.push(file);
    }
  }
  // The mutations, each with the app definition that asks for the same thing.
  const hello = workload(join(dir, "k8s-hello"), "hello");
  const deployment = workload(join(dir, "k8s-hello-deployment"), "hello");
  const [statefulset, cronjob] = wrapped(hello);
  assert.ok(statefulset && cronjob);
  for (const w of [statefulset, cronjob]) {
    const file = join(dir, "objects", `hello-${w.kind.toLowerCase()}.yaml`);
    writeFileSync(file, yaml.dump(w));
    admitted.push(file);
  }
  const base = readFileSync(join(root, "examples/hello.yaml"), "utf8");
  const mutations: { name: string; mutate: (spec: PodSpec) => void; app: string }[] = [
    {
      name: "capability",
      mutate: (s) => s.containers[0].securityContext.capabilities.add.push("SYS_ADMIN"),
      app: `${base}capabilities: [SYS_ADMIN]\n`,
    },
    {
      name: "privileged",
      mutate: (s) => (s.containers[0].securityContext.privileged = true),
      app: `${base}capabilities: [SYS_ADMIN]\n`,
    },
    {
      name: "hostpath-etc",
      mutate: (s) => {
        s.volumes.push({ name: "host-etc", hostPath: { path: "/etc", type: "Directory" } });
        s.containers[0].volumeMounts.push({ name: "host-etc", mountPath: "/host-etc" });
      },
      app: `${base}mounts:\n  - { source: /etc, target: /host-etc, readOnly: false }\n`,
    },
    {
      name: "no-memory-limit",
      mutate: (s) => delete s.containers[0].resources.limits.memory,
      app: base.replace(/^ {2}memory: .*\n/m, ""),
    },
    {
      name: "root",
      mutate: (s) => {
        s.securityContext.runAsUser = 0;
        s.containers[0].securityContext.runAsUser = 0;
        s.containers[0].securityContext.runAsNonRoot = false;
        s.securityContext.runAsNonRoot = false;
      },
      app: `${base}user: root\n`,
    },
  ];
  const denied: { file: string; rule: string; constraint: string }[] = [];
  for (const m of mutations) {
    const app = tmp.write(`${m.name}.app.yaml`, m.app);
    const rulesOfReview = deniedBy(app, config);
    assert.ok(rulesOfReview.length > 0, `review denies nothing in ${m.name}.app.yaml`);
    // The review rule that has a Gatekeeper counterpart: the one the cluster must name.
    const rule = rulesOfReview.find((id) => catalogue.templates.some((x) => x.id === id));
    assert.ok(rule, `${m.name}: review denies ${rulesOfReview.join(", ")}, none with a template`);
    for (const [kind, w] of [
      ["pod", hello],
      ["deployment", deployment],
      ["statefulset", statefulset],
      ["cronjob", cronjob],
    ] as const) {
      const copy = structuredClone(w);
      m.mutate(podSpec(copy));
      const file = join(dir, "objects", `${m.name}-${kind}.yaml`);
      writeFileSync(file, yaml.dump(copy));
      denied.push({ file, rule, constraint: rule });
    }
  }
  const latest = structuredClone(hello);
  latest.spec.containers[0].image = "nginx:latest";
  const latestFile = join(dir, "objects", "latest-pod.yaml");
  writeFileSync(latestFile, yaml.dump(latest));
  denied.push({ file: latestFile, rule: "team.no-latest", constraint: "user.team.images" });
  // A suite: each deny constraint admits every example; each mutation's rule denies it.
  const gk = join(dir, "gk");
  const denying = readdirSync(join(gk, "constraints"))
    .map((f) => ({
      f,
      c: yaml.load(readFileSync(join(gk, "constraints", f), "utf8")) as {
        spec: { enforcementAction: string };
      },
    }))
    .filter((x) => x.c.spec.enforcementAction === "deny")
    .map((x) => x.f.replace(/\.yaml$/, ""));
  for (const id of [
    "user.root",
    "limits.required",
    "capabilities.dangerous",
    "filesystem.writable-system-path",
  ])
    assert.ok(denying.includes(id), `${id} is not a deny constraint: ${denying.join(", ")}`);
  const rel = (f: string): string => f.slice(dir.length + 1);
  const tests = denying.map((id) => ({
    name: id,
    template: `gk/templates/${id}.yaml`,
    constraint: `gk/constraints/${id}.yaml`,
    cases: [
      ...admitted.map((f) => ({
        name: `admits ${rel(f)}`,
        object: rel(f),
        assertions: [{ violations: "no" }],
      })),
      ...denied
        .filter((d) => d.constraint === id)
        .map((d) => ({
          name: `denies ${rel(d.file)}`,
          object: rel(d.file),
          assertions: [{ violations: "yes", message: `^\\[${d.rule.replace(/\./g, "\\.")}\\]` }],
        })),
    ],
  }));
  writeFileSync(
    join(dir, "suite.yaml"),
    yaml.dump({
      kind: "Suite",
      apiVersion: "test.gatekeeper.sh/v1alpha1",
      metadata: { name: "secure-run" },
      tests,
    }),
  );
  const v = spawnSync(g, ["verify", "-v", dir], { encoding: "utf8", timeout: 300_000 });
  assert.equal(v.status, 0, `gator verify failed:\n${v.stdout}${v.stderr}`);
  // Every mutation was judged by its rule's test (and so denied).
  for (const d of denied) assert.match(v.stdout, new RegExp(`denies ${rel(d.file)}`), d.file);
  assert.equal(denied.length, mutations.length * 4 + 1);
});

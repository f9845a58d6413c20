/** The Kubernetes export validates against the schemas of a pinned Kubernetes (the npm package
 * kubernetes-models 5.1.0): each manifest is built as its model class and validated, and type-
 * checked against the model's TypeScript interface, which also refuses fields Kubernetes does
 * not know (as `kubectl --validate=strict` would). The SeccompProfile is checked against a
 * subset of the Security Profiles Operator's CRD schema (a fixture: no package ships it). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import yaml from "js-yaml";
import ts from "typescript";
import { exportK8s } from "../../src/export/index.js";
import type { ExportResult } from "../../src/export/index.js";
import type { Plan } from "../../src/plan/types.js";
import { root } from "../helpers.js";
import { NET_APP, allPresent, examplePlan, planOfText } from "./plans.js";

type Json = Record<string, unknown>;
interface Model {
  validate(): void;
}
type ModelClass = new (data: Json) => Model;

const KIND_MODULES: Record<string, { module: string; iface: string }> = {
  Pod: { module: "kubernetes-models/v1/Pod", iface: "IPod" },
  Deployment: { module: "kubernetes-models/apps/v1/Deployment", iface: "IDeployment" },
  NetworkPolicy: {
    module: "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
    iface: "INetworkPolicy",
  },
};

const require = createRequire(import.meta.url);
const installed = ((): string | undefined => {
  try {
    return (require("kubernetes-models/package.json") as { version: string }).version;
  } catch {
    return undefined;
  }
})();

async function model(kind: string): Promise<ModelClass> {
  const m = KIND_MODULES[kind];
  assert.ok(m, `no model for ${kind}`);
  const specifier: string = m.module;
  const mod = (await import(specifier)) as Record<string, ModelClass>;
  const cls = mod[kind];
  assert.ok(cls, `${specifier} has no ${kind}`);
  return cls;
}

/** TypeScript's excess property checks against the model's interface: an unknown field, a
 * wrong type or a value outside an enum is an error. */
function typeErrors(doc: Json): string[] {
  const kind = String(doc.kind);
  const m = KIND_MODULES[kind];
  assert.ok(m);
  const file = join(root, "test/export/__k8s_strict_check__.ts");
  const text = `import type { ${m.iface} } from "${m.module}";\nexport const doc: ${m.iface} = ${JSON.stringify(doc, null, 2)};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

function docs(result: ExportResult): Json[] {
  const file = result.entries.find((e) => e.kind === "file" && e.path.endsWith(".yaml"));
  assert.ok(file?.kind === "file");
  return yaml.loadAll(file.content) as Json[];
}

const spoSchema = JSON.parse(
  readFileSync(join(root, "test/export/fixtures/spo-seccompprofile.schema.json"), "utf8"),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateSpo = ajv.compile(spoSchema);

async function check(doc: Json): Promise<void> {
  if (doc.kind === "SeccompProfile") {
    assert.ok(validateSpo(doc), JSON.stringify(validateSpo.errors, null, 2));
    return;
  }
  const Cls = await model(String(doc.kind));
  new Cls(doc).validate();
  assert.deepEqual(typeErrors(doc), [], `${String(doc.kind)} against its TypeScript interface`);
}

const cases: [string, () => Plan, number | undefined][] = [
  ["hello.yaml", () => examplePlan("hello.yaml"), undefined],
  ["web (ports, capability, binds)", () => planOfText(NET_APP), undefined],
  ["web with --replicas 3", () => planOfText(NET_APP), 3],
];

describe("k8s export", () => {
  test("kubernetes-models is installed at the pinned version", () => {
    assert.equal(
      installed,
      "5.1.0",
      "install it: npm install --no-save kubernetes-models@5.1.0 (a devDependency)",
    );
  });

  for (const [label, make, replicas] of cases) {
    test(`${label}: every manifest validates`, async () => {
      const plan = make();
      const options: Parameters<typeof exportK8s>[1] = { stat: allPresent };
      if (replicas !== undefined) options.replicas = replicas;
      const all = docs(exportK8s(plan, options));
      assert.deepEqual(
        all.map((d) => d.kind),
        [replicas ? "Deployment" : "Pod", "NetworkPolicy", "SeccompProfile"],
      );
      for (const d of all) await check(d);
    });
  }

  test("the Pod carries the plan", () => {
    const plan = planOfText(NET_APP);
    const result = exportK8s(plan, { stat: allPresent });
    const [pod, policy, spo] = docs(result) as [Json, Json, Json];
    const spec = pod.spec as Json;
    const c = (spec.containers as Json[])[0] as Json;
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/secure-run/web.json" },
      seLinuxOptions: (c.securityContext as Json).seLinuxOptions,
    });
    assert.match(
      String(((c.securityContext as Json).seLinuxOptions as Json).level),
      /^s0:c\d+,c\d+$/,
    );
    assert.deepEqual(c.resources, { limits: { memory: "256Mi", cpu: "500m" } });
    assert.equal(spec.restartPolicy, "OnFailure");
    assert.equal(spec.hostUsers, false);
    const volumes = spec.volumes as Json[];
    assert.ok(
      volumes.some(
        (v) =>
          JSON.stringify(v.emptyDir) === JSON.stringify({ medium: "Memory", sizeLimit: "16Mi" }),
      ),
    );
    assert.ok(
      volumes.some((v) => (v.hostPath as Json | undefined)?.path === "/var/tmp"),
      "the writable bind is a hostPath",
    );
    assert.deepEqual((policy.spec as Json).ingress, [
      {
        ports: [
          { port: 80, protocol: "TCP" },
          { port: 5353, protocol: "UDP" },
        ],
      },
    ]);
    assert.deepEqual((policy.spec as Json).egress, [{ ports: [{ port: 443, protocol: "TCP" }] }]);
    assert.equal((spo.spec as Json).defaultAction, "SCMP_ACT_TRACE");
    const profile = result.entries.find((e) => e.path === "profiles/secure-run/web.json");
    assert.ok(profile?.kind === "file");
    assert.equal((JSON.parse(profile.content) as Json).defaultErrnoRet, 38);
    // /bin → usr/bin is the /usr volume, by subPath
    const hello = docs(exportK8s(examplePlan("hello.yaml"), { stat: allPresent }))[0] as Json;
    const mounts = (((hello.spec as Json).containers as Json[])[0] as Json).volumeMounts as Json[];
    assert.deepEqual(
      mounts.find((m) => m.mountPath === "/bin"),
      { name: "usr", mountPath: "/bin", readOnly: true, subPath: "bin" },
    );
  });

  test("the checks refuse what Kubernetes would refuse", async () => {
    const [pod, policy, spo] = docs(exportK8s(examplePlan("hello.yaml"), { stat: allPresent })) as [
      Json,
      Json,
      Json,
    ];
    const badEnum = structuredClone(pod);
    (badEnum.spec as Json).restartPolicy = "Sometimes";
    const Pod = await model("Pod");
    assert.throws(() => new Pod(badEnum).validate(), /restartPolicy/);
    const unknown = structuredClone(pod);
    const sc = (((unknown.spec as Json).containers as Json[])[0] as Json).securityContext as Json;
    sc.allowPrivilegeEscalations = false;
    assert.match(typeErrors(unknown).join("\n"), /allowPrivilegeEscalations/);
    const badPort = structuredClone(policy);
    (badPort.spec as Json).policyTypes = ["Inbound"];
    assert.ok(typeErrors(badPort).length > 0);
    const badSpo = structuredClone(spo);
    (badSpo.spec as Json).defaultErrnoRet = 38;
    assert.equal(validateSpo(badSpo), false);
  });
});

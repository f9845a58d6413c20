/**
 * The review rules as Gatekeeper ConstraintTemplates and Constraints: the same rules, judged in a
 * cluster's admission path on Pods and the workloads that hold them. Made from
 * policies/build/gatekeeper.json (built from policies/gatekeeper/*.rego and the review rules'
 * METADATA by `npm run build:policy`); the organisation's configuration becomes the constraints'
 * parameters and enforcement actions.
 */
import yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { OrgConfig } from "../config/load.js";
import { paths } from "../paths.cjs";
import { builtinRules } from "../review/report.js";
import type { ExportEntry, ExportResult } from "./common.js";

export const GATEKEEPER_TARGET = "admission.k8s.gatekeeper.sh";

interface GatekeeperTemplate {
  id: string;
  level: "deny" | "warn" | "info";
  title: string;
  description: string;
  /** A review rule's counterpart (else a Kubernetes-only rule). */
  review: boolean;
  source: string;
  rego: string;
}

export interface GatekeeperCatalogue {
  lib: { source: string; rego: string };
  data: {
    dangerousCapabilities: string[];
    defaultCapabilities: string[];
    systemPaths: string[];
    runtimeSockets: string[];
    secrets: string[];
  };
  templates: GatekeeperTemplate[];
}

let catalogue: GatekeeperCatalogue | undefined;

export function gatekeeperCatalogue(): GatekeeperCatalogue {
  catalogue ??= JSON.parse(
    readFileSync(join(paths.policyWasm, "../gatekeeper.json"), "utf8"),
  ) as GatekeeperCatalogue;
  return catalogue;
}

/** capabilities.dangerous → SecureRunCapabilitiesDangerous (the constraint's kind). */
export function constraintKind(id: string): string {
  return `SecureRun${id
    .split(/[._-]/)
    .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
    .join("")}`;
}

/** capabilities.dangerous → secure-run-capabilities-dangerous (the constraint's name). */
export const constraintName = (id: string): string =>
  `secure-run-${id.toLowerCase().replace(/[._]/g, "-")}`;

/** The organisation's configuration as each rule's parameters. */
export function parameters(id: string, config: OrgConfig): Record<string, unknown> | undefined {
  const d = gatekeeperCatalogue().data;
  const allowed = config.capabilities?.allowed;
  const max: Record<string, number> = {};
  if (config.limits?.max?.memory !== undefined) max.memory = config.limits.max.memory;
  if (config.limits?.max?.cpu !== undefined) max.cpu = config.limits.max.cpu;
  const byRule: Record<string, Record<string, unknown>> = {
    "capabilities.dangerous": { dangerous: d.dangerousCapabilities, allowed: allowed ?? [] },
    "capabilities.not-allowed": {
      dangerous: d.dangerousCapabilities,
      allowed: allowed ?? d.defaultCapabilities,
      runtimeDefaults: d.defaultCapabilities,
    },
    "capabilities.risky": { runtimeDefaults: d.defaultCapabilities },
    "filesystem.forbidden-path": { forbidden: config.paths?.forbidden ?? [] },
    "filesystem.host-secrets": { secrets: d.secrets },
    "filesystem.runtime-socket": { sockets: d.runtimeSockets },
    "filesystem.writable-system-path": {
      readOnly: [...d.systemPaths, ...(config.paths?.readOnly ?? [])],
    },
    "limits.above-max": { max },
    "limits.missing": { required: config.limits?.required ?? [] },
    "limits.required": { required: config.limits?.required ?? [] },
    "network.host": { allowHost: config.network?.allowHost ?? true },
    "network.host-forbidden": { allowHost: config.network?.allowHost ?? true },
    "syscalls.dangerous": { allowedTypes: ["Localhost", "RuntimeDefault"] },
    "kubernetes.selinux": {
      allowedTypes: [...new Set([config.selinux?.processType ?? "container_t", "container_t"])],
    },
  };
  return byRule[id];
}

/** An OpenAPI v3 schema that admits the parameters as given (Gatekeeper requires one). */
function schemaOf(value: unknown): object {
  if (Array.isArray(value))
    return { type: "array", items: value.length > 0 ? schemaOf(value[0]) : { type: "string" } };
  if (value !== null && typeof value === "object")
    return {
      type: "object",
      properties: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, schemaOf(v)])),
      ...(Object.keys(value).length === 0 ? { additionalProperties: { type: "number" } } : {}),
    };
  return { type: typeof value === "number" ? "number" : typeof value };
}

export const MATCH_KINDS = [
  { apiGroups: [""], kinds: ["Pod"] },
  { apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
  { apiGroups: ["batch"], kinds: ["Job", "CronJob"] },
];

/** A user's --policy Rego file: Gatekeeper Rego (it has `violation` rules) or not. */
export interface UserRego {
  file: string;
  package: string;
  rego: string;
}

export interface GatekeeperOptions {
  config?: OrgConfig;
  userRego?: UserRego[];
  /** Where the export will be written, as the commands it suggests name it. */
  outputPath?: string;
}

type Obj = Record<string, unknown>;

function template(kind: string, rego: string, libs: string[], params: unknown): Obj {
  const names: Obj = { kind };
  const crdSpec: Obj = { names };
  if (params !== undefined) crdSpec.validation = { openAPIV3Schema: schemaOf(params) };
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: kind.toLowerCase() },
    spec: {
      crd: { spec: crdSpec },
      targets: [{ target: GATEKEEPER_TARGET, rego, ...(libs.length > 0 ? { libs } : {}) }],
    },
  };
}

function constraint(kind: string, name: string, action: string, params: unknown, id: string): Obj {
  return {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind,
    metadata: {
      name,
      labels: { "app.kubernetes.io/managed-by": "secure-run" },
      annotations: { "secure-run/rule": id },
    },
    spec: {
      enforcementAction: action,
      match: { kinds: MATCH_KINDS },
      ...(params !== undefined ? { parameters: params } : {}),
    },
  };
}

const dump = (o: Obj): string => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false });

/** What admission cannot judge from a Pod, and the rules left out. */
function notes(config: OrgConfig, skipped: string[]): string[] {
  const out = [
    "syscalls: a Pod names its seccomp profile (type and, for Localhost, a file on each node); the syscall list inside a Localhost profile is not in the Pod, so admission judges the profile's type only (syscalls.dangerous: Unconfined or none is denied). Review the app and its exported profile with secure-run review before the file is placed on the nodes.",
    "pids: a Pod has no process limit field; limits.required and limits.above-max judge memory and cpu only (the node's kubelet --pod-max-pids applies).",
    "Landlock, argument conditions of syscalls, swap and rlimits: not in a Pod, not judged.",
    "capabilities: a container that does not drop ALL keeps the container runtime's defaults (taken to be Docker's default set); capabilities.not-allowed and capabilities.risky judge those too.",
    "Apply the templates first, then the constraints once Gatekeeper has made their CRDs (kubectl apply -f templates/ && kubectl apply -f constraints/).",
  ];
  for (const r of builtinRules() as (ReturnType<typeof builtinRules>[number] & {
    kubernetes?: string;
  })[])
    if (r.kubernetes) out.push(`${r.id}: no constraint. ${r.kubernetes}`);
  for (const s of skipped) out.push(s);
  if (config.rules)
    out.push(
      "levels: the configuration's rules set the constraints' enforcementAction (deny → deny, warn → warn, info → dryrun, off → no constraint).",
    );
  return out;
}

const ACTION = { deny: "deny", warn: "warn", info: "dryrun" } as const;

export function exportGatekeeper(options: GatekeeperOptions = {}): ExportResult {
  const config = options.config ?? {};
  const cat = gatekeeperCatalogue();
  const entries: ExportEntry[] = [
    { kind: "dir", path: "templates", mode: 0o755 },
    { kind: "dir", path: "constraints", mode: 0o755 },
  ];
  const skipped: string[] = [];
  for (const t of cat.templates) {
    const level = config.rules?.[t.id] ?? t.level;
    const kind = constraintKind(t.id);
    const params = parameters(t.id, config);
    const header = `# ${t.id} (${t.title}): made by secure-run export --format gatekeeper from ${t.source}\n# ${t.description}\n`;
    entries.push({
      kind: "file",
      path: `templates/${t.id}.yaml`,
      content: header + dump(template(kind, t.rego, [cat.lib.rego], params)),
    });
    if (level === "off") {
      skipped.push(
        `${t.id}: no constraint (the configuration turns the rule off); its template is written`,
      );
      continue;
    }
    entries.push({
      kind: "file",
      path: `constraints/${t.id}.yaml`,
      content: header + dump(constraint(kind, constraintName(t.id), ACTION[level], params, t.id)),
    });
  }
  for (const u of options.userRego ?? []) {
    if (!/^violation\b/m.test(u.rego)) {
      skipped.push(
        `${u.file} (package ${u.package}): not exported. Its deny and warn rules read the app definition and its plan (input.app, input.plan), which admission does not have; write a violation rule over input.review.object in a package of its own to have it exported.`,
      );
      continue;
    }
    const id = `user.${u.package}`;
    const kind = constraintKind(id);
    entries.push(
      {
        kind: "file",
        path: `templates/${id}.yaml`,
        content: dump(template(kind, u.rego, [], undefined)),
      },
      {
        kind: "file",
        path: `constraints/${id}.yaml`,
        content: dump(constraint(kind, constraintName(id), "deny", undefined, id)),
      },
    );
  }
  const n = notes(config, skipped);
  entries.push({
    kind: "file",
    path: "NOTES.md",
    content: ["# secure-run's review rules for Gatekeeper", "", ...n.map((x) => `- ${x}`), ""].join(
      "\n",
    ),
  });
  return {
    format: "gatekeeper",
    layout: "dir",
    entries,
    notes: n,
    commands: ["templates", "constraints"].map(
      (d) => `kubectl apply -f ${join(options.outputPath ?? ".", d)}/`,
    ),
  };
}

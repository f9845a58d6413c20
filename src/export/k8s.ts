/**
 * Plan → Kubernetes manifests: a Pod (a Deployment with replicas), a NetworkPolicy from the
 * listen/connect ports, a Security Profiles Operator SeccompProfile, and the seccomp profile
 * file the Pod names (`localhostProfile`), to be placed on every node below the kubelet's
 * seccomp directory (/var/lib/kubelet/seccomp/).
 */
import yaml from "js-yaml";
import { posix } from "node:path";
import type { Mount, Plan } from "../plan/types.js";
import {
  bytesText,
  exportArchitectures,
  isRootfsMount,
  isRootfsPlan,
  jsonText,
  landlockNote,
  landlockSummary,
  linkTarget,
  resolveBinds,
  rootfsDir,
  selinuxLevel,
  selinuxNote,
  type ExportOptions,
  type ExportResult,
} from "./common.js";
import { planProfile, spoSpec } from "./seccomp-profile.js";

export const HOST_VIEW_IMAGE = "registry.k8s.io/pause:3.9";
export const SPO_API_VERSION = "security-profiles-operator.x-k8s.io/v1beta1";

type Obj = Record<string, unknown>;

/** Relative to the kubelet's seccomp directory. */
export const localhostProfile = (plan: Plan): string => `profiles/secure-run/${plan.name}.json`;

function volumeName(target: string, taken: Set<string>): string {
  let base = target
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (base === "") base = "root";
  base = base.slice(0, 55).replace(/-+$/, "");
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

interface Volumes {
  volumes: Obj[];
  mounts: Obj[];
}

function volumes(plan: Plan, options: ExportOptions, notes: string[]): Volumes {
  const binds = resolveBinds(plan, options, notes);
  const rootfs = isRootfsPlan(plan);
  const taken = new Set<string>();
  const byTarget = new Map<string, string>();
  const out: Volumes = { volumes: [], mounts: [] };
  const symlinks: Mount[] = [];
  for (const m of plan.filesystem.mounts) {
    switch (m.type) {
      case "bind": {
        if (rootfs && isRootfsMount(m)) break; // in the image
        const b = binds.get(m);
        if (!b) break;
        const name = volumeName(m.target, taken);
        byTarget.set(m.target, name);
        out.volumes.push({
          name,
          hostPath: { path: b.mount.source, type: b.kind === "dir" ? "Directory" : "File" },
        });
        out.mounts.push({ name, mountPath: m.target, readOnly: Boolean(m.readOnly) });
        break;
      }
      case "tmpfs": {
        const name = volumeName(m.target, taken);
        out.volumes.push({
          name,
          emptyDir: { medium: "Memory", sizeLimit: bytesText(m.size ?? 0) },
        });
        out.mounts.push({ name, mountPath: m.target });
        break;
      }
      case "symlink":
        if (!rootfs) symlinks.push(m);
        break;
      case "proc":
      case "dev":
        break; // the runtime's own
    }
  }
  // A link (e.g. /bin → usr/bin) becomes the bound directory it points into, by subPath.
  for (const m of symlinks) {
    const target = linkTarget(m);
    const bind = plan.filesystem.mounts.find(
      (b) =>
        b.type === "bind" &&
        byTarget.has(b.target) &&
        (target === b.target || target.startsWith(`${b.target}/`)),
    );
    const name = bind ? byTarget.get(bind.target) : undefined;
    if (!bind || !name) continue;
    const mount: Obj = { name, mountPath: m.target, readOnly: true };
    const sub = posix.relative(bind.target, target);
    if (sub !== "") mount.subPath = sub;
    out.mounts.push(mount);
  }
  return out;
}

function restartPolicy(plan: Plan): string {
  return { no: "Never", always: "Always", "on-failure": "OnFailure" }[
    plan.lifecycle.restart.policy
  ];
}

function podSpec(plan: Plan, options: ExportOptions, notes: string[], deployment: boolean): Obj {
  const p = plan.process;
  const v = volumes(plan, options, notes);
  const level = selinuxLevel(plan);
  const seLinuxOptions: Obj = { type: plan.selinux.processType };
  // A Deployment's replicas are instances: the runtime gives each its own categories.
  if (!deployment) seLinuxOptions.level = level;
  const limits: Obj = { memory: bytesText(plan.cgroup.memory.max) };
  if (plan.cgroup.cpu)
    limits.cpu = `${Math.max(1, Math.round((plan.cgroup.cpu.quota / plan.cgroup.cpu.period) * 1000))}m`;
  const container: Obj = {
    name: plan.name,
    image: plan.image
      ? imageName(plan)
      : isRootfsPlan(plan)
        ? `secure-run/${plan.name}:latest`
        : HOST_VIEW_IMAGE,
    imagePullPolicy: "IfNotPresent",
    command: p.args,
    ...(plan.network.mode === "private" && (plan.network.publish ?? []).length > 0
      ? {
          ports: (plan.network.publish ?? []).map((x) => ({
            containerPort: x.port,
            protocol: x.protocol.toUpperCase(),
          })),
        }
      : {}),
    workingDir: p.cwd,
    env: p.env.map((e) => {
      const i = e.indexOf("=");
      return { name: e.slice(0, i), value: e.slice(i + 1) };
    }),
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: plan.filesystem.readOnlyRoot,
      runAsUser: p.user.uid,
      runAsGroup: p.user.gid,
      runAsNonRoot: p.user.uid !== 0,
      capabilities: { drop: ["ALL"], add: plan.capabilities.keep.map((c) => c.name) },
      seccompProfile: { type: "Localhost", localhostProfile: localhostProfile(plan) },
      seLinuxOptions,
    },
    resources: { limits },
    volumeMounts: v.mounts,
  };
  const podSecurity: Obj = {
    runAsUser: p.user.uid,
    runAsGroup: p.user.gid,
    runAsNonRoot: p.user.uid !== 0,
    seLinuxOptions,
    seccompProfile: { type: "Localhost", localhostProfile: localhostProfile(plan) },
  };
  if (p.user.groups.length > 0) podSecurity.supplementalGroups = p.user.groups;
  if (plan.network.sysctls.length > 0)
    podSecurity.sysctls = plan.network.sysctls.map((s) => ({ name: s.name, value: s.value }));
  const spec: Obj = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    restartPolicy: deployment ? "Always" : restartPolicy(plan),
    terminationGracePeriodSeconds: plan.lifecycle.stop.timeout,
    securityContext: podSecurity,
    containers: [container],
    volumes: v.volumes,
  };
  if (plan.namespaces.includes("uts")) spec.hostname = plan.hostname;
  if (plan.network.mode === "host") spec.hostNetwork = true;
  if (plan.userNamespace && plan.namespaces.includes("user")) spec.hostUsers = false;
  return spec;
}

function labels(plan: Plan): Record<string, string> {
  return { "app.kubernetes.io/name": plan.name, "app.kubernetes.io/managed-by": "secure-run" };
}

function annotations(plan: Plan): Record<string, string> {
  const ll = landlockSummary(plan);
  return {
    "secure-run/pids-limit": String(plan.cgroup.pids.max),
    "secure-run/landlock-fs": ll.fs,
    "secure-run/landlock-tcp-bind": ll.tcpBind,
    "secure-run/landlock-tcp-connect": ll.tcpConnect,
  };
}

function networkPolicy(plan: Plan): Obj {
  const port = (g: { port: number; protocol: string }): Obj => ({
    port: g.port,
    protocol: g.protocol.toUpperCase(),
  });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: plan.name, labels: labels(plan) },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/name": plan.name } },
      policyTypes: ["Ingress", "Egress"],
      ingress: plan.network.listen.length > 0 ? [{ ports: plan.network.listen.map(port) }] : [],
      egress: egress(plan, port),
    },
  };
}

/** Egress from the connect list: a destination address or CIDR becomes an ipBlock (a host name
 * cannot: any address, with a note); a private network also lets DNS out when it connects. */
function egress(plan: Plan, port: (g: { port: number; protocol: string }) => Obj): Obj[] {
  const connect = plan.network.connect;
  if (connect.length === 0) return [];
  const rules: Obj[] = connect.map((c) => {
    const cidr =
      c.to && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(c.to)
        ? c.to.includes("/")
          ? c.to
          : `${c.to}/32`
        : undefined;
    return cidr ? { to: [{ ipBlock: { cidr } }], ports: [port(c)] } : { ports: [port(c)] };
  });
  if (plan.network.mode === "private")
    rules.push({
      ports: [port({ port: 53, protocol: "udp" }), port({ port: 53, protocol: "tcp" })],
    });
  return rules;
}

/** A private network's published ports: a Service in front of the pods (ClusterIP; the host
 * port is the Service's port). */
function service(plan: Plan): Obj | undefined {
  const publish = plan.network.publish ?? [];
  if (plan.network.mode !== "private" || publish.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: plan.name, labels: labels(plan) },
    spec: {
      selector: { "app.kubernetes.io/name": plan.name },
      ports: publish.map((p) => ({
        name: `${p.protocol}-${p.port}`,
        port: p.hostPorts[0] ?? p.port,
        targetPort: p.port,
        protocol: p.protocol.toUpperCase(),
      })),
    },
  };
}

export interface K8sManifests {
  workload: Obj;
  networkPolicy: Obj;
  /** A private network with published ports. */
  service?: Obj;
  seccompProfile: Obj;
  notes: string[];
}

export function k8sManifests(plan: Plan, options: ExportOptions = {}): K8sManifests {
  const notes: string[] = [];
  const archs = exportArchitectures(plan, options);
  const replicas =
    options.replicas ?? (plan.lifecycle.instances > 1 ? plan.lifecycle.instances : undefined);
  const deployment = replicas !== undefined;
  const spec = podSpec(plan, options, notes, deployment);
  const meta = { name: plan.name, labels: labels(plan), annotations: annotations(plan) };
  const workload: Obj = deployment
    ? {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: plan.name, labels: labels(plan) },
        spec: {
          replicas,
          selector: { matchLabels: { "app.kubernetes.io/name": plan.name } },
          template: { metadata: { labels: labels(plan), annotations: annotations(plan) }, spec },
        },
      }
    : { apiVersion: "v1", kind: "Pod", metadata: meta, spec };
  const spo = spoSpec(plan, archs);
  notes.push(...spo.notes);
  const seccompProfile: Obj = {
    apiVersion: SPO_API_VERSION,
    kind: "SeccompProfile",
    metadata: { name: plan.name, labels: labels(plan) },
    spec: spo.spec,
  };
  const svc = service(plan);
  return {
    workload,
    networkPolicy: networkPolicy(plan),
    ...(svc ? { service: svc } : {}),
    seccompProfile,
    notes,
  };
}

function k8sNotes(plan: Plan, deployment: boolean): string[] {
  const notes = [
    `seccomp: place profiles/secure-run/${plan.name}.json on every node as /var/lib/kubelet/seccomp/${localhostProfile(plan)} ` +
      `(or apply the SeccompProfile resource with the Security Profiles Operator and set localhostProfile to the path it reports in status.localhostProfile)`,
    landlockNote(
      plan,
      "Kubernetes (no field for it)",
      "Nothing stands in for it: emptyDir and hostPath volumes cannot be made noexec.",
    ),
    `pids: a Pod has no process limit field (the plan: ${plan.cgroup.pids.max}); the node's kubelet --pod-max-pids applies; it is in the annotation secure-run/pids-limit`,
    `swap: none (the plan: ${bytesText(plan.cgroup.memory.swapMax)}); Kubernetes gives containers swap only under the node's swapBehavior`,
    "rlimits (core, nofile) cannot be set in a Pod: the container runtime's defaults apply",
    "/proc, /dev, masked and read-only paths: the runtime's defaults (procMount Default)",
    "out of memory: the kubelet (cgroup v2) kills the whole container, like the plan; on cgroup v1 one process",
    selinuxNote(plan, "seLinuxOptions"),
  ];
  if (plan.image)
    notes.push(
      /^(oci|docker-archive):/.test(plan.image.ref)
        ? `image: ${imageName(plan)} is the app's image (${plan.image.id}); push it where the nodes pull from: skopeo copy ${plan.image.ref} docker://REGISTRY/${imageName(plan)}`
        : `image: ${plan.image.ref} as loaded in secure-run's store (${plan.image.id}); push the archive or layout it was loaded from where the nodes pull from: skopeo copy docker-archive:FILE docker://REGISTRY/${plan.image.ref}`,
    );
  else if (isRootfsPlan(plan))
    notes.push(
      `image: secure-run/${plan.name}:latest made from the rootfs (tar -C ${rootfsDir(plan) ?? "ROOTFS"} -c . | docker import - secure-run/${plan.name}:latest) and pushed where the nodes pull from`,
    );
  else
    notes.push(
      `image: ${HOST_VIEW_IMAGE} (nearly empty) with the node's /usr and /etc files as read-only hostPath volumes, like the plan's host view; ` +
        "Pod Security 'baseline' and 'restricted' refuse hostPath volumes: build an image with the app instead where they are enforced",
    );
  if (plan.network.mode === "host")
    notes.push("hostNetwork: NetworkPolicies do not apply to pods on the host's network");
  if (plan.network.mode === "private") {
    if ((plan.network.publish ?? []).some((p) => p.hostIp === "0.0.0.0"))
      notes.push(
        "publish on every address: the Service is ClusterIP; make it NodePort or LoadBalancer to reach it from outside the cluster",
      );
    if (plan.network.connect.some((c) => c.to && !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(c.to)))
      notes.push(
        "connect to a host name: a NetworkPolicy matches addresses only; those ports are allowed to any address",
      );
  } else
    notes.push(
      "network: under secure-run run the app has loopback only; here the NetworkPolicy allows ingress to the listen ports and egress to the connect ports, nothing else (add your cluster DNS to egress if the app resolves names)",
    );
  if (plan.userNamespace)
    notes.push(
      "user namespace: hostUsers: false (needs a node and runtime with user namespace support; Kubernetes picks the id range)",
    );
  if (plan.lifecycle.stop.signal !== "SIGTERM")
    notes.push(
      `stop signal ${plan.lifecycle.stop.signal}: a Pod's containers get SIGTERM unless the image names another (STOPSIGNAL) or the cluster has the ContainerStopSignals feature (lifecycle.stopSignal)`,
    );
  if (deployment && plan.lifecycle.restart.policy !== "always")
    notes.push(`restart ${plan.lifecycle.restart.policy}: a Deployment always restarts its pods`);
  if (plan.lifecycle.restart.maxRetries > 0)
    notes.push(
      `restart: at most ${plan.lifecycle.restart.maxRetries} retries cannot be expressed; the kubelet backs off instead`,
    );
  if (plan.lifecycle.instances > 1 && !deployment)
    notes.push(`instances: ${plan.lifecycle.instances} in the plan; use --replicas`);
  return notes;
}

export function k8sYaml(m: K8sManifests, header: string[]): string {
  const docs = [
    m.workload,
    ...(m.service ? [m.service] : []),
    m.networkPolicy,
    m.seccompProfile,
  ].map((d) => yaml.dump(d, { noRefs: true, lineWidth: -1, sortKeys: false }));
  return `${header.map((h) => `# ${h}`).join("\n")}\n---\n${docs.join("---\n")}`;
}

export function exportK8s(plan: Plan, options: ExportOptions = {}): ExportResult {
  const m = k8sManifests(plan, options);
  const deployment = m.workload.kind === "Deployment";
  const notes = [...k8sNotes(plan, deployment), ...m.notes];
  const archs = exportArchitectures(plan, options);
  const header = [
    `${plan.name}: made by secure-run export --format k8s`,
    `Place profiles/secure-run/${plan.name}.json on every node as /var/lib/kubelet/seccomp/${localhostProfile(plan)}.`,
    "See NOTES.md for what Kubernetes cannot express.",
  ];
  return {
    format: "k8s",
    layout: "dir",
    entries: [
      { kind: "file", path: `${plan.name}.yaml`, content: k8sYaml(m, header), mode: 0o644 },
      { kind: "dir", path: "profiles", mode: 0o755 },
      { kind: "dir", path: "profiles/secure-run", mode: 0o755 },
      {
        kind: "file",
        path: `profiles/secure-run/${plan.name}.json`,
        content: jsonText(planProfile(plan, archs)),
        mode: 0o644,
      },
      {
        kind: "file",
        path: "NOTES.md",
        content: [
          `# Kubernetes manifests of ${plan.name}`,
          "",
          ...notes.map((n) => `- ${n}`),
          "",
        ].join("\n"),
        mode: 0o644,
      },
    ],
    notes,
    commands: [`kubectl apply -f ${posix.join(options.outputPath ?? ".", `${plan.name}.yaml`)}`],
  };
}

/** The name a Pod gives the app's image: the store's name as the app writes it, else one made
 * from the app's name (an archive or layout is pushed under it). */
function imageName(plan: Plan): string {
  const ref = plan.image?.ref ?? "";
  return /^(oci|docker-archive):/.test(ref) ? `secure-run/${plan.name}:latest` : ref;
}

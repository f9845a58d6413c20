/** Where a seccomp filter comes from: an app definition (its plan), a profile (by name or file),
 * or a Docker/OCI seccomp JSON profile (docker:FILE). */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { loadApp } from "../appspec/load.js";
import { parseYaml } from "../documents/yaml-source.js";
import type { OrgConfig } from "../config/load.js";
import { hostFacts } from "../host/facts.js";
import { makePlan, parseFieldPath } from "./make.js";
import type { SeccompSpec } from "./types.js";
import { loadProfiles, readProfile, type Profile } from "../profiles/load.js";
import { importDockerProfile } from "../seccomp/docker.js";
import type { SeccompNative } from "../native/seccomp.js";
import { syscallNameChecker } from "../seccomp/names.js";
import { byCodeUnits } from "../order.js";
import { kernelRelease } from "../host/kernel-release.cjs";

/** Docker's default capability set: what a docker:FILE profile is read for, unless told. */
export const DOCKER_DEFAULT_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];

export interface SourceOptions {
  /** Architectures to build for; default: the plan's, or this host's. */
  architectures?: string[];
  /** For docker: sources, the capabilities the container would have. */
  capabilities?: string[];
  config?: OrgConfig;
  native: SeccompNative;
}

export interface ResolvedSource {
  kind: "app" | "profile" | "docker";
  label: string;
  /** One spec per architecture (a Docker profile is read for each on its own). */
  specs: { arch: string; spec: SeccompSpec }[];
  notes: string[];
}

function profileSpec(name: string, syscalls: Profile["syscalls"], arch: string): SeccompSpec {
  return {
    defaultAction: { action: "errno", errno: "ENOSYS" },
    badArchAction: "kill_process",
    architectures: [arch],
    syscalls: Object.entries(syscalls)
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([n, e]) => ({
        name: n,
        action: "allow",
        reasons: [{ kind: "profile", ref: name, why: e.why }],
      })),
  };
}

/** Issues of a JSON file given by field path, with the line and column of each. */
function locateIssues(e: InputError, text: string, file: string): InputError {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return e;
  return new InputError(
    e.issues.map((i) =>
      i.file === file && i.line === undefined
        ? { ...i, ...parsed.source.locate(parseFieldPath(i.path)) }
        : i,
    ),
  );
}

export function resolveSource(source: string, options: SourceOptions): ResolvedSource {
  const host = hostFacts();
  const archs =
    options.architectures && options.architectures.length > 0 ? options.architectures : undefined;
  if (source.startsWith("docker:")) {
    const file = source.slice("docker:".length);
    let json: unknown;
    let text = "";
    try {
      text = readFileSync(file, "utf8");
      json = JSON.parse(text);
    } catch (e) {
      throw new InputError([
        {
          file,
          path: "",
          message: `cannot read a Docker seccomp profile: ${(e as Error).message}`,
        },
      ]);
    }
    const notes = new Set<string>();
    const specs = (archs ?? [host.arch]).map((arch) => {
      try {
        const r = importDockerProfile(json, {
          arch,
          capabilities: options.capabilities ?? DOCKER_DEFAULT_CAPABILITIES,
          kernel: kernelRelease(),
          source: file,
          native: options.native,
        });
        for (const n of r.notes) notes.add(n);
        return { arch, spec: r.spec };
      } catch (e) {
        throw e instanceof InputError ? locateIssues(e, text, file) : e;
      }
    });
    return { kind: "docker", label: source, specs, notes: [...notes] };
  }
  if (/\.ya?ml$/.test(source)) {
    const parsed = parseYaml(readFileSync(source, "utf8"), source);
    const kind = parsed.ok ? (parsed.source.value as { kind?: unknown } | null)?.kind : undefined;
    if (kind === "App" || !parsed.ok) {
      const { plan } = makePlan(loadApp(source), {
        config: options.config ?? {},
        host,
        native: options.native,
      });
      return {
        kind: "app",
        label: source,
        specs: (archs ?? plan.seccomp.architectures).map((arch) => ({
          arch,
          spec: { ...plan.seccomp, architectures: [arch] },
        })),
        notes: [],
      };
    }
    const { profile: p, issues } = readProfile(
      source,
      undefined,
      syscallNameChecker(options.native),
    );
    if (!p) throw new InputError(issues);
    return {
      kind: "profile",
      label: source,
      specs: (archs ?? [host.arch]).map((arch) => ({
        arch,
        spec: profileSpec(p.name, p.syscalls, arch),
      })),
      notes: [],
    };
  }
  const profiles = loadProfiles();
  const p = profiles[source];
  if (!p) {
    throw new InputError([
      {
        file: source,
        path: "",
        message: "not an app definition (.yaml), a profile name or docker:FILE",
        hint: `profiles: ${Object.keys(profiles).sort().join(", ")}`,
      },
    ]);
  }
  return {
    kind: "profile",
    label: `profile ${p.name}`,
    specs: (archs ?? [host.arch]).map((arch) => ({
      arch,
      spec: profileSpec(p.name, p.syscalls, arch),
    })),
    notes: [],
  };
}

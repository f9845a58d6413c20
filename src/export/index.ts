/** Export a plan to the engines people already run: an OCI bundle (runc, crun), a Docker/Podman
 * seccomp profile with the run flags, Kubernetes manifests, a systemd unit. Nothing prints;
 * writeExport puts an export's entries on disk. */
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../errors.js";
import type { Plan } from "../plan/types.js";
import type { ExportFormat, ExportOptions, ExportResult } from "./common.js";
import { exportDockerSeccomp } from "./docker-seccomp.js";
import { exportGatekeeper } from "./gatekeeper.js";
import { exportK8s } from "./k8s.js";
import { exportOci } from "./oci.js";
import { exportSystemd } from "./systemd.js";

export {
  EXPORT_FORMATS,
  type ExportEntry,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
} from "./common.js";
export { exportDockerSeccomp, runFlags } from "./docker-seccomp.js";
export {
  constraintKind,
  constraintName,
  exportGatekeeper,
  gatekeeperCatalogue,
  type GatekeeperOptions,
  type UserRego,
} from "./gatekeeper.js";
export { exportK8s, k8sManifests, localhostProfile } from "./k8s.js";
export { exportOci, ociConfig, ociCgroupsPath, type OciConfig } from "./oci.js";
export { ociSeccomp, planProfile, spoSpec, type OciSeccomp } from "./seccomp-profile.js";
export { exportSystemd, systemdUnit } from "./systemd.js";

export function exportPlan(
  plan: Plan,
  format: ExportFormat,
  options: ExportOptions = {},
): ExportResult {
  switch (format) {
    case "oci":
      return exportOci(plan, options);
    case "docker-seccomp":
      return exportDockerSeccomp(plan, options);
    case "k8s":
      return exportK8s(plan, options);
    case "systemd":
      return exportSystemd(plan, options);
    case "gatekeeper":
      // Not made from a plan: the rules themselves (exportGatekeeper, with the configuration).
      return exportGatekeeper(options);
  }
}

/** The default output path of a format. */
export function defaultOutput(plan: Plan, format: ExportFormat): string {
  switch (format) {
    case "oci":
      return `${plan.name}-oci`;
    case "docker-seccomp":
      return `${plan.name}.seccomp.json`;
    case "k8s":
      return `${plan.name}-k8s`;
    case "systemd":
      return `${plan.name}.service`;
    case "gatekeeper":
      return "secure-run-gatekeeper";
  }
}

/** Writes the export at `output` (a directory for "dir" layouts, which must be absent or empty;
 * a file otherwise). Returns the paths written. */
export function writeExport(result: ExportResult, output: string): string[] {
  const written: string[] = [];
  if (result.layout === "dir") {
    if (existsSync(output) && readdirSync(output).length > 0)
      throw new InputError([
        {
          file: output,
          path: "",
          message: "the output directory exists and is not empty",
          hint: "name a new directory with -o",
        },
      ]);
    mkdirSync(output, { recursive: true, mode: 0o755 });
    chmodSync(output, 0o755);
  } else mkdirSync(dirname(output) || ".", { recursive: true });
  for (const e of result.entries) {
    const path = e.path === "" ? output : join(output, e.path);
    switch (e.kind) {
      case "dir":
        mkdirSync(path, { recursive: true, mode: e.mode ?? 0o755 });
        chmodSync(path, e.mode ?? 0o755);
        break;
      case "file":
        writeFileSync(path, e.content, { mode: e.mode ?? 0o644 });
        chmodSync(path, e.mode ?? 0o644);
        written.push(path);
        break;
      case "symlink":
        symlinkSync(e.target, path);
        break;
    }
  }
  return written;
}

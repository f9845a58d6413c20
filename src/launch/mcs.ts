/** SELinux MCS categories are the launcher's: it allocates two per launch from a registry
 * directory, takes back those of launches that are gone and gives its own back at its end
 * (native/launcher/mcs.h describes the registry). secure-run only tells it where the registry is,
 * the labels without categories, and, for the instances of one app, the group whose one shared
 * category labels the rootfs and volumes they share. */
import { randomBytes } from "node:crypto";

export const DEFAULT_REGISTRY = "/run/secure-run/mcs";

/** What the launcher is told of SELinux for one launch. */
export interface SelinuxLaunch {
  /** The process label without categories ("system_u:system_r:container_t:s0"). */
  process: string;
  /** The file label without categories, for the mounts and relabelled volumes. */
  file: string;
  /** Where the launcher allocates categories. */
  registry: string;
  /** The instances of one app: they share one category, reserved for this group. */
  group?: string;
}

/** The process and file labels of a plan, without categories (the launcher appends them). */
export function baseLabels(plan: { processType: string; fileType: string; level: string }): {
  process: string;
  file: string;
} {
  return {
    process: `system_u:system_r:${plan.processType}:${plan.level}`,
    file: `system_u:object_r:${plan.fileType}:${plan.level}`,
  };
}

/** A group name for the instances of one run: unique on this host while it runs. */
export function instanceGroup(): string {
  return `${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** The launcher options that carry `selinux`. */
export function selinuxArgs(selinux: SelinuxLaunch): string[] {
  return [
    "--selinux-label",
    selinux.process,
    "--selinux-mount-label",
    selinux.file,
    "--selinux-mcs-registry",
    selinux.registry,
    ...(selinux.group === undefined ? [] : ["--selinux-mcs-shared", selinux.group]),
  ];
}

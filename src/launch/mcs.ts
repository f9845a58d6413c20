/** SELinux MCS categories are the launcher's: it allocates two per launch from a registry
 * directory, takes back those of launches that are gone and gives its own back at its end
 * (native/launcher/mcs.h describes the registry). secure-run only tells it where the registry is,
 * the labels without categories, and, for the instances of one app, the group whose one shared
 * category labels the rootfs and volumes they share. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { runtimeDir } from "../paths.cjs";

/** Root's registry. */
export const DEFAULT_REGISTRY = "/run/secure-run/mcs";

/** The registry: root's /run/secure-run/mcs (a user's launch has no SELinux labels to give, and
 * would use its own runtime directory). */
export function defaultRegistry(): string {
  return join(runtimeDir(), "mcs");
}

export { baseLabels, type SelinuxLaunch } from "../bundle/argv.cjs";

/** A group name for the instances of one run: unique on this host while it runs. */
export function instanceGroup(): string {
  return `${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** The formats `export` writes. Its own module: the command line names them without loading the
 * exporters. */
export const EXPORT_FORMATS = ["oci", "docker-seccomp", "k8s", "systemd", "gatekeeper"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

import type { Command } from "commander";
import type { ExportFlags } from "../actions/export.js";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

export function registerExport(program: Command, io: CliIO): void {
  const cmd = program
    .command("export")
    .summary("export the plan to runc/crun, Docker/Podman, Kubernetes or systemd")
    .description(
      "Plans APP for this host and writes what another engine needs to enforce the same sandbox, " +
        "with notes on what that engine cannot express (Landlock, argument conditions, …). " +
        "The formats are below.",
    )
    .argument("[app]", "app definition (YAML); none for gatekeeper");
  addOptions(cmd, "export")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nFormats:\n" +
          "  oci             a directory, an OCI runtime bundle: config.json, rootfs/,\n" +
          "                  NOTES.md\n" +
          "  docker-seccomp  a seccomp profile for --security-opt seccomp=FILE; prints the\n" +
          "                  docker/podman run command\n" +
          "  k8s             a directory: APP.yaml (Pod or Deployment, NetworkPolicy,\n" +
          "                  SeccompProfile), profiles/secure-run/APP.json for the nodes'\n" +
          "                  kubelet seccomp directory, NOTES.md\n" +
          "  systemd         a service unit with the same hardening\n" +
          "  gatekeeper      a directory: the review rules and the --config as Gatekeeper\n" +
          "                  ConstraintTemplates (templates/) and Constraints\n" +
          "                  (constraints/) for Pods and their workloads, NOTES.md; no APP\n" +
          "\nExamples:\n" +
          "  secure-run export examples/hello.yaml --format oci -o hello-bundle\n" +
          "  runc run -b hello-bundle hello\n" +
          "  secure-run export web.yaml --format k8s --replicas 3 --arch x86_64,aarch64\n" +
          "  secure-run export web.yaml --format systemd -o /etc/systemd/system/web.service\n" +
          "  secure-run export --format gatekeeper --config org.yaml -o gatekeeper\n" +
          "\nExit status: 0; 2 when the app definition or a flag is invalid.",
      ),
    )
    .action(async (file: string | undefined, opts: ExportFlags) => {
      await (await import("../actions/export.js")).exportApp(io, file, opts);
    });
}

import type { Command } from "commander";
import { afterText } from "../help.js";
import type { CliIO } from "../io.js";
import { addOptions } from "../options.js";

const storeText =
  "The store is per user: root's is /var/lib/secure-run/images, another user's " +
  "~/.local/share/secure-run/images (under $SECURE_RUN_STATE_DIR when set).";

export function registerImages(program: Command, io: CliIO): void {
  const load = program
    .command("load")
    .summary("load an OCI image layout or a docker archive into the image store")
    .description(
      "Reads an OCI image layout (a directory, or oci:DIR[:TAG]) or a `docker save` / `podman " +
        "save` archive (a file, or docker-archive:FILE), checks every blob against its digest " +
        "and unpacks each layer not in the store yet, refusing entries that would leave it. " +
        "Nothing is kept of an image that fails. " +
        storeText,
    )
    .argument("<source>", "DIR, FILE, oci:DIR[:TAG] or docker-archive:FILE");
  addOptions(load, "load")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExamples:\n" +
          "  secure-run load web.tar\n" +
          "  secure-run load --tag web oci:./web-layout:1.0\n" +
          "  skopeo copy docker://docker.io/library/nginx:1.25 oci:nginx:1.25\n" +
          "  secure-run load oci:nginx:1.25\n" +
          "\nExit status: 0; 2 when the image is malformed or refused (nothing is kept).",
      ),
    )
    .action(async (source: string, opts: { tag: string[]; json?: boolean }) => {
      await (await import("../actions/images.js")).load(io, source, opts);
    });

  const images = program
    .command("images")
    .summary("list the images in the store")
    .description(`Every image in the store: names, id, layers and size. ${storeText}`);
  addOptions(images, "images").action(async (opts: { json?: boolean }) => {
    (await import("../actions/images.js")).images(io, opts);
  });

  const rmi = program
    .command("rmi")
    .summary("remove images from the store")
    .description(
      "Removes each image named (by name, id or id prefix); a name of an image that has others " +
        "is only taken off it. Layers no image uses any more are removed with it. An image an " +
        "instance uses (running or stopped: `secure-run ps -a`) is not removed: remove the " +
        "instance first; nor is one a running launch holds (a foreground `run` of it).",
    )
    .argument("<image...>", "names or ids");
  addOptions(rmi, "rmi")
    .addHelpText(
      "after",
      afterText(
        io,
        "\nExit status: 0; 1 when an image is not in the store, or an instance or a running " +
          "launch uses it (nothing is removed then).",
      ),
    )
    .action(async (refs: string[]) => {
      await (await import("../actions/images.js")).rmi(io, refs);
    });

  const image = program.command("image").summary("manage the image store");
  const prune = image
    .command("prune")
    .summary("remove unnamed images and unused layers")
    .description(
      "Removes images with no name (with --all, every image) and every layer no image uses. " +
        "Images an instance uses (running or stopped) or a running launch holds are kept, and " +
        "said so.",
    );
  addOptions(prune, "image prune").action(async (opts: { all?: boolean; json?: boolean }) => {
    await (await import("../actions/images.js")).prune(io, opts);
  });
}

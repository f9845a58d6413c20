/** A prepared plan → a bundle: the launcher's arguments and a BPF program per architecture, with
 * what they were made from, so that launching needs no Node and no policy evaluation. */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { LoadedApp } from "../appspec/load.js";
import { InternalError } from "../errors.js";
import { cgroupFsType, hostFingerprint } from "../host/fingerprint.cjs";
import { packageVersion, paths } from "../paths.cjs";
import type { PlanResult } from "../plan/make.js";
import type { Plan } from "../plan/types.js";
import { compileFilters, notifyingSpec } from "../seccomp/compile.js";
import { fixContext, refusalFixes } from "../plan/fixes.js";
import { appVolumes, baseLabels, launcherArgs, type SelinuxLaunch } from "./argv.cjs";
import { encodeBundle, type Bundle } from "./format.js";
import { dirInput, fileInput, inputsDigest, statInput, type Input } from "./inputs.cjs";
import { imageStore, parseSource, recordPath, rootOf } from "../images/store.js";
import { pathInImage } from "../images/view.js";

/** What a bundle is made from: the plan, the host facts it was made for, and the app file it
 * was made from (launch/prepare.ts's Prepared is one). */
export interface Planned extends PlanResult {
  loaded: LoadedApp;
}

/** Everything the plan and the launch are made from, besides the host: the app file and the
 * profiles it names, the package's profiles, policy and schemas, the configuration, the
 * accounts the user is resolved in, the rootfs, the mount sources and the native programs. */
export function bundleInputs(prepared: Planned, configFile?: string): Input[] {
  const { loaded, plan } = prepared;
  const appDir = dirname(resolve(loaded.file));
  const inputs: Input[] = [fileInput(resolve(loaded.file))];
  for (const ref of loaded.app.syscalls?.profiles ?? [])
    if (/\.ya?ml$/.test(ref)) inputs.push(fileInput(resolve(appDir, ref)));
  for (const f of readdirSync(paths.profiles).sort())
    if (/\.ya?ml$/.test(f)) inputs.push(fileInput(join(paths.profiles, f)));
  inputs.push(fileInput(paths.policyWasm));
  for (const s of ["app", "profile", "config"])
    inputs.push(fileInput(join(paths.schemas, `${s}.schema.json`)));
  if (configFile) inputs.push(fileInput(resolve(configFile)));
  const rootfs = loaded.app.root?.type === "rootfs" ? loaded.app.root.path : undefined;
  const image = plan.image ? imageInputs(plan) : undefined;
  const accounts = rootfs ?? image?.root ?? "/";
  const layers = plan.filesystem.imageLayers?.layers;
  // The image's accounts: the layer files its /etc/passwd and /etc/group are (or, absent, where
  // its top layer would have them).
  const account = (f: string): string =>
    layers ? (pathInImage(layers, f) ?? join(layers[0] ?? "/", f)) : join(accounts, f);
  inputs.push(fileInput(account("etc/passwd")), fileInput(account("etc/group")));
  if (rootfs) inputs.push(dirInput(rootfs));
  if (image) inputs.push(...image.inputs);
  for (const source of appVolumes(plan)) inputs.push(statInput(source));
  inputs.push(statInput(paths.launcher), statInput(paths.execAddon), statInput(paths.addon));
  return inputs;
}

/** An image app's: its record in the store (it changes when a name it was found by moves to
 * another image, and is gone after rmi), its layers (each directory: what it is and holds at
 * its top, and its record with the store's format) or its flattened root, and where an oci: or
 * docker-archive: reference reads it from. */
function imageInputs(plan: Plan): { root: string; inputs: Input[] } {
  const image = plan.image;
  if (!image) throw new InternalError("imageInputs: not an image app");
  const store = imageStore();
  const root = rootOf(store, image.id);
  const inputs: Input[] = [fileInput(recordPath(store, image.id))];
  const layers = plan.filesystem.imageLayers?.layers;
  if (layers)
    for (const l of layers) inputs.push(statInput(l), dirInput(l), fileInput(`${l}.json`));
  else inputs.push(dirInput(root));
  const src = parseSource(image.ref);
  if (src?.kind === "oci") inputs.push(fileInput(join(src.dir, "index.json")));
  if (src?.kind === "docker-archive") inputs.push(statInput(src.file));
  return { root, inputs };
}

export interface CompiledBundle {
  data: Buffer;
  bundle: Bundle;
  inputs: Input[];
  /** hostFingerprint() at compile time. */
  host: string;
}

export interface CompileOptions {
  configFile?: string;
  architectures?: string[];
  now?: Date;
  /** Where the launcher allocates each launch's SELinux categories (launch/mcs.ts's registry):
   * needed when the plan's SELinux labels are enforced. */
  mcsRegistry?: string;
}

/** A bundle's SELinux labels: categories of its own for every launch, which the launcher
 * allocates from the registry that `secure-run run` allocates from, and appends to both labels. */
function bundleSelinux(plan: Plan, mcsRegistry: string | undefined): SelinuxLaunch | undefined {
  if (!plan.selinux.enforced) return undefined;
  if (!mcsRegistry)
    throw new InternalError("a bundle of a plan under SELinux needs the MCS registry's path");
  return {
    ...baseLabels(plan.selinux),
    mcsRegistry,
  };
}

export function compileBundle(prepared: Planned, o: CompileOptions = {}): CompiledBundle {
  const { plan, host, loaded } = prepared;
  const selinux = bundleSelinux(plan, o.mcsRegistry);
  const architectures = o.architectures ?? [host.arch];
  if (!architectures.includes(host.arch) && o.architectures === undefined)
    architectures.push(host.arch);
  // Both filters of each architecture: the app runs under the notifying one, the plan's own
  // answers each refusal (see notifyingSpec).
  const notifying = compileFilters(notifyingSpec(plan.seccomp), undefined, architectures);
  const filters = compileFilters(plan.seccomp, undefined, architectures).map((f, i) => ({
    arch: f.arch,
    bpf: f.bpf,
    notify: notifying[i]?.bpf ?? Buffer.alloc(0),
  }));
  const fixes = refusalFixes(
    plan.seccomp,
    prepared.profiles,
    fixContext(loaded, plan.process.args, host.arch),
  );
  const inputs = bundleInputs(prepared, o.configFile);
  const fingerprint = hostFingerprint();
  const version = packageVersion();
  const digest = inputsDigest(version, fingerprint, inputs);
  const args = launcherArgs({ plan, landlockAbi: host.landlock.abi ?? 0, selinux });
  const bundle: Bundle = {
    name: plan.name,
    version,
    created: (o.now ?? new Date()).toISOString(),
    source: resolve(loaded.file),
    inputs: digest,
    host: {
      arch: host.arch,
      kernel: host.kernel,
      landlock: host.landlock.abi ?? 0,
      cgroupFs: cgroupFsType(),
      selinux: host.selinux,
    },
    args,
    filters,
    fixes,
  };
  return { data: encodeBundle(bundle), bundle, inputs, host: fingerprint };
}

/** sha256 of a bundle file's bytes, for messages. */
export function bundleDigest(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

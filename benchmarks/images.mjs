// Images: `secure-run load` of a ~100 MB image against `tar -x` of the same layers, and the launch
// of an image app against the same tree given as a rootfs (and `podman run --rm` of the same
// image, when podman is installed and works). The image is made here from the host's own files
// (usr/sbin, usr/share/perl, libraries of usr/lib/x86_64-linux-gnu up to ~100 MB, the dynamic
// loader), uncompressed layers, written as an OCI layout and as a docker archive.
//   node benchmarks/images.mjs [--rounds N] [--runs N] [--out FILE]
// Not part of the test suite; writes benchmarks/results/images.json unless --out says otherwise.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machine, median, root } from "./common.mjs";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    runs: { type: "string", default: "10" },
    out: { type: "string", default: join(root, "benchmarks/results/images.json") },
  },
});
const rounds = Number(flags.rounds);
const runs = Number(flags.runs);
const cli = join(root, "dist/cli/secure-run");
const say = (s) => console.log(`images: ${s}`);
const work = mkdtempSync(join(tmpdir(), "secure-run-test-image-bench-"));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

const sha = (b) => createHash("sha256").update(b).digest("hex");
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return ms(t0);
}
function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.error}`);
  return r.stdout;
}

// ---- the image ----------------------------------------------------------------------------------
const libdir = "/usr/lib/x86_64-linux-gnu";
const libs = ["libc.so.6"];
let libBytes = statSync(join(libdir, "libc.so.6")).size;
for (const f of readdirSync(libdir).sort()) {
  if (libBytes > 45 << 20) break;
  const st = lstatSync(join(libdir, f), { throwIfNoEntry: false });
  if (!st?.isFile() || libs.includes(f)) continue;
  libs.push(f);
  libBytes += st.size;
}
mkdirSync(join(work, "base/etc"), { recursive: true });
writeFileSync(join(work, "base/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
writeFileSync(join(work, "base/etc/group"), "root:x:0:\n");
const layerDefs = [
  [
    "-C",
    join(work, "base"),
    "etc",
    "-C",
    "/",
    "bin",
    "lib",
    "lib64",
    "sbin",
    "usr/lib64",
    "usr/bin/true",
  ],
  ["-C", "/", "usr/sbin", "usr/share/perl"],
  ["-C", "/", ...libs.map((f) => `usr/lib/x86_64-linux-gnu/${f}`)],
];
const layers = layerDefs.map((args, i) => {
  const file = join(work, `layer${i}.tar`);
  sh("tar", ["--numeric-owner", "-cf", file, ...args]);
  return { file, diffId: `sha256:${sha(readFileSync(file))}`, size: statSync(file).size };
});
const total = layers.reduce((n, l) => n + l.size, 0);
say(`image of ${layers.length} layers, ${(total / 2 ** 20).toFixed(1)} MiB`);

const oci = join(work, "oci");
mkdirSync(join(oci, "blobs/sha256"), { recursive: true });
const put = (b) => {
  const h = sha(b);
  writeFileSync(join(oci, "blobs/sha256", h), b);
  return { digest: `sha256:${h}`, size: b.length };
};
for (const l of layers)
  writeFileSync(join(oci, "blobs/sha256", l.diffId.slice(7)), readFileSync(l.file));
const config = Buffer.from(
  JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["/usr/bin/true"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
  }),
);
const cfg = put(config);
const manifest = put(
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: l.diffId,
        size: l.size,
      })),
    }),
  ),
);
writeFileSync(join(oci, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(
  join(oci, "index.json"),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...manifest,
        annotations: { "org.opencontainers.image.ref.name": "bench" },
      },
    ],
  }),
);

// ---- load against tar -x ------------------------------------------------------------------------
const loads = [];
const untars = [];
for (let r = 0; r < rounds; r++) {
  const state = join(work, `state-${r}`);
  loads.push(
    time(() =>
      sh(cli, ["load", `oci:${oci}:bench`], {
        env: { ...process.env, SECURE_RUN_STATE_DIR: state },
      }),
    ),
  );
  rmSync(state, { recursive: true, force: true });
  const dest = join(work, `untar-${r}`);
  untars.push(
    time(() => {
      for (const l of layers) {
        mkdirSync(join(dest, l.diffId.slice(7)), { recursive: true });
        sh("tar", ["-xf", l.file, "-C", join(dest, l.diffId.slice(7))]);
      }
    }),
  );
  rmSync(dest, { recursive: true, force: true });
}
const mib = total / 2 ** 20;
const load = { medianMs: median(loads), mibPerS: mib / (median(loads) / 1000), all: loads };
const untar = { medianMs: median(untars), mibPerS: mib / (median(untars) / 1000), all: untars };
say(
  `load ${load.medianMs.toFixed(0)} ms (${load.mibPerS.toFixed(0)} MiB/s); tar -x ${untar.medianMs.toFixed(0)} ms (${untar.mibPerS.toFixed(0)} MiB/s)`,
);

// ---- launch: image app against rootfs app -------------------------------------------------------
const env = { ...process.env, SECURE_RUN_STATE_DIR: join(work, "state") };
sh(cli, ["load", `oci:${oci}:bench`], { env });
const rootfs = join(work, "state/images/roots", cfg.digest.slice(7));
const app = (name, rootLine) => {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: secure-run/v1\nkind: App\nname: ${name}\nuser: root\ncommand: [/usr/bin/true]\n${rootLine}\n`,
  );
  return file;
};
// The rootfs app's tree: the image's layers applied into one directory, which secure-run makes
// only for its fallback root (an image app's root is an overlay of the layers): a plan made with
// the fallback forced makes it.
sh(cli, ["plan", app("bench-flatten", "root: { image: bench }")], {
  env: { ...env, SECURE_RUN_IMAGE_ROOT: "bind" },
});
const targets = {
  image: [cli, ["run", app("bench-image", "root: { image: bench }")]],
  rootfs: [cli, ["run", app("bench-rootfs", `root: { rootfs: ${rootfs} }`)]],
};
let podman = "podman not installed";
if (spawnSync("podman", ["--version"]).status === 0) {
  // podman loads an OCI layout as a tar of it (oci-archive); it prints the name it gave.
  const archive = join(work, "bench-oci.tar");
  sh("tar", ["-C", oci, "-cf", archive, "."]);
  const copied = spawnSync("podman", ["load", "-q", "-i", archive], { encoding: "utf8" });
  const name = copied.stdout?.trim().split(/\s+/).pop();
  if (copied.status === 0 && name) {
    targets.podman = ["podman", ["run", "--rm", "--network", "none", name]];
    podman = `podman run --rm --network none (${name})`;
    process.on("exit", () => spawnSync("podman", ["rmi", "-f", name]));
  } else podman = `podman load failed: ${copied.stderr.trim().split("\n").pop()}`;
}
const launch = {};
for (const [name, [cmd, args]] of Object.entries(targets)) {
  const r0 = spawnSync(cmd, args, { env, encoding: "utf8" });
  if (r0.status !== 0) {
    launch[name] = { error: (r0.stderr || String(r0.error)).trim().split("\n").pop() };
    continue;
  }
  const t = [];
  for (let i = 0; i < runs; i++) t.push(time(() => spawnSync(cmd, args, { env })));
  launch[name] = { medianMs: median(t), all: t };
  say(`launch ${name}: ${median(t).toFixed(1)} ms`);
}

const result = {
  date: new Date().toISOString(),
  machine: machine(),
  image: { layers: layers.length, mib: Number(mib.toFixed(1)), compression: "none" },
  load,
  untar,
  launch,
  podman,
  loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
};
writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
say(`wrote ${flags.out}`);
void execFileSync;

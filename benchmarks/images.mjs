// Images: `secure-run load` of a ~100 MB image against `tar -x` of the same layers (and the same
// image with zstd layers), and the launch of an image app against the same tree given as a
// rootfs and against `podman run --rm` of the same image. The image is made here from the host's
// own files (usr/sbin, usr/share/perl, libraries of usr/lib/x86_64-linux-gnu up to ~100 MB, the
// dynamic loader), uncompressed layers, written as an OCI layout.
//   node benchmarks/images.mjs [--rounds N] [--runs N] [--out FILE]
// Not part of the test suite (npm run bench runs it, as root); writes
// benchmarks/results/images.json unless --out says otherwise.
//
// podman runs with a store, run root and tmpdir of its own under the work directory (nothing of
// the host's podman state is read or changed), cgroupfs, runc and --cgroups no-conmon with a
// cgroup parent under this process's own cgroup, as benchmarks/instances.mjs does (crun 1.8
// refuses this hybrid cgroup host). Its default rlimits for root containers are RLIMIT_NOFILE
// 1048576:1048576 and RLIMIT_NPROC 32768:32768; raising a hard limit above the caller's needs
// CAP_SYS_RESOURCE, which a container host may withhold (this one does, and its RLIMIT_NOFILE
// hard limit is 20000): the runtime's setrlimit fails with EPERM ("crun: setrlimit
// `RLIMIT_NOFILE`: Operation not permitted", runc: "error setting rlimit type 7"), and
// `--ulimit host` does not help in podman 4.3 (the spec still asks 1048576). With nofile given,
// the default RLIMIT_NPROC is refused the same way (runc: "rlimit type 6"; not looked into
// further), while the same values given with --ulimit pass. So both are given explicitly, as the
// app under secure-run gets them: nofile 1024 soft, this process's hard limit; nproc this
// process's hard limit, at most 32768. The flags are recorded in the results.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machine, median, ownLimit, podmanGlobal, podmanUlimits, root } from "./common.mjs";
const { cgroupHierarchies } = await import(join(root, "dist/src/host/cgroups.js"));

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
const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));
// What the runs would otherwise add to the user's own bundle cache.
const cliEnv = { ...process.env, XDG_CACHE_HOME: join(work, "cache"), NO_COLOR: "1" };
const cleanups = [];
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  for (const c of cleanups.reverse()) c();
  rmSync(work, { recursive: true, force: true });
};
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

// The same image with zstd layers (Debian's zstd, level 3): its own layout.
const ociZstd = join(work, "oci-zstd");
let zstdNote = "";
if (spawnSync("zstd", ["--version"]).status === 0) {
  mkdirSync(join(ociZstd, "blobs/sha256"), { recursive: true });
  const zput = (b) => {
    const h = sha(b);
    writeFileSync(join(ociZstd, "blobs/sha256", h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const zlayers = layers.map((l) => {
    sh("zstd", ["-q", "-3", "-f", l.file, "-o", `${l.file}.zst`]);
    return zput(readFileSync(`${l.file}.zst`));
  });
  zput(config);
  const zmanifest = zput(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
        layers: zlayers.map((z) => ({
          mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
          ...z,
        })),
      }),
    ),
  );
  writeFileSync(join(ociZstd, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(ociZstd, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...zmanifest,
          annotations: { "org.opencontainers.image.ref.name": "bench" },
        },
      ],
    }),
  );
  zstdNote = `${(zlayers.reduce((n, z) => n + z.size, 0) / 2 ** 20).toFixed(1)} MiB of zstd layers`;
} else zstdNote = "zstd not installed";

// ---- load against tar -x ------------------------------------------------------------------------
const loads = [];
const zstdLoads = [];
const untars = [];
for (let r = 0; r < rounds; r++) {
  const state = join(work, `state-${r}`);
  loads.push(
    time(() =>
      sh(cli, ["load", `oci:${oci}:bench`], {
        env: { ...cliEnv, SECURE_RUN_STATE_DIR: state },
      }),
    ),
  );
  rmSync(state, { recursive: true, force: true });
  if (!zstdNote.startsWith("zstd not")) {
    zstdLoads.push(
      time(() =>
        sh(cli, ["load", `oci:${ociZstd}:bench`], {
          env: { ...cliEnv, SECURE_RUN_STATE_DIR: state },
        }),
      ),
    );
    rmSync(state, { recursive: true, force: true });
  }
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
const loadZstd = zstdLoads.length
  ? {
      medianMs: median(zstdLoads),
      mibPerS: mib / (median(zstdLoads) / 1000),
      all: zstdLoads,
      note: zstdNote,
    }
  : { error: zstdNote };
say(
  `load ${load.medianMs.toFixed(0)} ms (${load.mibPerS.toFixed(0)} MiB/s); tar -x ${untar.medianMs.toFixed(0)} ms (${untar.mibPerS.toFixed(0)} MiB/s)` +
    (loadZstd.medianMs
      ? `; load of zstd layers ${loadZstd.medianMs.toFixed(0)} ms (${loadZstd.mibPerS.toFixed(0)} MiB/s of tar)`
      : ""),
);

// ---- launch: image app against rootfs app and podman --------------------------------------------
const env = { ...cliEnv, SECURE_RUN_STATE_DIR: join(work, "state") };
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

const pmDir = join(work, "podman");
const cgroupParent = `secure-run-bench-images-${process.pid}`;
const podmanGlobalArgs = podmanGlobal(pmDir);
const nofile = ownLimit("Max open files").hard;
const podmanRun = [
  "--rm",
  "--network",
  "none",
  "--cgroups",
  "no-conmon",
  "--cgroup-parent",
  cgroupParent,
  ...podmanUlimits(),
];
let podman = { compared: false, reason: "" };
if (process.getuid?.() !== 0) podman.reason = "needs root";
else if (spawnSync("podman", ["--version"]).status !== 0) podman.reason = "podman not installed";
else if (spawnSync("runc", ["--version"]).status !== 0) podman.reason = "runc not installed";
else {
  // /var/lib/containers/cache/blob-info-cache-v1.boltdb is written by `podman load` whatever
  // --root says: removed at the end when this run made it.
  const hostCache = "/var/lib/containers";
  const hostCacheExisted = existsSync(hostCache);
  cleanups.push(() => {
    if (!hostCacheExisted && existsSync(hostCache)) {
      const only =
        readdirSync(hostCache).join() === "cache" &&
        readdirSync(join(hostCache, "cache")).every((f) => f === "blob-info-cache-v1.boltdb");
      if (only) rmSync(hostCache, { recursive: true, force: true });
    }
  });
  cleanups.push(() => {
    spawnSync("podman", [...podmanGlobalArgs, "rm", "-af", "-t", "0"], { stdio: "ignore" });
    spawnSync("podman", [...podmanGlobalArgs, "rmi", "-af"], { stdio: "ignore" });
    // The parent cgroup runc made in each hierarchy, under this process's own (empty by now).
    for (const h of cgroupHierarchies())
      try {
        rmdirSync(join(h.ownDir, cgroupParent));
      } catch (e) {
        if (e.code !== "ENOENT")
          say(`could not remove ${join(h.ownDir, cgroupParent)}: ${e.message}`);
      }
    // Mounts left under its store (none are expected), deepest first, before the files go.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4])
      .filter((p) => p?.startsWith(`${pmDir}/`))
      .sort((a, b) => b.length - a.length);
    for (const p of mounts) spawnSync("umount", [p], { stdio: "ignore" });
  });
  // podman loads an OCI layout as a tar of it (oci-archive); it prints the name it gave.
  const archive = join(work, "bench-oci.tar");
  sh("tar", ["-C", oci, "-cf", archive, "."]);
  const copied = spawnSync("podman", [...podmanGlobalArgs, "load", "-q", "-i", archive], {
    encoding: "utf8",
  });
  const name = copied.stdout?.trim().split(/\s+/).pop();
  if (copied.status === 0 && name) {
    targets.podman = ["podman", [...podmanGlobalArgs, "run", ...podmanRun, name]];
    podman = {
      compared: true,
      version: sh("podman", ["--version"]).trim(),
      runtime: sh("runc", ["--version"]).split("\n")[0],
      command: `podman ${[...podmanGlobalArgs, "run", ...podmanRun, name].join(" ")}`
        .replaceAll(work, "$TMP")
        .replace(cgroupParent, "secure-run-bench-images-$PID"),
      note:
        "podman's default rlimits for root (nofile 1048576:1048576, nproc 32768:32768) are refused " +
        "by the runtime here (EPERM: no CAP_SYS_RESOURCE, nofile hard limit " +
        `${nofile}; --ulimit host does not avoid it in podman 4.3; the default nproc is refused ` +
        "too, the same value given with --ulimit passes): --ulimit nofile and nproc give what " +
        "secure-run's app gets. runc, not crun (crun 1.8 refuses this hybrid cgroup host). " +
        "Not matched: podman runs root without a user namespace, on an overlay root, with its " +
        "default seccomp profile and capabilities; secure-run's app has its user namespace, " +
        "read-only overlay root and the plan's allowlist",
    };
  } else podman.reason = `podman load failed: ${copied.stderr.trim().split("\n").pop()}`;
}
if (!podman.compared) say(`podman not compared: ${podman.reason}`);
// One warm-up run each (the bundle cache, podman's storage), then the runs, the tools taking turns
// (a busy moment of the machine falls on all of them alike); a failed run is an error, not a time.
const launch = {};
const live = [];
for (const [name, [cmd, args]] of Object.entries(targets)) {
  const r0 = spawnSync(cmd, args, { env, encoding: "utf8" });
  if (r0.status !== 0) {
    launch[name] = { error: (r0.stderr || String(r0.error)).trim().split("\n").pop() };
    say(`launch ${name} failed: ${launch[name].error}`);
  } else {
    launch[name] = { all: [] };
    live.push(name);
  }
}
for (let i = 0; i < runs; i++)
  for (const name of live) {
    if (launch[name].error) continue;
    const [cmd, args] = targets[name];
    let status = 0;
    const ms1 = time(() => {
      status = spawnSync(cmd, args, { env }).status;
    });
    if (status !== 0) launch[name] = { error: `run ${i + 1} exited ${status}` };
    else launch[name].all.push(ms1);
  }
for (const name of live)
  if (!launch[name].error) {
    launch[name].medianMs = median(launch[name].all);
    say(`launch ${name}: ${launch[name].medianMs.toFixed(1)} ms`);
  }

const result = {
  date: new Date().toISOString(),
  machine: {
    ...machine(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
  },
  rounds,
  runs,
  image: { layers: layers.length, mib: Number(mib.toFixed(1)), compression: "none" },
  load,
  loadZstd,
  untar,
  launch,
  podman,
  note: "2 cores: the load average says how busy the machine was while this ran.",
};
writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
say(`wrote ${flags.out}`);

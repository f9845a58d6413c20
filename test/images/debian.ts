/** A real Debian image for the tests: `debootstrap --variant=minbase --include=redis-server
 * bookworm` (Debian's own packages, from the host's Debian mirror), made into an OCI image layout
 * of two layers, as an image build would: the Debian tree without its package caches,
 * documentation and device nodes (zstd-compressed, by Debian's zstd), then a layer with redis's
 * configuration for the test (gzip). Its config names the command, the user and the port.
 *
 * Built once and cached, keyed by everything it is made from (this file, the suite, the packages,
 * the mirror, debootstrap's version), under $SECURE_RUN_TEST_IMAGE_CACHE or
 * ${XDG_CACHE_HOME:-~/.cache}/secure-run/test-images: a clean machine builds it in about a minute
 * (debootstrap ~30 s), later runs reuse it. A build of other inputs is removed once unused for a
 * day (another checkout's run may be using it).
 * Root only (debootstrap chroots and makes files of every owner). */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { root } from "../helpers.js";

export const DEBIAN_TAG = "bookworm-redis";
export const DEBIAN_REDIS_PORT = 6394;
const SUITE = "bookworm";
const PACKAGES = ["redis-server"];

export function imageCache(): string {
  return (
    process.env.SECURE_RUN_TEST_IMAGE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "secure-run/test-images")
  );
}

/** The host's Debian mirror (as test/vm/prepare.sh finds it), else deb.debian.org. */
export function debianMirror(): string {
  if (process.env.SECURE_RUN_TEST_DEBIAN_MIRROR) return process.env.SECURE_RUN_TEST_DEBIAN_MIRROR;
  for (const [file, re] of [
    ["/etc/apt/sources.list.d/debian.sources", /^URIs:\s*(\S+)/m],
    ["/etc/apt/sources.list", /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m],
  ] as const) {
    try {
      const m = re.exec(readFileSync(file, "utf8"));
      if (m?.[1]) return m[1];
    } catch {
      // no such file: the next
    }
  }
  return "http://deb.debian.org/debian";
}

/** Why the image cannot be built here, or false. */
export function debianUnavailable(): string | false {
  if (process.getuid?.() !== 0) return "debootstrap runs as root";
  if (spawnSync("debootstrap", ["--version"]).status !== 0)
    return "debootstrap is not installed (scripts/setup.sh --test installs it)";
  if (spawnSync("zstd", ["--version"]).status !== 0)
    return "zstd is not installed (scripts/setup.sh --test installs it)";
  return false;
}

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const fileSha = (path: string): string =>
  execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0] ?? "";

/** What the image is made from: a change to any of it builds it anew. */
function inputs(): string[] {
  const debootstrap = execFileSync("dpkg-query", ["-W", "-f=${Version}", "debootstrap"], {
    encoding: "utf8",
  });
  return [
    `builder ${sha(readFileSync(join(root, "test/images/debian.ts")))}`,
    `suite ${SUITE} minbase`,
    `packages ${PACKAGES.join(",")}`,
    `mirror ${debianMirror()}`,
    `debootstrap ${debootstrap}`,
    `arch ${process.arch}`,
  ];
}

function run(file: string, args: string[], log: string): void {
  const r = spawnSync(file, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  writeFileSync(log, text, { flag: "a" });
  if (r.status !== 0)
    throw new Error(
      `${file} ${args.join(" ")}: exit ${String(r.status ?? r.signal)}\n` +
        text.split("\n").slice(-20).join("\n"),
    );
}

/** Writes `blob` (a file) into the layout's blobs; returns its descriptor. */
function putBlob(
  layout: string,
  file: string,
  mediaType: string,
): {
  mediaType: string;
  digest: string;
  size: number;
} {
  const hex = fileSha(file);
  renameSync(file, join(layout, "blobs/sha256", hex));
  return {
    mediaType,
    digest: `sha256:${hex}`,
    size: statSync(join(layout, "blobs/sha256", hex)).size,
  };
}

function putJson(
  layout: string,
  doc: unknown,
  mediaType: string,
): {
  mediaType: string;
  digest: string;
  size: number;
} {
  const data = Buffer.from(JSON.stringify(doc));
  const hex = sha(data);
  writeFileSync(join(layout, "blobs/sha256", hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/** Builds the layout in `out` (an empty directory). */
function build(out: string): void {
  const log = join(out, "build.log");
  const tree = join(out, "tree");
  run(
    "debootstrap",
    ["--variant=minbase", `--include=${PACKAGES.join(",")}`, SUITE, tree, debianMirror()],
    log,
  );
  // What a slim image leaves out; device nodes are the sandbox's own (and refused in a layer).
  for (const d of [
    "var/cache/apt",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/locale",
    "dev",
    "proc",
    "sys",
    "run",
    "tmp",
  ])
    for (const e of readdirSync(join(tree, d))) rmSync(join(tree, d, e), { recursive: true });

  const layout = join(out, "oci");
  mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
  // Layer 1: the Debian tree (owners as numbers, hard links as links), zstd-compressed.
  const baseTar = join(out, "base.tar");
  run("tar", ["--numeric-owner", "--sort=name", "-C", tree, "-cf", baseTar, "."], log);
  const baseDiff = `sha256:${fileSha(baseTar)}`;
  run("zstd", ["-q", "-T0", "-3", "--rm", baseTar, "-o", `${baseTar}.zst`], log);
  const base = putBlob(layout, `${baseTar}.zst`, "application/vnd.oci.image.layer.v1.tar+zstd");
  rmSync(tree, { recursive: true });

  // Layer 2: the test's configuration of redis (in memory only, loopback, its port).
  const conf = join(out, "conf");
  mkdirSync(join(conf, "etc/redis"), { recursive: true });
  writeFileSync(
    join(conf, "etc/redis/secure-run-test.conf"),
    [
      `port ${DEBIAN_REDIS_PORT}`,
      "bind 127.0.0.1",
      "protected-mode yes",
      'save ""',
      "appendonly no",
      "daemonize no",
      "dir /tmp",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const confTar = join(out, "conf.tar");
  run(
    "tar",
    ["--numeric-owner", "--owner=0", "--group=0", "--sort=name", "-C", conf, "-cf", confTar, "."],
    log,
  );
  const confDiff = `sha256:${fileSha(confTar)}`;
  run("gzip", ["-n", confTar], log);
  const confLayer = putBlob(layout, `${confTar}.gz`, "application/vnd.oci.image.layer.v1.tar+gzip");
  rmSync(conf, { recursive: true });

  const config = putJson(
    layout,
    {
      architecture: process.arch === "x64" ? "amd64" : process.arch,
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: {
        Entrypoint: ["/usr/bin/redis-server"],
        Cmd: ["/etc/redis/secure-run-test.conf"],
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        User: "redis",
        WorkingDir: "/var/lib/redis",
        ExposedPorts: { [`${DEBIAN_REDIS_PORT}/tcp`]: {} },
      },
      rootfs: { type: "layers", diff_ids: [baseDiff, confDiff] },
    },
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = putJson(
    layout,
    {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [base, confLayer],
    },
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { ...manifest, annotations: { "org.opencontainers.image.ref.name": DEBIAN_TAG } },
      ],
    }),
  );
}

/** The cached image's OCI layout (oci:DIR:TAG is `oci:${dir}:${DEBIAN_TAG}`), built first when
 * missing; `built` says whether this call built it, `seconds` how long that took. */
export function debianImage(): { dir: string; built: boolean; seconds: number } {
  const cache = imageCache();
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  const key = sha(inputs().join("\n")).slice(0, 16);
  const final = join(cache, `debian-redis-${key}`);
  const layout = join(final, "oci");
  let built = false;
  const start = Date.now();
  if (!existsSync(join(layout, "index.json"))) {
    // What an interrupted build left (its process gone): removed.
    for (const e of readdirSync(cache)) {
      const pid = /^\.tmp-(\d+)-/.exec(e)?.[1];
      if (pid && !alive(Number(pid))) rmSync(join(cache, e), { recursive: true, force: true });
    }
    const tmp = join(cache, `.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    mkdirSync(tmp);
    try {
      build(tmp);
      writeFileSync(join(tmp, "inputs"), `${inputs().join("\n")}\n`);
      // Another run (another checkout) may have built the same meanwhile, and may be reading
      // it: the first one in stays.
      try {
        renameSync(tmp, final);
        built = true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(final, now, now);
  // Builds of other inputs (another version of this file, an older debootstrap) unused for a
  // day: another checkout's run may still use a recent one.
  for (const e of readdirSync(cache)) {
    const other = join(cache, e);
    if (/^debian-redis-[0-9a-f]{16}$/.test(e) && other !== final)
      if (Date.now() - statSync(other).mtimeMs > 24 * 3600 * 1000)
        rmSync(other, { recursive: true, force: true });
  }
  return { dir: layout, built, seconds: (Date.now() - start) / 1000 };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `secure-run export`: the command as the CLI runs it, its files, its output and its refusals
 * (exit 2). */
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import yaml from "js-yaml";
import { cliInProcess, root, tempDir } from "../helpers.js";

const tmp = tempDir("export-cli");
const hello = join(root, "examples/hello.yaml");

const run = cliInProcess;

describe("secure-run export", () => {
  after(() => {
    tmp.remove();
  });

  test("--format oci writes a bundle and says what differs", async () => {
    const dir = join(tmp.dir, "hello-oci");
    const r = await run(["export", hello, "--format", "oci", "-o", dir]);
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
      ociVersion: string;
    };
    assert.equal(config.ociVersion, "1.0.2");
    assert.ok(lstatSync(join(dir, "rootfs/bin")).isSymbolicLink());
    assert.match(
      readFileSync(join(dir, "NOTES.md"), "utf8"),
      /Landlock is not enforced by runc or crun/,
    );
    assert.match(r.stdout, /^Exported hello as oci to /m);
    assert.match(r.stdout, /^runc run -b .*hello-oci hello$/m);
    assert.match(r.stdout, /Landlock is not enforced/);
  });

  test("--format docker-seccomp writes the profile and prints docker and podman run", async () => {
    const file = join(tmp.dir, "hello.seccomp.json");
    const r = await run(["export", hello, "--format", "docker-seccomp", "-o", file]);
    assert.equal(r.status, 0, r.stderr);
    const profile = JSON.parse(readFileSync(file, "utf8")) as { defaultErrnoRet: number };
    assert.equal(profile.defaultErrnoRet, 38);
    assert.match(r.stdout, /^docker run --rm --name hello --hostname hello --user 65534:65534/m);
    for (const flag of [
      "--cap-drop ALL",
      `--security-opt seccomp=${file}`,
      "--security-opt no-new-privileges",
      "--read-only",
      "--tmpfs /tmp:rw,nosuid,nodev,noexec,size=67108864,mode=1777",
      "--volume /usr:/usr:ro",
      "--volume /usr/bin:/bin:ro",
      "--memory 67108864",
      "--memory-swap 67108864",
      "--pids-limit 32",
      "--network none",
      "--ulimit core=0:0",
    ])
      assert.ok(r.stdout.replace(/ \\\n\s+/g, " ").includes(flag), flag);
    assert.match(r.stdout, /^podman run /m);
    assert.match(r.stdout.replace(/ \\\n\s+/g, " "), /podman run .*--uidmap 0:\d+:65536/);
  });

  test("--format k8s --replicas 2 --arch x86_64,aarch64: a Deployment and a two-architecture profile", async () => {
    const dir = join(tmp.dir, "hello-k8s");
    const r = await run([
      "export",
      hello,
      "--format",
      "k8s",
      "-o",
      dir,
      "--replicas",
      "2",
      "--arch",
      "x86_64,aarch64",
    ]);
    assert.equal(r.status, 0, r.stderr);
    const docs = yaml.loadAll(readFileSync(join(dir, "hello.yaml"), "utf8")) as {
      kind: string;
      spec: { replicas?: number };
    }[];
    assert.deepEqual(
      docs.map((d) => d.kind),
      ["Deployment", "NetworkPolicy", "SeccompProfile"],
    );
    assert.equal(docs[0]?.spec.replicas, 2);
    const profile = JSON.parse(
      readFileSync(join(dir, "profiles/secure-run/hello.json"), "utf8"),
    ) as {
      architectures: string[];
    };
    assert.deepEqual(profile.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]);
  });

  test("--format systemd writes the unit", async () => {
    const file = join(tmp.dir, "units/hello.service");
    const r = await run(["export", hello, "--format", "systemd", "-o", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(file, "utf8"), /^SystemCallFilter=/m);
  });

  test("mistakes are refused with exit 2", async () => {
    assert.equal((await run(["export", hello, "--format", "lxc"])).status, 2);
    assert.equal((await run(["export", hello])).status, 2);
    const arch = await run(["export", hello, "--format", "oci", "--arch", "sparc"]);
    assert.equal(arch.status, 2);
    assert.match(arch.stderr, /unknown architecture "sparc"/);
    const replicas = await run(["export", hello, "--format", "k8s", "--replicas", "0"]);
    assert.equal(replicas.status, 2);
    const notK8s = await run([
      "export",
      hello,
      "--format",
      "oci",
      "--replicas",
      "2",
      "-o",
      join(tmp.dir, "x"),
    ]);
    assert.equal(notK8s.status, 2);
    assert.match(notK8s.stderr, /only the k8s format has replicas/);
    const full = join(tmp.dir, "full");
    mkdirSync(full);
    writeFileSync(join(full, "keep"), "");
    const notEmpty = await run(["export", hello, "--format", "oci", "-o", full]);
    assert.equal(notEmpty.status, 2);
    assert.match(notEmpty.stderr, /exists and is not empty/);
  });
});

/** secure-run seccomp compile|explain, as a user runs them. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, root, tempDir } from "../helpers.js";

const tmp = tempDir("seccomp-cli");
after(() => tmp.remove());
const hello = join(root, "examples/hello.yaml");
/** A Docker-style profile written for the tests (mount is allowed with CAP_SYS_ADMIN only). */
const dockerProfile = join(root, "test/fixtures/seccomp/docker-style.json");

test("compile: one BPF program per architecture, and what each leaves out", () => {
  const out = join(tmp.dir, "hello.bpf");
  const r = cli(["seccomp", "compile", hello, "--arch", "x86_64,aarch64", "-o", out]);
  assert.equal(r.status, 0, r.stderr);
  for (const arch of ["x86_64", "aarch64"]) {
    const size = readFileSync(`${out}.${arch}`).length;
    assert.ok(size > 0 && size % 8 === 0, arch);
  }
  assert.match(r.stdout, /^ {2}not on aarch64, left out: .*\bopen\b/m);
});

test("explain a BPF file: the architecture is read from it, each verdict is given", () => {
  const out = join(tmp.dir, "one.bpf");
  assert.equal(cli(["seccomp", "compile", hello, "--arch", "x86_64", "-o", out]).status, 0);
  const r = cli(["seccomp", "explain", out, "getpid", "mount", "clone3", "ioctl"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^x86_64 filter from .*one\.bpf: \d+ instructions$/m);
  assert.match(r.stdout, /^ 0000: ld {2}\[4\] +; arch$/m);
  assert.match(r.stdout, /^ {2}getpid +allow$/m);
  assert.match(r.stdout, /^ {2}mount +errno EPERM$/m);
  assert.match(r.stdout, /^ {2}clone3 +errno ENOSYS$/m);
  assert.match(r.stdout, /^ {2}ioctl \* +allow$/m);
  assert.match(r.stdout, /^a syscall through another ABI: kill_process$/m);
});

test("explain as JSON, for another architecture", () => {
  const r = cli(["seccomp", "explain", hello, "--arch", "aarch64", "--json", "getpid"]);
  const doc = JSON.parse(r.stdout) as {
    arch: string;
    verdicts: { name: string; nr: number; verdict: { action: string } }[];
  }[];
  assert.deepEqual(doc[0]?.verdicts, [
    {
      name: "getpid",
      nr: 172,
      verdict: { action: "allow", data: 0, raw: 0x7fff0000 },
      conditional: false,
    },
  ]);
});

test("a profile by name compiles", () => {
  const r = cli(["seccomp", "compile", "process", "-o", join(tmp.dir, "process.bpf")]);
  assert.equal(r.status, 0, r.stderr);
});

test("a Docker profile: its capability-dependent rules follow --caps", () => {
  const src = `docker:${dockerProfile}`;
  const plain = cli(["seccomp", "explain", src, "--no-disassembly", "mount", "getpid"]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^ {2}mount +errno EPERM$/m);
  const admin = cli([
    "seccomp",
    "explain",
    src,
    "--caps",
    "SYS_ADMIN",
    "--no-disassembly",
    "mount",
  ]);
  assert.match(admin.stdout, /^ {2}mount +allow$/m);
});

test("bad sources and architectures: exit 2 with a hint", () => {
  const r = cli(["seccomp", "compile", "nonesuch", "-o", join(tmp.dir, "x")]);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /not an app definition \(\.yaml\), a profile name or docker:FILE\n {2}hint: profiles: base, /,
  );
  assert.equal(
    cli(["seccomp", "compile", hello, "--arch", "sparc", "-o", join(tmp.dir, "x")]).status,
    2,
  );
});

/** SELinux and secure-run, one suite for every host: where SELinux enforces (the VM's selinux
 * lane) the app runs as container_t with the categories of its instance and its files get
 * container_file_t with the same; elsewhere doctor and plan say that labels are not enforced. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { DEFAULT_REGISTRY } from "../../src/launch/mcs.js";
import { paths } from "../../src/paths.cjs";
import type { Plan } from "../../src/plan/types.js";
import { spawnCli } from "../helpers.js";
import { appFixtures, said, type Backend } from "./fixtures.js";

export interface SelinuxBackend extends Backend {
  /** Whether SELinux enforces on this host. */
  enforcing: boolean;
}

interface DoctorJson {
  facts: { selinux: string };
  checks: { name: string; ok: boolean; detail: string }[];
}

const PROCESS = /^system_u:system_r:container_t:s0:(c\d+,c\d+)$/;

/** The SELinux label of a file, as this host sees it. */
function fileLabel(path: string): string {
  return execFileSync("stat", ["-c", "%C", path], { encoding: "utf8" }).trim();
}

/** "label CONTEXT" lines of fileprobe → the categories of a container_t context. */
function categoriesOf(stdout: string): string | undefined {
  const label = /^label (.*)$/m.exec(stdout)?.[1]?.replace(/\0/g, "");
  return label === undefined ? undefined : PROCESS.exec(label)?.[1];
}

export function selinuxSuite(backend: SelinuxBackend): void {
  const fx = appFixtures("selinux", backend);
  const slow = backend.timeoutMs ?? 60_000;
  const state = backend.enforcing ? "enforcing" : "not enforcing";
  /** A directory the app's user (nobody, an unprivileged id outside) may write in. */
  const volume = (name: string): string => {
    const dir = join(fx.dir, name);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    return dir;
  };

  describe(`SELinux ${state}`, () => {
    after(() => {
      fx.remove();
    });

    test(`doctor reports SELinux ${state}`, () => {
      const r = fx.run(["doctor", "--json"]);
      const report = JSON.parse(r.stdout) as DoctorJson;
      const check = report.checks.find((c) => c.name === "SELinux");
      assert.ok(check, r.stdout);
      assert.equal(check.ok, backend.enforcing, JSON.stringify(check));
      assert.equal(report.facts.selinux === "enforcing", backend.enforcing, report.facts.selinux);
    });

    test(`the plan's SELinux labels are ${backend.enforcing ? "" : "not "}enforced`, () => {
      const r = fx.run(["plan", "--json", fx.rootfsApp("planned", ["/bin/probe", "exit", "0"])]);
      assert.equal(r.status, 0, said(r));
      const plan = JSON.parse(r.stdout) as Plan;
      assert.equal(plan.selinux.enforced, backend.enforcing);
      assert.equal(plan.selinux.processType, "container_t");
      assert.equal(plan.selinux.fileType, "container_file_t");
      const part = plan.enforcement.find((e) => e.part === "selinux");
      assert.equal(part?.enforced, backend.enforcing, JSON.stringify(part));
      const notice = plan.notices.some((n) => /selinux/i.test(n));
      assert.equal(notice, !backend.enforcing, plan.notices.join("\n"));
    });

    test(`the audit reports SELinux as ${state}`, () => {
      const r = fx.run([
        "audit",
        "--format",
        "json",
        fx.rootfsApp("audited", ["/bin/probe", "exit", "0"]),
      ]);
      assert.equal(r.status, 0, said(r));
      const app = (
        JSON.parse(r.stdout) as {
          apps: {
            selinux: { enforced: boolean; statement: string };
            enforcement: { layer: string; enforced: boolean }[];
          }[];
        }
      ).apps[0];
      assert.ok(app, r.stdout.slice(0, 500));
      assert.equal(app.selinux.enforced, backend.enforcing, app.selinux.statement);
      assert.equal(/NOT enforced/.test(app.selinux.statement), !backend.enforcing);
      const layer = app.enforcement.find((e) => /selinux/i.test(e.layer));
      assert.equal(layer?.enforced, backend.enforcing, JSON.stringify(app.enforcement));
    });

    describe(
      "labels",
      { skip: backend.enforcing ? false : "SELinux does not enforce here" },
      () => {
        test("the app runs as container_t with its instance's categories; its rootfs, volume and tmpfs get container_file_t with the same", () => {
          const vol = volume("vol-labels");
          const rootfs = fx.newRootfs("rootfs-labels");
          const r = fx.run([
            "run",
            fx.rootfsApp(
              "labels",
              [
                "/bin/fileprobe",
                "label",
                "write",
                "/data/own",
                "mine",
                "read",
                "/data/own",
                "read",
                "/etc/passwd",
                "mount",
                "/tmp",
              ],
              `mounts:\n  - { source: ${vol}, target: /data, readOnly: false }\n`,
              rootfs,
            ),
          ]);
          assert.equal(r.status, 0, said(r));
          const pair = categoriesOf(r.stdout);
          assert.ok(pair, `the app's label: ${r.stdout}`);
          assert.match(r.stdout, /^read \/data\/own ok mine$/m);
          assert.match(r.stdout, /^read \/etc\/passwd ok root:/m);
          const file = `system_u:object_r:container_file_t:s0:${pair}`;
          assert.match(r.stdout, new RegExp(`^mount /tmp tmpfs .*context="?${file}"?`, "m"));
          // The rootfs's entries are what the app sees (its directory itself is not).
          for (const path of [
            join(rootfs, "bin"),
            join(rootfs, "bin/fileprobe"),
            join(rootfs, "etc/passwd"),
            vol,
            join(vol, "own"),
          ])
            assert.equal(fileLabel(path), file, path);
        });

        test("two instances running at once get different categories, and one cannot read the other's files", async (t) => {
          const volA = volume("vol-alpha");
          const volB = volume("vol-beta");
          writeFileSync(join(volB, "peer"), "");
          const rw = (vol: string): string =>
            `mounts:\n  - { source: ${vol}, target: /data, readOnly: false }\n`;
          const alphaFile = fx.rootfsApp(
            "alpha",
            [
              "/bin/fileprobe",
              "label",
              "write",
              "/data/secret",
              "alpha's",
              "waitfor",
              "/data/go",
              "read",
              "/data/secret",
            ],
            rw(volA),
            fx.newRootfs("rootfs-alpha"),
          );
          const alpha = spawnCli(["run", alphaFile], {
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, NO_COLOR: "1" },
          });
          let alphaOut = "";
          alpha.stdout?.on("data", (d: Buffer) => (alphaOut += d.toString()));
          alpha.stderr?.on("data", (d: Buffer) => (alphaOut += d.toString()));
          const alphaExit = new Promise<number | null>((r) => alpha.on("exit", r));
          let mounted = false;
          try {
            // Alpha has written its secret (or failed to).
            for (const end = Date.now() + slow; !/^write \/data\/secret /m.test(alphaOut);) {
              assert.ok(Date.now() < end && alpha.exitCode === null, `alpha: ${alphaOut}`);
              await new Promise((r) => setTimeout(r, 200));
            }
            assert.match(alphaOut, /^write \/data\/secret ok$/m, `alpha: ${alphaOut}`);
            // Alpha's secret, shown to beta in beta's own volume as a bind mount of the file
            // (beta's launcher does not relabel across mounts). A file, not alpha's directory:
            // the policy does not audit searches of mount-point directories, and the test wants
            // the kernel's record of the refusal.
            execFileSync("mount", ["--bind", join(volA, "secret"), join(volB, "peer")]);
            mounted = true;
            const beta = fx.run([
              "run",
              fx.rootfsApp(
                "beta",
                ["/bin/fileprobe", "label", "read", "/data/peer", "write", "/data/mine", "b"],
                rw(volB),
                fx.newRootfs("rootfs-beta"),
              ),
            ]);
            writeFileSync(join(volA, "go"), "");
            const timer = setTimeout(() => alpha.kill("SIGKILL"), 60_000);
            const alphaCode = await alphaExit;
            clearTimeout(timer);
            const a = categoriesOf(alphaOut);
            const b = categoriesOf(beta.stdout);
            assert.ok(a, `alpha's label: ${alphaOut}`);
            assert.ok(b, `beta's label: ${said(beta)}`);
            assert.notEqual(a, b, "the two instances have different categories");
            assert.equal(alphaCode, 0, alphaOut);
            assert.match(alphaOut, /^read \/data\/secret ok alpha's$/m);
            assert.match(beta.stdout, /^read \/data\/peer errno 13 \(EACCES\)$/m);
            assert.match(beta.stdout, /^write \/data\/mine ok$/m);
            // Beta's relabelling stopped at the mount of alpha's volume.
            for (const path of [volA, join(volA, "secret")])
              assert.equal(fileLabel(path), `system_u:object_r:container_file_t:s0:${a}`, path);
            // The kernel's record of the refusal.
            const avc = execFileSync("dmesg", { encoding: "utf8" })
              .split("\n")
              .filter(
                (l) =>
                  /avc: +denied/.test(l) &&
                  l.includes(`scontext=system_u:system_r:container_t:s0:${b} `) &&
                  l.includes(`tcontext=system_u:object_r:container_file_t:s0:${a} `),
              );
            assert.ok(avc.length > 0, "an AVC denial in the kernel log");
            t.diagnostic(avc[0]?.replace(/^\[[^\]]*\]\s*/, "") ?? "");
          } finally {
            if (mounted) execFileSync("umount", [join(volB, "peer")]);
            if (alpha.exitCode === null) {
              writeFileSync(join(volA, "go"), "");
              // A stuck alpha fails the test instead of hanging it.
              const timer = setTimeout(() => alpha.kill("SIGKILL"), 30_000);
              await alphaExit;
              clearTimeout(timer);
            }
          }
        });

        test("the instances of one app share their rootfs through a category of the app's, and each has a pair of its own", () => {
          const rootfs = fx.newRootfs("rootfs-twins");
          const r = fx.run([
            "run",
            fx.rootfsApp(
              "twins",
              ["/bin/fileprobe", "label", "sleep", "3000", "read", "/etc/group"],
              "instances: 2\n",
              rootfs,
            ),
          ]);
          const pairs = [
            ...r.stdout.matchAll(/^label system_u:system_r:container_t:s0:(c\d+),(c\d+)/gm),
          ].map((m) => [m[1], m[2]]);
          assert.equal(pairs.length, 2, said(r));
          const [p, q] = pairs as [string[], string[]];
          assert.notDeepEqual(p, q, "each instance has categories of its own");
          const common = p.filter((c) => q.includes(c));
          assert.equal(common.length, 1, `one category in common: ${p.join(",")} ${q.join(",")}`);
          assert.equal(
            (r.stdout.match(/^read \/etc\/group ok root:/gm) ?? []).length,
            2,
            `both instances read their rootfs: ${said(r)}`,
          );
          assert.equal(r.status, 0, said(r));
          assert.equal(
            fileLabel(join(rootfs, "etc/group")),
            `system_u:object_r:container_file_t:s0:${common[0]}`,
          );
        });

        test("every launch of a compiled bundle gets categories of its own from the registry", () => {
          const bundle = join(fx.dir, "compiled.bundle");
          const c = fx.run([
            "compile",
            fx.rootfsApp(
              "compiled",
              ["/bin/fileprobe", "label", "read", "/etc/group"],
              "",
              fx.newRootfs("rootfs-compiled"),
            ),
            "-o",
            bundle,
          ]);
          assert.equal(c.status, 0, said(c));
          const pairs = [1, 2].map(() => {
            const r = spawnSync(paths.launcher, ["--bundle", bundle], {
              encoding: "utf8",
              timeout: slow,
            });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.match(r.stdout, /^read \/etc\/group ok root:/m);
            const pair = categoriesOf(r.stdout);
            assert.ok(pair, r.stdout);
            return pair;
          });
          assert.equal(pairs.length, 2);
          const left = existsSync(DEFAULT_REGISTRY) ? readdirSync(DEFAULT_REGISTRY) : [];
          assert.deepEqual(left, [], "the launcher gave its categories back");
        });

        test("the categories are given back when the apps end", () => {
          const left = existsSync(DEFAULT_REGISTRY) ? readdirSync(DEFAULT_REGISTRY) : [];
          assert.deepEqual(left, []);
        });
      },
    );
  });
}

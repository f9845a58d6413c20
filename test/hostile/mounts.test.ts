/** Issue 14: the new root is built safely against a hostile image and a racing host.
 * - mount propagation: bind sources on a shared mount (the rootfs, a volume) are private in the
 *   sandbox: nothing it mounts shows up on the host, a read-only bind stays read-only;
 * - symlink races on bind sources: a rootfs entry swapped between a directory and a link to `/`
 *   never gives the app the host's root; a source that is (or passes through) a symbolic or magic
 *   link is refused; a source of the wrong type is refused;
 * - mount targets: a link of the image at a mount target (tmpfs, bind, proc, dev, mask,
 *   read-only path, symlink, an image's own /proc, /dev, /tmp) never creates or mounts anything on
 *   the host.
 * Every launch scenario runs with and without a user namespace and ends with assertNothingLeft.
 * SECURE_RUN_TEST_LAUNCHER=/path/to/an/older/launcher runs the direct launches against it. */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, root, rootless, rootOnly, tempDir } from "../helpers.js";
import { buildProgram } from "../shared/fixtures.js";
import { assertNothingLeft, launch, skipUnlessRoot, snapshot, variants } from "./common.js";

const RACE_LAUNCHES = 25;
const RACE_RUNS = 8;

describe("hostile images and hosts: mounts", { skip: skipUnlessRoot }, () => {
  let tmp: ReturnType<typeof tempDir>;
  /** A tmpfs made shared, as systemd makes `/`: what is on it has a peer group. */
  let shared: string;
  let swap: string;
  let probe: string;

  /** A directory with bin/fileprobe (static), etc/passwd and etc/group. */
  const image = (dir: string): string => {
    mkdirSync(join(dir, "bin"), { recursive: true });
    mkdirSync(join(dir, "etc"), { recursive: true });
    execFileSync("cp", [probe, join(dir, "bin/fileprobe")]);
    writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
    writeFileSync(join(dir, "etc/group"), "root:x:0:\n");
    return dir;
  };

  before(() => {
    tmp = tempDir("hostile-mounts");
    chmodSync(tmp.dir, 0o755);
    probe = join(tmp.dir, "fileprobe");
    buildProgram("fileprobe", probe, "static");
    swap = join(tmp.dir, "swap");
    execFileSync("cc", ["-O2", "-Wall", "-o", swap, join(root, "test/hostile/swap.c")]);
    shared = join(tmp.dir, "shared");
    mkdirSync(shared);
    // Rootless, `shared` is a plain directory: only root can make a shared mount on the host.
    if (!rootless) {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", shared]);
      execFileSync("mount", ["--make-shared", shared]);
    }
  });

  after(() => {
    // Recursively: with the defect, the sandbox's mounts propagated below it.
    if (!rootless) execFileSync("umount", ["-R", shared]);
    tmp.remove();
  });

  // Rootless: the scenario needs a shared mount the test user cannot make; and a mount
  // namespace a user creates receives the host's shared mounts as slaves (mount_namespaces(7)),
  // so nothing it mounts propagates back.
  describe("mount propagation", { skip: rootOnly("a shared tmpfs on the host") }, () => {
    let rootfs: string;
    let vol: string;
    let roSrc: string;
    before(() => {
      rootfs = image(join(shared, "rootfs"));
      mkdirSync(join(rootfs, "opt/scratch"), { recursive: true });
      vol = join(shared, "vol");
      mkdirSync(join(vol, "ro"), { recursive: true });
      mkdirSync(join(vol, "tmp"));
      roSrc = join(shared, "ro-src");
      mkdirSync(roSrc);
      writeFileSync(join(roSrc, "kept"), "read-only\n");
    });

    for (const v of variants) {
      it(`binds from a shared mount stay in the sandbox (${v.name})`, () => {
        const before = snapshot([shared, vol, join(vol, "ro"), roSrc]);
        const args = [
          ...v.args,
          "--ro-bind",
          join(rootfs, "bin"),
          "/bin",
          "--ro-bind",
          join(rootfs, "opt"),
          "/opt",
          "--tmpfs",
          "/opt/scratch",
          "65536",
          "755",
          "--bind",
          vol,
          "/vol",
          "--ro-bind",
          roSrc,
          "/vol/ro",
          "--tmpfs",
          "/vol/tmp",
          "65536",
          "755",
          "--",
          "/bin/fileprobe",
          "write",
          "/vol/ro/kept",
          "changed",
          "write",
          "/opt/scratch/x",
          "ok",
        ];
        for (const run of ["first", "second"]) {
          const r = launch(args);
          assert.match(
            r.stdout,
            /^write \/vol\/ro\/kept errno 30 \(EROFS\)$/m,
            `${run} run: ${r.stdout}${r.stderr}`,
          );
          assert.match(
            r.stdout,
            /^write \/opt\/scratch\/x ok$/m,
            `${run} run: ${r.stdout}${r.stderr}`,
          );
          assertNothingLeft(before, `${run} run`);
        }
      });
    }
  });

  describe("bind sources", () => {
    let dir: string;
    before(() => {
      dir = join(tmp.dir, "sources");
      image(join(dir, "img"));
      mkdirSync(join(dir, "real/sub"), { recursive: true });
      symlinkSync(join(dir, "real"), join(dir, "link"));
      writeFileSync(join(dir, "file"), "a file\n");
    });

    const refused: [string, () => string][] = [
      ["a symbolic link", () => join(dir, "link")],
      ["a path through a symbolic link", () => join(dir, "link/sub")],
      ["a magic link of the launcher (/proc/self/root)", () => "/proc/self/root/etc"],
      ["a magic link of init (/proc/1/root)", () => "/proc/1/root/etc"],
      ["a magic fd link (/proc/self/cwd)", () => "/proc/self/cwd"],
    ];
    for (const v of variants) {
      for (const [what, source] of refused) {
        it(`refuses ${what} as a bind source (${v.name})`, () => {
          const before = snapshot([dir]);
          const r = launch([
            ...v.args,
            "--ro-bind",
            join(dir, "img/bin"),
            "/bin",
            "--ro-bind",
            source(),
            "/data",
            "--",
            "/bin/fileprobe",
            "read",
            "/data/passwd",
          ]);
          assert.equal(r.status, 125, `${r.stdout}${r.stderr}`);
          assert.match(r.stderr, /symbolic link in its path/);
          assertNothingLeft(before, what);
        });
      }
      it(`refuses a source of the wrong type (${v.name})`, () => {
        const before = snapshot([dir]);
        const common = [...v.args, "--ro-bind", join(dir, "img/bin"), "/bin"];
        const bindAs = (source: string, type: string, ...command: string[]) =>
          launch([
            ...common,
            "--ro-bind",
            source,
            "/data",
            "--source-type",
            type,
            "--",
            ...command,
          ]);
        let r = bindAs(join(dir, "file"), "dir", "/bin/fileprobe");
        assert.equal(r.status, 125, `${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /is a file, the plan expects a directory/);
        r = bindAs(join(dir, "real"), "file", "/bin/fileprobe");
        assert.equal(r.status, 125, `${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /is a directory, the plan expects a file/);
        r = bindAs(join(dir, "real"), "dir", "/bin/fileprobe", "read", "/data");
        assert.match(r.stdout, /^read \/data errno 21 \(EISDIR\)$/m, `${r.stdout}${r.stderr}`);
        assertNothingLeft(before, "wrong type");
      });
    }
  });

  describe("a host process swaps a rootfs entry between a directory and a link to /", () => {
    let racer: ChildProcess | undefined;
    const startRacer = (a: string, b: string): void => {
      racer = spawn(swap, [a, b, "60"], { stdio: "ignore" });
    };
    const stopRacer = async (): Promise<void> => {
      const r = racer;
      racer = undefined;
      if (!r || r.exitCode !== null || r.pid === undefined) return;
      const gone = new Promise((resolve) => r.once("exit", resolve));
      process.kill(r.pid, "SIGKILL");
      await gone;
    };
    after(stopRacer);

    /** The race's rootfs: `data` a directory of its own, `alt` a link to the host's `/`. */
    const raceRoot = (name: string): string => {
      const dir = image(join(tmp.dir, name));
      mkdirSync(join(dir, "data"));
      writeFileSync(join(dir, "data/inside"), "the rootfs's own\n");
      symlinkSync("/", join(dir, "alt"));
      return dir;
    };
    /** The app reads the host's passwd and shadow through /data if /data is the host's root
     * (when the plan saw a link, /data is a link to the app's own root: its passwd is the image's). */
    const hostPasswd = readFileSync("/etc/passwd", "utf8").split("\n")[0] ?? "";
    const readsHost = (stdout: string): boolean =>
      stdout.includes(`read /data/etc/passwd ok ${hostPasswd}`) ||
      stdout.includes("read /data/etc/shadow ok");

    for (const v of variants) {
      it(`launcher: the app never sees the host's root (${v.name})`, async () => {
        const dir = raceRoot(`race-${v.name.replace(/\W+/g, "-")}`);
        const before = snapshot([dir, join(dir, "data")], swap);
        startRacer(join(dir, "data"), join(dir, "alt"));
        let breached = 0;
        let ran = 0;
        try {
          for (let i = 0; i < RACE_LAUNCHES; i++) {
            const r = launch([
              ...v.args,
              "--ro-bind",
              join(dir, "bin"),
              "/bin",
              "--ro-bind",
              join(dir, "data"),
              "/data",
              "--",
              "/bin/fileprobe",
              "read",
              "/data/etc/passwd",
              "read",
              "/data/etc/shadow",
            ]);
            if (readsHost(r.stdout)) breached++;
            if (r.status !== 125) ran++;
            else assert.match(r.stderr, /symbolic link in its path/);
          }
        } finally {
          await stopRacer();
        }
        assert.equal(breached, 0, `${breached} of ${RACE_LAUNCHES} launches bound the host's root`);
        assert.ok(ran > 0, "no launch got past the racer: the race proved nothing");
        // The racer may have stopped with either name on the directory.
        before.listings.delete(join(dir, "data"));
        assertNothingLeft(before, "race");
      });
    }

    it("secure-run run with a rootfs app: the app never sees the host's root", async () => {
      const dir = raceRoot("race-run");
      const app = tmp.write(
        "race.yaml",
        `apiVersion: secure-run/v1\nkind: App\nname: hostile-race\ncommand: ["/bin/fileprobe", "read", "/data/etc/passwd", "read", "/data/etc/shadow"]\nuser: root\nroot: { rootfs: ${dir} }\n`,
      );
      const before = snapshot([dir], swap);
      startRacer(join(dir, "data"), join(dir, "alt"));
      let breached = 0;
      const said: string[] = [];
      try {
        for (let i = 0; i < RACE_RUNS; i++) {
          const r = cli(["run", app], { timeout: 30_000 });
          said.push(`exit ${r.status}: ${r.stdout}${r.stderr}`.trim());
          if (readsHost(r.stdout)) breached++;
        }
      } finally {
        await stopRacer();
      }
      assert.equal(
        breached,
        0,
        `${breached} of ${RACE_RUNS} runs bound the host's root:\n${said.join("\n")}`,
      );
      assertNothingLeft(before, "race through secure-run run");
    });
  });

  describe("links of the image at mount targets", () => {
    /** The host directory the image's links point to: on the shared tmpfs, so that a mount made
     * there would also show in the host's mount table. */
    let host: string;
    let img: string;
    before(() => {
      host = join(shared, "host");
      mkdirSync(join(host, "secretdir"), { recursive: true });
      writeFileSync(join(host, "secret"), "host secret\n");
      img = image(join(tmp.dir, "img"));
      mkdirSync(join(img, "var"));
      // Absolute, as resolved by path during the build (the host is at /oldroot), and relative.
      symlinkSync(`/oldroot${host}`, join(img, "var/abs"));
      symlinkSync(`../../oldroot${host}`, join(img, "var/rel"));
      symlinkSync(`/oldroot${host}/secret`, join(img, "var/file"));
      // An image to bind at / whose /proc, /dev and /tmp lead to the host.
      const whole = image(join(tmp.dir, "whole"));
      symlinkSync(`/oldroot${host}`, join(whole, "proc"));
      symlinkSync(`../oldroot${host}`, join(whole, "dev"));
      symlinkSync("..", join(whole, "tmp"));
      symlinkSync(`/oldroot${host}`, join(whole, "run"));
    });

    const targets: [string, (l: string) => string[]][] = [
      ["a tmpfs", (l) => ["--tmpfs", `/var/${l}/t-${l}`, "65536", "755"]],
      ["a bind", (l) => ["--ro-bind", join(img, "etc"), `/var/${l}/b-${l}`]],
      ["a file bind", (l) => ["--ro-bind", join(img, "etc/passwd"), `/var/${l}/f-${l}`]],
      ["proc", (l) => ["--proc", `/var/${l}/p-${l}`]],
      ["dev", (l) => ["--dev", `/var/${l}/d-${l}`]],
      ["a symlink", (l) => ["--symlink", "/", `/var/${l}/s-${l}`]],
      ["a masked directory", (l) => ["--mask", `/var/${l}/secretdir`]],
      ["a masked file", (l) => ["--mask", `/var/${l}/secret`]],
      ["a read-only path", (l) => ["--read-only", `/var/${l}/secretdir`]],
    ];
    for (const v of variants) {
      for (const link of ["abs", "rel"]) {
        for (const [what, extra] of targets) {
          it(`${what} below an image link to the host (${link}, ${v.name})`, () => {
            const before = snapshot([host, join(host, "secretdir")]);
            const r = launch([
              ...v.args,
              "--ro-bind",
              join(img, "bin"),
              "/bin",
              "--ro-bind",
              join(img, "var"),
              "/var",
              ...extra(link),
              "--",
              "/bin/fileprobe",
              "read",
              `/var/${link}/secret`,
            ]);
            assert.ok([0, 1, 125].includes(r.status ?? -1), `${r.stdout}${r.stderr}`);
            assert.doesNotMatch(r.stdout, /host secret/);
            assertNothingLeft(before, what);
          });
        }
      }
      it(`a file bind onto an image link to a host file (${v.name})`, () => {
        const before = snapshot([host]);
        const r = launch([
          ...v.args,
          "--ro-bind",
          join(img, "bin"),
          "/bin",
          "--ro-bind",
          join(img, "var"),
          "/var",
          "--ro-bind",
          join(img, "etc/passwd"),
          "/var/file",
          "--",
          "/bin/fileprobe",
          "read",
          "/var/file",
        ]);
        assert.doesNotMatch(r.stdout, /host secret/);
        assertNothingLeft(before, "file bind on a link");
      });
      it(`an image whose /proc, /dev, /tmp and /run lead to the host (${v.name})`, () => {
        const before = snapshot([host, join(host, "secretdir")]);
        const r = launch([
          ...v.args,
          "--ro-bind",
          join(tmp.dir, "whole"),
          "/",
          "--tmpfs",
          "/run/x",
          "65536",
          "755",
          "--proc",
          "/proc",
          "--dev",
          "/dev",
          "--tmpfs",
          "/tmp/x",
          "65536",
          "755",
          "--mask",
          "/proc/secretdir",
          "--read-only",
          "/dev/secretdir",
          "--",
          "/bin/fileprobe",
          "read",
          "/proc/secret",
          "read",
          "/dev/secret",
        ]);
        assert.ok([0, 1, 125].includes(r.status ?? -1), `${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stdout, /host secret/);
        assertNothingLeft(before, "hostile /proc, /dev, /tmp");
      });
    }
  });
});

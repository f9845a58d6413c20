/** An image an instance uses is not removed (src/instances/image-use.ts): `rmi` refuses it with
 * exit 1 while a detached instance (`run -d`) runs from it, and still once it is stopped (it
 * could be started again); only removing the instance frees it. `image prune --all` keeps it and
 * says so. A name of it can still be taken off, and an image no instance uses is removed.
 * What a running launch holds (a foreground run's layers or flattened root: src/images/hold.ts)
 * is not removed either, and a launch during a removal fails, saying so. */
import assert from "node:assert/strict";
import { closeSync, constants, existsSync, openSync, readdirSync, readlinkSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execAddon } from "../../src/native/exec.cjs";
import { packageRoot } from "../../src/paths.cjs";
import {
  canLaunch,
  cli,
  rootlessBestEffort,
  spawnCli,
  tempDir,
  type CliResult,
} from "../helpers.js";
import { testImage, writeOci } from "./build.js";

const tmp = tempDir("image-in-use");
const state = join(tmp.dir, "state");
const env = { SECURE_RUN_STATE_DIR: state, SECURE_RUN_BUNDLE_CACHE: join(tmp.dir, "bundles") };
const sr = (args: string[]): CliResult => cli(args, { env, timeout: 120_000 });

interface ImageJson {
  id: string;
  names: string[];
}
const images = (): ImageJson[] => JSON.parse(sr(["images", "--json"]).stdout) as ImageJson[];
// After both suites: the second makes its image in the directory too.
after(() => tmp.remove());

describe(
  "an image an instance uses",
  { skip: canLaunch ? false : "real launches run as root (or as the test user)" },
  () => {
    let used = "";
    before(async () => {
      const def = testImage();
      await writeOci(join(tmp.dir, "used"), def, "used");
      // Another image (another config, the same layers) that no instance uses.
      await writeOci(
        join(tmp.dir, "free"),
        { ...def, config: { ...def.config, Cmd: ["echo free"] } },
        "free",
      );
      for (const [dir, tag] of [
        ["used", "used"],
        ["free", "free"],
      ] as const) {
        const r = sr(["load", `oci:${join(tmp.dir, dir)}:${tag}`]);
        assert.equal(r.status, 0, r.stderr);
      }
      assert.equal(sr(["load", "--tag", "alias", `oci:${join(tmp.dir, "used")}:used`]).status, 0);
      used = images().find((i) => i.names.includes("used"))?.id ?? "";
      assert.match(used, /^sha256:[0-9a-f]{64}$/);
    });
    after(() => {
      const ids = sr(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
      if (ids.length) sr(["rm", "-f", ...ids]);
    });

    test("rmi refuses it while a detached instance runs from it, and after it stopped", () => {
      const file = tmp.write(
        "sleeper.yaml",
        `apiVersion: secure-run/v1\nkind: App\nname: sleeper\nroot: { image: used }\n` +
          `command: [/bin/busybox, sleep, "300"]\nsyscalls: { profiles: [process] }\n` +
          rootlessBestEffort,
      );
      const d = sr(["run", "-d", "--name", "sleeper", file]);
      assert.equal(d.status, 0, d.stderr);
      const short = used.slice(7, 19);

      // A name of it can be taken off (the image stays, under its other name).
      const untag = sr(["rmi", "alias"]);
      assert.equal(untag.status, 0, untag.stderr);
      assert.equal(untag.stdout, "Untagged alias\n");
      const running = sr(["rmi", "used"]);
      assert.equal(running.status, 1, running.stderr);
      assert.match(
        running.stderr,
        new RegExp(
          `(^|\\n)secure-run: image used \\(${short}\\) is being used by instance sleeper \\([0-9a-f]{12}, running\\); stop it and remove it first\\n  hint: secure-run rm -f sleeper `,
        ),
      );
      assert.ok(
        images().some((i) => i.id === used),
        "the image is still there",
      );

      // By id too: the same refusal.
      assert.equal(sr(["rmi", used]).status, 1);
      // An image no instance uses is removed, in the same command as a refused one: nothing is.
      assert.equal(sr(["rmi", "free", "used"]).status, 1);
      assert.ok(
        images().some((i) => i.names.includes("free")),
        "nothing was removed",
      );
      const free = sr(["rmi", "free"]);
      assert.equal(free.status, 0, free.stderr);
      assert.match(free.stdout, /^Deleted sha256:/);

      // prune --all keeps it, and says so.
      const prune = sr(["image", "prune", "--all"]);
      assert.equal(prune.status, 0, prune.stderr);
      assert.equal(
        prune.stdout,
        `Kept ${used} (an instance uses it)\n0 images and 0 layers removed\n`,
      );
      const json = JSON.parse(sr(["image", "prune", "--all", "--json"]).stdout) as {
        inUse: string[];
      };
      assert.deepEqual(json.inUse, [used]);
      assert.ok(existsSync(join(state, "images/images", `${used.slice(7)}.json`)), "it is there");
      assert.ok(readdirSync(join(state, "images/layers")).length > 0, "its layers are there");

      // Stopped, it could start again: still refused, and the hint is rm.
      assert.equal(sr(["stop", "-t", "1", "sleeper"]).status, 0);
      const stopped = sr(["rmi", "used"]);
      assert.equal(stopped.status, 1);
      assert.match(
        stopped.stderr,
        /is being used by instance sleeper \([0-9a-f]{12}, (exited|stopped)[^)]*\)\)?; remove it first\n {2}hint: secure-run rm sleeper /,
      );
      // The instance starts again from it.
      assert.equal(sr(["start", "sleeper"]).status, 0);
      assert.equal(sr(["rm", "-f", "sleeper"]).status, 0);

      // No instance left: the image goes, with its layers.
      const gone = sr(["rmi", "used"]);
      assert.equal(gone.status, 0, gone.stderr);
      assert.equal(gone.stdout, `Deleted ${used}\n`);
      for (const d of ["roots", "images", "layers"])
        assert.deepEqual(readdirSync(join(state, "images", d)), [], d);
    });
  },
);

describe(
  "an image a running launch holds",
  { skip: canLaunch ? false : "real launches run as root (or as the test user)" },
  () => {
    let id = "";
    before(async () => {
      await writeOci(join(tmp.dir, "held"), testImage(), "held");
      const r = sr(["load", `oci:${join(tmp.dir, "held")}:held`]);
      assert.equal(r.status, 0, r.stderr);
      id = images().find((i) => i.names.includes("held"))?.id ?? "";
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
    });
    const file = (script: string): string =>
      tmp.write(
        "holder.yaml",
        `apiVersion: secure-run/v1\nkind: App\nname: holder\nroot: { image: held }\n` +
          `command: [/bin/busybox, sh, -c, ${JSON.stringify(script)}]\n` +
          `syscalls: { profiles: [process] }\n${rootlessBestEffort}`,
      );
    /** The store's directories the image's launch runs on, as its plan names them. */
    const storeDirs = (extra: Record<string, string>): string[] => {
      const r = cli(["plan", "--json", file("true")], { env: { ...env, ...extra } });
      assert.equal(r.status, 0, r.stderr);
      const fs = (
        JSON.parse(r.stdout) as {
          filesystem: { imageLayers?: { layers: string[] }; imageRoot?: { path: string } };
        }
      ).filesystem;
      const dirs = fs.imageLayers?.layers ?? (fs.imageRoot ? [fs.imageRoot.path] : []);
      assert.ok(dirs.length > 0, "the plan names the store's directories");
      return dirs;
    };

    for (const mode of ["overlay", "bind"] as const) {
      const extra = { SECURE_RUN_IMAGE_ROOT: mode === "bind" ? "bind" : "" };

      test(`${mode}: rmi refuses it while a foreground run runs from it, prune keeps it; once the run ends it goes`, async () => {
        const dirs = storeDirs(extra);
        const run = spawnCli(["run", file("echo up; exec /bin/busybox sleep 300")], {
          env: { ...process.env, ...env, ...extra },
        });
        let out = "";
        run.stdout?.on("data", (d: Buffer) => (out += d.toString()));
        const ended = once(run, "exit");
        try {
          const deadline = Date.now() + 30_000;
          while (!out.includes("up") && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 20));
          assert.equal(out, "up\n");

          const rmi = sr(["rmi", "held"]);
          assert.equal(rmi.status, 1, rmi.stderr);
          const m = new RegExp(
            `(^|\\n)secure-run: image held \\(${id.slice(7, 19)}\\) is being used by a running launch \\(process (\\d+)\\); it was left as it is\\n`,
          ).exec(rmi.stderr);
          assert.ok(m, rmi.stderr);
          // The holder named is the launcher that runs the app.
          assert.equal(
            readlinkSync(`/proc/${m[2]}/exe`),
            join(packageRoot, "build/Release/secure-run-launch"),
          );
          assert.ok(
            images().some((i) => i.id === id),
            "the image is still there",
          );
          for (const d of dirs) assert.ok(existsSync(d), `${d} is still there`);

          const prune = sr(["image", "prune", "--all"]);
          assert.equal(prune.status, 0, prune.stderr);
          assert.match(
            prune.stdout,
            new RegExp(`^Kept ${id} \\(a running launch uses it\\)$`, "m"),
          );
          for (const d of dirs) assert.ok(existsSync(d), `${d} is still there after prune`);
        } finally {
          run.kill("SIGTERM");
          await ended;
        }
        // Ended, it holds nothing: the image goes (and its flattened root with it).
        const gone = sr(["rmi", "held"]);
        assert.equal(gone.status, 0, gone.stderr);
        for (const d of dirs) assert.equal(existsSync(d), false, `${d} removed`);
        const again = sr(["load", `oci:${join(tmp.dir, "held")}:held`]);
        assert.equal(again.status, 0, again.stderr);
      });

      test(`${mode}: a launch while the image is being removed fails, saying so, and runs nothing`, () => {
        const dirs = storeDirs(extra);
        const addon = execAddon();
        assert.ok(addon, "the exec addon is built");
        // What rmi holds while it removes a directory: its exclusive lock (src/images/hold.ts).
        const fd = openSync(dirs[0] ?? "", constants.O_RDONLY | constants.O_DIRECTORY);
        try {
          assert.equal(addon.flock(fd, true, false), true);
          const r = cli(["run", file("echo ran")], { env: { ...env, ...extra } });
          assert.equal(r.status, 125, r.stderr);
          assert.equal(r.stdout, "", "the app did not run");
          assert.match(
            r.stderr,
            /is being removed \(secure-run rmi or image prune\): load the image again once that is done/,
          );
        } finally {
          closeSync(fd);
        }
        const r = cli(["run", file("echo ran")], { env: { ...env, ...extra } });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "ran\n", "released, it launches");
      });
    }
  },
);

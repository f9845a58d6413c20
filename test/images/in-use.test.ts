/** An image an instance uses is not removed (src/instances/image-use.ts): `rmi` refuses it with
 * exit 1 while a detached instance (`run -d`) runs from it, and still once it is stopped (it
 * could be started again); only removing the instance frees it. `image prune --all` keeps it and
 * says so. A name of it can still be taken off, and an image no instance uses is removed. */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { canLaunch, cli, rootlessBestEffort, tempDir, type CliResult } from "../helpers.js";
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
      tmp.remove();
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

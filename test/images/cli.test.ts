/** Images through the CLI, for real: `load`, `images`, an image app planned (its fields "from the
 * image"), run from an OCI layout and from a docker archive (its output checked), with a
 * writable layer, `exec --image`, a hostile archive refused with exit 2, `rmi` and `image
 * prune`. The store is a temporary one (SECURE_RUN_STATE_DIR). */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { canLaunch, cli, tempDir } from "../helpers.js";
import { testImage, writeDockerArchive, writeOci } from "./build.js";

const tmp = tempDir("image-cli");
const env = {
  SECURE_RUN_STATE_DIR: join(tmp.dir, "state"),
  SECURE_RUN_BUNDLE_CACHE: join(tmp.dir, "cache"),
  SECURE_RUN_CACHE_DEBUG: "1",
};
const run = (args: string[]): ReturnType<typeof cli> => cli(args, { env, timeout: 120_000 });
/** Runs the CLI with `args`, which must succeed and print exactly `stdout`. */
function prints(args: string[], stdout: string): void {
  const r = run(args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, stdout);
}
const skipLaunch = canLaunch ? false : "real launches run as root (or as the test user)";

function app(name: string, body: string): string {
  return tmp.write(`${name}.yaml`, `apiVersion: secure-run/v1\nkind: App\nname: ${name}\n${body}`);
}

describe("images through the CLI", () => {
  before(async () => {
    await writeOci(join(tmp.dir, "oci"), testImage(), "v1");
    await writeDockerArchive(join(tmp.dir, "busybox.tar"), testImage(), "test/busybox:1");
    await writeDockerArchive(join(tmp.dir, "evil.tar"), {
      layers: [{ entries: [{ name: "../../evil", mode: 0o644, body: "x" }] }],
    });
  });
  after(() => tmp.remove());

  test("load: an OCI layout, then the same image from a docker archive (nothing unpacked again)", () => {
    const a = run(["load", "--json", `oci:${join(tmp.dir, "oci")}:v1`]);
    assert.equal(a.status, 0, a.stderr);
    const loaded = JSON.parse(a.stdout) as { id: string; names: string[]; layersUnpacked: number };
    assert.deepEqual(loaded.names, ["v1"]);
    assert.equal(loaded.layersUnpacked, 2);
    const b = run(["load", join(tmp.dir, "busybox.tar")]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(
      b.stdout,
      /^Already loaded v1, test\/busybox:1: sha256:[0-9a-f]{64} \(2 layers, 0 unpacked/,
    );
    const list = run(["images"]);
    assert.match(list.stdout, /^NAME +IMAGE ID +LAYERS +SIZE/);
    assert.match(list.stdout, /\ntest\/busybox:1 +[0-9a-f]{12} +2 +\d/);
    const json = JSON.parse(run(["images", "--json"]).stdout) as { id: string }[];
    assert.equal(json.length, 1);
    assert.equal(json[0]?.id, loaded.id);
  });

  test("plan: the image's config fills what the app leaves out, and says so; the app wins", () => {
    const file = app("img-plan", `root: { image: oci:./oci:v1 }\nworkdir: /srv\n`);
    const r = run(["plan", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\n {2}image +oci:\/.*\/oci:v1 \(sha256:[0-9a-f]{64}\)/);
    assert.match(r.stdout, /\n {2}command +\/bin\/sh -c 'echo .*' \(from the image\)/);
    assert.match(r.stdout, /\n {2}user +uid 1000, gid 1000 \(user from the image\)/);
    assert.match(r.stdout, /\n {2}workdir +\/srv\n/, "the app's workdir wins");
    assert.match(r.stdout, /\n {2}listen +8080\/tcp \(network\.listen\[0\] from the image\)/);
    const plan = JSON.parse(run(["plan", "--json", file]).stdout) as {
      image: { fields: string[] };
      process: { env: string[] };
    };
    assert.deepEqual(plan.image.fields, ["command", "env", "network.listen", "user"]);
    assert.ok(plan.process.env.includes("GREETING=hi"));
  });

  test("audit, review and export --format k8s read an image app", () => {
    const file = app(
      "img-export",
      `root: { image: v1 }\nresources: { memory: 64Mi, cpu: 0.5, pids: 16 }\n`,
    );
    const a = run(["audit", file]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /ports +listen 8080\/tcp; connect none/);
    const r = run(["review", file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = join(tmp.dir, "k8s");
    const e = run(["export", "--format", "k8s", "-o", out, file]);
    assert.equal(e.status, 0, e.stderr);
    assert.match(readFileSync(join(out, "img-export.yaml"), "utf8"), /\n +image: v1\n/);
    assert.match(
      readFileSync(join(out, "NOTES.md"), "utf8"),
      /image: v1 as loaded in secure-run's store \(sha256:[0-9a-f]{64}\); push .*skopeo copy docker-archive:FILE docker:\/\/REGISTRY\/v1/,
    );
  });

  test("an image not in the store is an error at root.image, with the fix", () => {
    const file = app("img-missing", `root: { image: no-such-image }\n`);
    const r = run(["plan", file]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /img-missing\.yaml:4:\d+: root\.image: image "no-such-image": No such image: no-such-image/,
    );
    assert.match(r.stderr, /hint: load it first: secure-run load/);
  });

  test(
    "run: an app from a docker archive prints what the image's command says",
    { skip: skipLaunch },
    () => {
      const file = app(
        "img-run",
        `root: { image: docker-archive:./busybox.tar }\nsyscalls: { profiles: [process] }\n`,
      );
      prints(["run", file], "hi from /home/app as 1000\nhello from the image\n");
    },
  );

  test(
    "run: the root is the layers applied in order, read-only; a writable layer takes writes",
    { skip: skipLaunch },
    () => {
      const script =
        "ls /srv/opaque; test -e /etc/gone.txt || echo gone; test -e /srv/removed || echo removed; " +
        "readlink /usr/bin/hello; cat /usr/bin/hello >/dev/null && echo chain; " +
        "[ $(stat -c %i /etc/motd) = $(stat -c %i /etc/motd-link) ] && echo hard-link; touch /etc/x 2>/dev/null || echo read-only";
      const ro = app(
        "img-ro",
        `root: { image: v1 }\nuser: root\ncommand: [/bin/sh, -c, "${script}"]\nsyscalls: { profiles: [process] }\n`,
      );
      prints(["run", ro], "new.txt\ngone\nremoved\n/bin/hi\nchain\nhard-link\nread-only\n");
      const rw = app(
        "img-rw",
        `root: { image: v1, writable: true }\nuser: root\ncommand: [/bin/sh, -c, "echo written > /etc/x && cat /etc/x"]\nsyscalls: { profiles: [process] }\n`,
      );
      prints(["run", rw], "written\n");
    },
  );

  test(
    "exec --image: the image's command by default, or the one given",
    { skip: skipLaunch },
    () => {
      prints(
        ["exec", "--image", "test/busybox:1"],
        "hi from /home/app as 1000\nhello from the image\n",
      );
      prints(
        ["exec", "--image", "v1", "--", "/bin/cat", "/etc/motd-link"],
        "hello from the image\n",
      );
    },
  );

  test(
    "trace learns an image app's profile, and the app runs under it alone",
    { skip: skipLaunch },
    () => {
      const file = app("img-trace", `root: { image: v1 }\n`);
      const profile = join(tmp.dir, "img-trace.profile.yaml");
      const t = run(["trace", "-o", profile, file]);
      assert.equal(t.status, 0, t.stderr);
      assert.match(readFileSync(profile, "utf8"), /\n {2}execve: /);
      const learned = app(
        "img-learned",
        `root: { image: v1 }\nsyscalls: { profiles: [${profile}], hints: [] }\n`,
      );
      prints(["run", learned], "hi from /home/app as 1000\nhello from the image\n");
    },
  );

  test(
    "the run cache: an image app is launched from it until its name goes to another image",
    { skip: skipLaunch },
    async () => {
      const file = app("img-cache", `root: { image: cached }\nsyscalls: { profiles: [process] }\n`);
      const def = testImage();
      const other = join(tmp.dir, "other");
      await writeOci(other, { ...def, config: { ...def.config, Cmd: ["echo first"] } }, "cached");
      assert.equal(run(["load", `oci:${other}:cached`]).status, 0);
      assert.equal(run(["run", file]).stdout, "first\n");
      const hit = run(["run", file]);
      assert.equal(hit.stdout, "first\n");
      assert.match(hit.stderr, /secure-run: cache: hit /);
      const second = join(tmp.dir, "second");
      await writeOci(second, { ...def, config: { ...def.config, Cmd: ["echo second"] } }, "cached");
      assert.equal(run(["load", `oci:${second}:cached`]).status, 0);
      const moved = run(["run", file]);
      assert.match(moved.stderr, /secure-run: cache: miss: /);
      assert.equal(moved.stdout, "second\n");
      // The first image lost its name: prune takes it; rmi the second.
      assert.match(
        run(["image", "prune"]).stdout,
        /^Deleted sha256:[0-9a-f]{64}\n1 images and 0 layers removed\n$/,
      );
      assert.equal(run(["rmi", "cached"]).status, 0);
    },
  );

  test("load: a hostile archive is refused (exit 2), naming the entry; nothing is kept", () => {
    const r = run(["load", join(tmp.dir, "evil.tar")]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /evil\.tar: [0-9a-f]{64}\/layer\.tar: entry "\.\.\/\.\.\/evil": a "\.\." component \(it would leave the layer\)/,
    );
    assert.deepEqual(readdirSync(join(env.SECURE_RUN_STATE_DIR, "images/tmp")), []);
    const left = JSON.parse(run(["images", "--json"]).stdout) as { names: string[] }[];
    assert.deepEqual(
      left.map((i) => i.names),
      [["v1", "test/busybox:1"]],
      "only the image loaded before",
    );
  });

  test("rmi and image prune: names, then images, then layers go", () => {
    assert.equal(run(["rmi", "v1"]).stdout, "Untagged v1\n");
    const r = run(["rmi", "test/busybox:1"]);
    assert.match(r.stdout, /^Deleted sha256:[0-9a-f]{64}\n$/);
    assert.equal(run(["rmi", "v1"]).status, 1, "no such image: exit 1");
    const p = run(["image", "prune", "--json"]);
    assert.equal(p.status, 0, p.stderr);
    const store = join(env.SECURE_RUN_STATE_DIR, "images");
    for (const d of ["layers", "roots", "images", "tmp"])
      assert.deepEqual(readdirSync(join(store, d)), [], d);
    assert.ok(!existsSync(join(store, "lock")));
  });
});

/** The committed benchmark results (benchmarks/results) carry no path of the machine they ran on:
 * no checkout (this one or any other: a path through the repository's own folders), no
 * temporary directory. Paths inside the repository are relative to it; the run's temporary
 * directory is written $TMP. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "../helpers.js";

const results = join(root, "benchmarks/results");

/** The absolute paths a text holds. */
function absolutePaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w$.~/-])\/[\w.+@-]+(?:\/[\w.+@-]*)*/g)].map((m) => m[0]);
}

/** Top-level folders of the repository (its dependencies aside). */
const repoFolders = new Set(
  readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
    .map((e) => e.name),
);

/** A path of a checkout, this one or another: its tail is a path of this repository. */
function inACheckout(p: string): boolean {
  const parts = p.split("/").slice(1);
  return parts.some(
    (part, i) => i > 0 && repoFolders.has(part) && existsSync(join(root, ...parts.slice(i))),
  );
}

function machinePath(p: string): boolean {
  const tmp = tmpdir().replace(/\/$/, "");
  return (
    p.startsWith(root) ||
    p.startsWith(`${tmp}/`) ||
    p.startsWith("/tmp/") ||
    inACheckout(p) ||
    /^\/(?:home|work|root)\//.test(p)
  );
}

test("the committed benchmark results hold no machine path (checkout, /tmp)", () => {
  const files = readdirSync(results).filter((f) => f.endsWith(".json") || f.endsWith(".md"));
  assert.ok(files.includes("launch.json"), "benchmarks/results/launch.json is committed");
  const found = files.flatMap((f) =>
    absolutePaths(readFileSync(join(results, f), "utf8"))
      .filter(machinePath)
      .map((p) => `${f}: ${p}`),
  );
  assert.deepEqual([...new Set(found)], []);
});

test("the path check sees a checkout's and a temporary directory's paths", () => {
  const text = JSON.stringify({
    command: `/usr/bin/node /srv/other-clone/dist/cli/main.cjs run /tmp/x/true.yaml`,
    file: `${root}/examples/hello.yaml`,
    launcher: "build/Release/secure-run-launch --ro-bind /usr /usr --tmpfs /tmp 1024",
  });
  assert.deepEqual(absolutePaths(text).filter(machinePath), [
    "/srv/other-clone/dist/cli/main.cjs",
    "/tmp/x/true.yaml",
    `${root}/examples/hello.yaml`,
  ]);
});

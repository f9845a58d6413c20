/** `diff` over real git histories made here: what a change adds, a profile changed alone, a
 * renamed app followed; the Markdown comment as a CommonMark renderer reads it; bad input. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import MarkdownIt from "markdown-it";
import type { PlanDiff } from "../../src/diff/compare.js";
import { cli, tempDir, type CliResult } from "../helpers.js";

const tmp = tempDir("diff");
after(() => {
  tmp.remove();
});

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.org",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.org",
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: tmp.dir,
    },
  });
}

const web = `apiVersion: secure-run/v1
kind: App
name: web
command: [/bin/sh, -c, "sleep 1"]
syscalls:
  profiles: [process, ./web.profile.yaml]
resources: { memory: 256Mi, pids: 32 }
`;

const profile = (extra: string): string => `name: web-extra
description: what web needs beyond the process profile
syscalls:
  getrandom: { why: seeds its random numbers, risk: low }
${extra}`;

const org = `apiVersion: secure-run/v1
kind: Config
capabilities:
  allowed: [SYS_ADMIN, CHOWN]
`;

/** A repository with one commit (web.yaml, its profile, the organisation's configuration). */
function repo(name: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "apps"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "apps/web.yaml"), web);
  writeFileSync(join(dir, "apps/web.profile.yaml"), profile(""));
  writeFileSync(join(dir, "org.yaml"), org);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "web");
  return dir;
}

/** The CLI run in dir: git reads the repository of the working directory. */
const run = (dir: string, args: string[]): CliResult => cli(args, { cwd: dir });

test("a change adding ptrace and SYS_ADMIN: the diff names exactly those, with their reasons", () => {
  const dir = repo("adds");
  // ptrace through the app's own allow list.
  writeFileSync(
    join(dir, "apps/web.yaml"),
    web
      .replace(
        "syscalls:\n  profiles: [process, ./web.profile.yaml]",
        "syscalls:\n  profiles: [process, ./web.profile.yaml]\n  allow: [ptrace]",
      )
      .replace("memory: 256Mi", "memory: 1Gi") + "capabilities: [SYS_ADMIN]\n",
  );
  const r = run(dir, [
    "diff",
    "--base",
    "main",
    "--config",
    "org.yaml",
    "--format",
    "json",
    "apps/web.yaml",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    results: { diff: PlanDiff; verdict: string; before: string }[];
  };
  const app = out.results[0];
  assert.ok(app);
  assert.equal(app.before, "main:apps/web.yaml");
  const d = app.diff;
  assert.deepEqual(
    d.syscalls.added.map((s) => [s.name, s.risk]),
    [["ptrace", "high"]],
  );
  assert.deepEqual(d.syscalls.removed, []);
  assert.equal(d.syscalls.added[0]?.path, "syscalls.allow[0]");
  assert.deepEqual(d.syscalls.added[0]?.reasons, [{ kind: "field", ref: "syscalls.allow[0]" }]);
  assert.match(d.syscalls.added[0]?.why ?? "", /dangerous/);
  assert.deepEqual(
    d.capabilities.added.map((c) => [c.name, c.path]),
    [["SYS_ADMIN", "capabilities[0]"]],
  );
  assert.deepEqual(d.capabilities.removed, []);
  assert.deepEqual(
    d.limits.map((l) => [l.limit, l.beforeText, l.afterText, l.change]),
    [["memory", "256Mi", "1Gi", "raised"]],
  );
  assert.ok(d.score.after > (d.score.before ?? Infinity), JSON.stringify(d.score));
  assert.match(
    app.verdict,
    /^adds 1 high-risk syscall \(ptrace\), adds capability SYS_ADMIN, raises memory 256Mi → 1Gi/,
  );
  // --fail-on: the threshold is reached (exit 1); the text names both, located in SARIF.
  const failing = run(dir, [
    "diff",
    "--base",
    "main",
    "--config",
    "org.yaml",
    "--fail-on",
    "added-high-risk",
    "apps/web.yaml",
  ]);
  assert.equal(failing.status, 1, failing.stderr);
  assert.match(failing.stdout, /\+ ptrace\s+high/);
  assert.match(failing.stdout, /\+ SYS_ADMIN\s+high/);
  const sarif = JSON.parse(
    run(dir, [
      "diff",
      "--base",
      "main",
      "--config",
      "org.yaml",
      "--format",
      "sarif",
      "apps/web.yaml",
    ]).stdout,
  ) as {
    runs: {
      results: {
        ruleId: string;
        locations: { physicalLocation: { region: { startLine: number } } }[];
      }[];
    }[];
  };
  const results = sarif.runs[0]?.results ?? [];
  const lines = readFileSync(join(dir, "apps/web.yaml"), "utf8").split("\n");
  const lineOf = (re: RegExp): number => lines.findIndex((l) => re.test(l)) + 1;
  assert.deepEqual(
    results.map((x) => [x.ruleId, x.locations[0]?.physicalLocation.region.startLine]),
    [
      ["diff.added-syscall", lineOf(/allow: \[ptrace\]/)],
      ["diff.added-capability", lineOf(/^capabilities:/)],
      ["diff.raised-limit", lineOf(/^resources:/)],
    ],
  );
  // The organisation's configuration can set the threshold.
  writeFileSync(join(dir, "org.yaml"), `${org}diff:\n  failOn: [added-capability]\n`);
  const byConfig = run(dir, ["diff", "--base", "main", "--config", "org.yaml", "apps/web.yaml"]);
  assert.equal(byConfig.status, 1, byConfig.stdout + byConfig.stderr);
  assert.match(byConfig.stdout, /reaches --fail-on added-capability/);
});

test("a profile changed alone shows up in diff --base (the old plan reads the old profile)", () => {
  const dir = repo("profile");
  writeFileSync(
    join(dir, "apps/web.profile.yaml"),
    profile("  mount: { why: mounts its data, risk: high }\n  flock: locks files\n"),
  );
  const r = run(dir, ["diff", "--base", "main", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    results: {
      file: string;
      diff: { syscalls: { added: { name: string; path: string; reasons: unknown[] }[] } };
    }[];
  };
  assert.deepEqual(
    out.results.map((x) => x.file),
    ["apps/web.yaml"],
  ); // found with no APP given
  const added = out.results[0]?.diff.syscalls.added ?? [];
  assert.deepEqual(added.map((s) => s.name).sort(), ["flock", "mount"]);
  const why: Record<string, string> = { flock: "locks files", mount: "mounts its data" };
  for (const s of added) {
    assert.equal(s.path, "syscalls.profiles[1]");
    assert.deepEqual(s.reasons, [{ kind: "profile", ref: "./web.profile.yaml", why: why[s.name] }]);
  }
  // Nothing changed in the working tree against the last commit: no change at all.
  git(dir, "commit", "-q", "-am", "profile");
  const same = run(dir, ["diff", "--base", "HEAD", "apps/web.yaml"]);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /no change in what the app may do/);
});

test("a renamed app file is followed to its old path (its directory moved, profile and data too)", () => {
  const dir = repo("rename");
  mkdirSync(join(dir, "apps/data"));
  writeFileSync(join(dir, "apps/data/index.html"), "hello\n");
  writeFileSync(
    join(dir, "apps/web.yaml"),
    `${web}mounts:\n  - { source: ./data, target: /data }\n`,
  );
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "data");
  git(dir, "mv", "apps", "services");
  const moved = readFileSync(join(dir, "services/web.yaml"), "utf8").replace(
    "pids: 32",
    "pids: 64",
  );
  writeFileSync(join(dir, "services/web.yaml"), moved);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "move");
  const r = run(dir, ["diff", "--base", "HEAD~1", "--format", "json", "services/web.yaml"]);
  assert.equal(r.status, 0, r.stderr);
  const app = (
    JSON.parse(r.stdout) as {
      results: {
        before: string;
        renamed: boolean;
        diff: { limits: { limit: string; afterText: string }[] };
      }[];
    }
  ).results[0];
  assert.equal(app?.before, "HEAD~1:apps/web.yaml");
  assert.equal(app?.renamed, true);
  assert.deepEqual(
    app?.diff.limits.map((l) => [l.limit, l.afterText]),
    [["pids", "64"]],
  );
});

test("the Markdown comment: verdict line first, well-formed tables and <details> blocks", () => {
  const dir = repo("markdown");
  writeFileSync(
    join(dir, "apps/web.yaml"),
    web.replace("memory: 256Mi", "memory: 1Gi") + "capabilities: [SYS_ADMIN, CHOWN]\n",
  );
  const r = run(dir, [
    "diff",
    "--base",
    "main",
    "--config",
    "org.yaml",
    "--format",
    "markdown",
    "apps/web.yaml",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split("\n")[0] ?? "";
  assert.match(
    first,
    /^## secure-run diff: .*apps\/web\.yaml adds capabilities SYS_ADMIN, CHOWN, raises memory 256Mi → 1Gi$/,
  );
  const md = new MarkdownIt({ html: true });
  const tokens = md.parse(r.stdout, {});
  // Every table GitHub would render: a header row and body rows with as many cells.
  const tables = tokens.filter((t) => t.type === "table_open").length;
  assert.ok(tables >= 3, `${tables} tables`);
  let cells = 0;
  let header = 0;
  for (const t of tokens) {
    if (t.type === "tr_open") cells = 0;
    if (t.type === "th_open" || t.type === "td_open") cells++;
    if (t.type === "tr_close") {
      if (header === 0) header = cells;
      assert.equal(cells, header, "a row with a different number of cells");
    }
    if (t.type === "table_close") header = 0;
  }
  // <details> opens and closes as HTML blocks of their own, with the tables between them.
  const html = tokens.filter((t) => t.type === "html_block").map((t) => t.content.trim());
  const opens = html.filter((h) => h.startsWith("<details")).length;
  assert.ok(opens >= 1);
  assert.equal(html.filter((h) => h === "</details>").length, opens);
  const rendered = md.render(r.stdout);
  assert.match(rendered, /<td><code>SYS_ADMIN<\/code><\/td>/);
  assert.match(rendered, /<summary><b>apps\/web.yaml<\/b>/);
});

test("bad input: a missing file, a bad revision, not a git repository — exit 2, said clearly", () => {
  const dir = repo("bad");
  let r = run(dir, ["diff", "apps/web.yaml", "apps/nope.yaml"]);
  assert.equal(r.status, 2);
  assert.match(r.stdout, /apps\/nope\.yaml:1:1: cannot read the app definition: no such file/);
  r = run(dir, ["diff", "--base", "no-such-branch", "apps/web.yaml"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--base: unknown revision "no-such-branch"/);
  assert.match(r.stderr, /hint: name a branch, tag or commit/);
  const outside = join(tmp.dir, "not-a-repo");
  mkdirSync(outside);
  writeFileSync(join(outside, "web.yaml"), web);
  r = run(outside, ["diff", "--base", "main", "web.yaml"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is not in a git repository/);
  r = run(dir, ["diff", "apps/web.yaml"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /expected two app files \(OLD NEW\); got 1/);
  r = run(dir, ["diff", "--fail-on", "everything", "a.yaml", "b.yaml"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--fail-on: unknown threshold "everything"/);
  assert.ok(!existsSync(join(dir, ".git", "secure-run")));
  // Nothing was written to the working tree.
  assert.equal(git(dir, "status", "--porcelain"), "");
});

test("review --base shows each app's change after its review", () => {
  const dir = repo("review");
  writeFileSync(join(dir, "apps/web.yaml"), web.replace("pids: 32", "pids: 128"));
  const r = run(dir, ["review", "--base", "main", "apps/web.yaml", "--fail-on", "raised-limit"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /raises pids 32 → 128/);
  assert.match(r.stdout, /reaches --fail-on raised-limit/);
});

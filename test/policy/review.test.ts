/** secure-run review: decisions, their places, the formats and the real consumers of SARIF. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { reviewApp, reviewExitCode, summarize } from "../../src/review/review.js";
import { builtinRules, reviewMarkdown, reviewSarif } from "../../src/review/report.js";
import { parseConfig } from "../../src/config/load.js";
import { InputError, formatIssue } from "../../src/errors.js";
import { cli, root, tempDir } from "../helpers.js";

const tmp = tempDir("review");
after(() => {
  tmp.remove();
});

const risky = `apiVersion: secure-run/v1
kind: App
name: web
command: [/usr/sbin/nginx]
network: { mode: host, listen: [80] }
capabilities: [SYS_ADMIN, NET_RAW]
syscalls: { allow: [ptrace] }
mounts:
  - { source: /etc, target: /host-etc, readOnly: false }
resources: { memory: 64Mi, cpu: 1, pids: 32 }
`;

const tight = `apiVersion: secure-run/v1
kind: App
name: tight
command: [/bin/true]
resources: { memory: 64Mi, cpu: 1, pids: 32 }
`;

describe("decisions", () => {
  test("each decision has its rule, level, message and the app file's line and column", () => {
    const r = reviewApp(tmp.write("risky.yaml", risky));
    assert.deepEqual(
      r.decisions.map((d) => [d.level, d.rule, d.path, `${d.line ?? 0}:${d.column ?? 0}`]),
      [
        ["deny", "capabilities.dangerous", "capabilities[0]", "6:16"],
        ["deny", "syscalls.dangerous", "syscalls.allow[0]", "7:21"],
        ["deny", "filesystem.writable-system-path", "mounts[0].readOnly", "9:50"],
        ["warn", "network.host", "network.mode", "5:18"],
        ["warn", "capabilities.privileged-port-on-host", "network.listen[0]", "5:33"],
        ["warn", "capabilities.risky", "capabilities[1]", "6:27"],
      ],
    );
    assert.equal(reviewExitCode(summarize([r])), 1);
  });

  test("a tight app has no findings and passes", () => {
    const r = reviewApp(tmp.write("tight.yaml", tight));
    assert.deepEqual(r.decisions, []);
    assert.equal(reviewExitCode(summarize([r])), 0);
  });

  test("an invalid app file is reported, not reviewed: exit 2", () => {
    const r = reviewApp(
      tmp.write("invalid.yaml", "apiVersion: secure-run/v1\nkind: App\nname: x\n"),
    );
    assert.equal(r.issues.length, 1);
    assert.equal(reviewExitCode(summarize([r])), 2);
  });

  test("the organisation's configuration changes the verdict", () => {
    const { config } = parseConfig(
      "apiVersion: secure-run/v1\nkind: Config\ncapabilities: { allowed: [SYS_ADMIN, NET_RAW, NET_BIND_SERVICE] }\nsyscalls: { allowed: [ptrace] }\nrules: { filesystem.writable-system-path: warn }\n",
      "org.yaml",
    );
    const r = reviewApp(join(tmp.dir, "risky.yaml"), { config });
    assert.equal(summarize([r]).deny, 0);
    assert.ok(
      r.decisions.some((d) => d.rule === "filesystem.writable-system-path" && d.level === "warn"),
    );
  });

  test("an invalid configuration is located", () => {
    assert.throws(
      () =>
        parseConfig(
          "apiVersion: secure-run/v1\nkind: Config\nlimits: { required: [disk] }\n",
          "org.yaml",
        ),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.deepEqual(e.issues.map(formatIssue), [
          'org.yaml:3:22: limits.required[0]: must be one of "memory", "cpu", "pids"; got "disk"',
        ]);
        return true;
      },
    );
  });

  test("every built-in rule has an id, a level, a title and a description", () => {
    const rules = builtinRules();
    assert.ok(rules.length >= 15);
    for (const r of rules) {
      assert.match(r.id, /^[a-z]+\.[a-z-]+$/);
      assert.ok(["deny", "warn", "info"].includes(r.level));
      assert.ok(r.title.length > 0 && r.description.length > 20, r.id);
    }
  });
});

describe("formats", () => {
  test("text on the command line; exit 1 on a deny", () => {
    const r = cli(["review", join(tmp.dir, "risky.yaml"), join(tmp.dir, "tight.yaml")]);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /^ {2}6:16 {3}deny {2}capabilities\.dangerous {2}capability SYS_ADMIN is dangerous/m,
    );
    assert.match(r.stdout, /✖ 3 denied, 3 warnings in 2 apps/);
    assert.equal(cli(["review", join(tmp.dir, "tight.yaml")]).status, 0);
  });

  test("json", () => {
    const r = cli(["review", "--format", "json", join(tmp.dir, "risky.yaml")]);
    const doc = JSON.parse(r.stdout) as {
      kind: string;
      summary: { deny: number };
      results: { decisions: unknown[] }[];
    };
    assert.equal(doc.kind, "Review");
    assert.equal(doc.summary.deny, 3);
    assert.equal(doc.results[0]?.decisions.length, 6);
  });

  test("markdown: a verdict, a table, details that fold", () => {
    const md = reviewMarkdown(
      [reviewApp(join(tmp.dir, "risky.yaml")), reviewApp(join(tmp.dir, "tight.yaml"))],
      tmp.dir,
    );
    assert.match(md, /^## secure-run review: ❌ denied$/m);
    assert.match(md, /^\| `risky\.yaml` \| 3 \| 3 \| 0 \|$/m);
    assert.match(md, /^<details open><summary><b>risky\.yaml<\/b><\/summary>$/m);
    assert.match(
      md,
      /^\| ❌ deny \| `capabilities\.dangerous` \| line 6 `capabilities\[0\]` \| capability SYS_ADMIN/m,
    );
    assert.doesNotMatch(md, /tight\.yaml<\/b>/, "apps without findings get no details");
  });

  test("sarif: valid against the official SARIF 2.1.0 schema", () => {
    const sarif = reviewSarif(
      [reviewApp(join(tmp.dir, "risky.yaml")), reviewApp(join(tmp.dir, "invalid.yaml"))],
      "1.0.0",
      tmp.dir,
    );
    const schemaFile = join(root, "node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json");
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
    const run = (
      sarif as {
        runs: {
          results: {
            ruleId: string;
            level: string;
            locations: {
              physicalLocation: {
                artifactLocation: { uri: string };
                region: { startLine: number };
              };
            }[];
          }[];
        }[];
      }
    ).runs[0];
    const first = run?.results[0];
    assert.equal(first?.ruleId, "capabilities.dangerous");
    assert.equal(first?.level, "error");
    assert.deepEqual(first?.locations[0]?.physicalLocation.artifactLocation.uri, "risky.yaml");
    assert.equal(first?.locations[0]?.physicalLocation.region.startLine, 6);
  });

  test("sarif: the SARIF Multitool validates it without errors", () => {
    const file = join(tmp.dir, "review.sarif");
    const r = cli(["review", "--format", "sarif", "-o", file, join(tmp.dir, "risky.yaml")], {
      env: {},
    });
    assert.equal(r.status, 1, r.stderr);
    const out = join(tmp.dir, "validation.sarif");
    const tool = join(root, "node_modules/@microsoft/sarif-multitool/bin.js");
    const v = spawnSync(
      process.execPath,
      [tool, "validate", file, "-o", out, "--log", "ForceOverwrite"],
      {
        encoding: "utf8",
        cwd: tmp.dir,
        timeout: 120_000,
      },
    );
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const validation = JSON.parse(readFileSync(out, "utf8")) as {
      runs: { results?: { level?: string; ruleId: string; message: { text?: string } }[] }[];
    };
    const problems = (validation.runs[0]?.results ?? []).filter(
      (x) => x.level === "error" || x.level === undefined || x.level === "warning",
    );
    assert.deepEqual(
      problems.map((p) => `${p.ruleId}: ${p.message.text ?? ""}`),
      [],
    );
  });
});

describe("--policy: the user's own Rego", () => {
  let opaDir = "";
  before(() => {
    opaDir = dirname(
      execFileSync(join(root, "scripts/install-opa.sh"), { encoding: "utf8" }).trim(),
    );
  });

  test("its decisions join the built-in ones, at the fields they name", () => {
    const app = tmp.write("team.yaml", `${tight}network: { listen: [80] }\n`);
    const r = cli(
      ["review", "--format", "json", "--policy", join(root, "examples/policies"), app],
      {
        env: {
          PATH: `${opaDir}:${process.env.PATH ?? ""}`,
          XDG_CACHE_HOME: join(tmp.dir, "cache"),
        },
      },
    );
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      results: { decisions: { rule: string; level: string; line: number }[] }[];
    };
    const found = doc.results[0]?.decisions.map((d) => [d.rule, d.level, d.line]);
    assert.deepEqual(found, [
      ["team.owner", "deny", 1],
      ["team.port-range", "warn", 6],
    ]);
  });

  test("without opa on PATH: a clear error", () => {
    const r = cli(
      ["review", "--policy", join(root, "examples/policies"), join(tmp.dir, "tight.yaml")],
      {
        env: { PATH: "/nonexistent", XDG_CACHE_HOME: join(tmp.dir, "cache2") },
      },
    );
    assert.equal(r.status, 125);
    assert.match(r.stderr, /--policy needs the opa command on PATH/);
  });

  test("a syntax error in the user's Rego is located", () => {
    const dir = join(tmp.dir, "badpolicy");
    tmp.write("badpolicy.rego", "");
    execFileSync("mkdir", ["-p", dir]);
    tmp.write("badpolicy/x.rego", "package bad\n\ndeny contains msg if {\n  msg := \n}\n");
    const r = cli(["review", "--policy", dir, join(tmp.dir, "tight.yaml")], {
      env: { PATH: `${opaDir}:${process.env.PATH ?? ""}`, XDG_CACHE_HOME: join(tmp.dir, "cache3") },
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /x\.rego:\d+:\d+: .*/);
  });
});

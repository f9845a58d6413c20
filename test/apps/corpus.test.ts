/**
 * A corpus of everyday commands from Debian packages (issue 20), each run with `secure-run exec`
 * and the defaults (a read-only volume with the files it works on is its input, not a
 * permission): each works, or it fails and the fix it needs (a profile, a port) makes it work.
 * The failure message names the fix: the refusal summary (docs/running.md) says it.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { canLaunch, cliPath, tempDir } from "../helpers.js";

const skip = canLaunch ? false : "real launches run as root";

interface Case {
  /** The command inside the sandbox. */
  argv: string[];
  /** What it must print (whole stdout, or a pattern). */
  expect: string | RegExp;
  /** The Debian package of its program, when the base system may not have it. */
  pkg?: string;
  stdin?: string;
  /** When the defaults are not enough: the flags that make it work, and what a message naming
   * that fix mentions. */
  fix?: { flags: string[]; names: RegExp };
}

const tmp = tempDir("corpus");
const data = join(tmp.dir, "data");
const repo = join(tmp.dir, "repo");
let server: Server | undefined;
let port = 0;

/** Filled in before() once the loopback server has its port. */
const cases: Record<string, Case> = {
  "ls -l": {
    argv: ["ls", "-l", "/data/f.txt"],
    expect: /^-rw-r--r-- 1 \S+ \S+ 12 .* \/data\/f\.txt\n$/,
  },
  cat: { argv: ["cat", "/data/f.txt"], expect: "b 2\na 1\nc 3\n" },
  sort: { argv: ["sort", "-k2", "/data/f.txt"], expect: "a 1\nb 2\nc 3\n" },
  "wc -l": { argv: ["wc", "-l", "/data/f.txt"], expect: "3 /data/f.txt\n" },
  head: { argv: ["head", "-n1", "/data/f.txt"], expect: "b 2\n" },
  cut: { argv: ["cut", "-d", " ", "-f1", "/data/f.txt"], expect: "b\na\nc\n" },
  sha256sum: {
    argv: ["sha256sum", "/data/f.txt"],
    expect: "29ede79b5fd8ec06c1e35e42b1fc51055e09affbfc39ee372af224a6ec1ec7d0  /data/f.txt\n",
  },
  base64: { argv: ["base64", "/data/f.txt"], expect: "YiAyCmEgMQpjIDMK\n" },
  stat: { argv: ["stat", "-c", "%s", "/data/f.txt"], expect: "12\n" },
  date: { argv: ["date", "-u", "-d", "@0", "+%F"], expect: "1970-01-01\n" },
  "tr (stdin)": { argv: ["tr", "a-z", "A-Z"], stdin: "abc\n", expect: "ABC\n" },
  diff: { argv: ["diff", "/data/f.txt", "/data/f.txt"], expect: "" },
  find: { argv: ["find", "/data", "-name", "*.json"], expect: "/data/j.json\n" },
  grep: { argv: ["grep", "-n", "a", "/data/f.txt"], expect: "2:a 1\n" },
  sed: { argv: ["sed", "s/a/A/", "/data/f.txt"], expect: "b 2\nA 1\nc 3\n" },
  awk: { argv: ["awk", "{s+=$2} END {print s}", "/data/f.txt"], expect: "6\n" },
  gawk: { argv: ["gawk", "{s+=$2} END {print s}", "/data/f.txt"], expect: "6\n", pkg: "gawk" },
  "tar -t": { argv: ["tar", "-tf", "/data/a.tar"], expect: "f.txt\n" },
  "gzip -d": { argv: ["gzip", "-dc", "/data/f.txt.gz"], expect: "b 2\na 1\nc 3\n" },
  "xz -d": { argv: ["xz", "-dc", "/data/f.txt.xz"], expect: "b 2\na 1\nc 3\n", pkg: "xz-utils" },
  jq: { argv: ["jq", "-c", ".a[2]", "/data/j.json"], expect: '{"b":"x"}\n', pkg: "jq" },
  sqlite3: {
    argv: ["sqlite3", "-readonly", "/data/db.sqlite", "select sum(a) from t"],
    expect: "3\n",
    pkg: "sqlite3",
  },
  "git log": { argv: ["git", "-C", "/repo", "log", "--format=%s"], expect: "first\n", pkg: "git" },
  "sh pipeline": { argv: ["sh", "-c", "sort /data/f.txt | head -n1"], expect: "a 1\n" },
  "python3 -c": {
    argv: ["python3", "-c", "import json; print(json.load(open('/data/j.json'))['a'][0])"],
    expect: "1\n",
    pkg: "python3",
  },
  "node -e": {
    argv: ["node", "-e", "console.log(require('fs').readFileSync('/data/f.txt','utf8').length)"],
    expect: "12\n",
  },
  "perl -ne": {
    argv: ["perl", "-ne", "print if /a/", "/data/f.txt"],
    expect: "a 1\n",
    pkg: "perl",
  },
  xargs: {
    argv: ["xargs", "-n1", "echo"],
    stdin: "x y\n",
    expect: "x\ny\n",
    fix: { flags: ["--profile", "process"], names: /--profile process|hints: \[spawns\]/ },
  },
  "touch in /tmp": {
    argv: ["touch", "/tmp/x"],
    expect: "",
    fix: { flags: ["--profile", "files-write"], names: /files-write/ },
  },
  curl: { argv: [], expect: "hello from loopback\n", pkg: "curl" }, // completed in before()
};

function which(program: string): boolean {
  return ["/usr/bin", "/bin"].some((d) => existsSync(join(d, program)));
}

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** secure-run exec, asynchronously: the loopback server lives in this process. */
function exec(flags: string[], c: Case): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [
        cliPath,
        "exec",
        "-v",
        `${data}:/data:ro`,
        "-v",
        `${repo}:/repo:ro`,
        ...flags,
        "--",
        ...c.argv,
      ],
      {
        encoding: "utf8",
        timeout: 30_000,
        killSignal: "SIGKILL",
        env: { ...process.env, NO_COLOR: "1" },
      },
      (error, stdout, stderr) =>
        done({
          status: error ? (typeof error.code === "number" ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(c.stdin ?? "");
  });
}

function works(r: Result, c: Case): boolean {
  const out = typeof c.expect === "string" ? r.stdout === c.expect : c.expect.test(r.stdout);
  return r.status === 0 && out;
}

function check(r: Result, c: Case, what: string): void {
  assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr}`);
  if (typeof c.expect === "string") assert.equal(r.stdout, c.expect, what);
  else assert.match(r.stdout, c.expect, what);
}

describe("everyday commands with secure-run exec and the defaults", { skip }, () => {
  before(async () => {
    mkdirSync(data);
    chmodSync(tmp.dir, 0o755); // the sandbox's user (nobody) reads the files below it
    tmp.write("data/f.txt", "b 2\na 1\nc 3\n");
    tmp.write("data/j.json", '{"a":[1,2,{"b":"x"}]}\n');
    execFileSync("tar", ["-cf", join(data, "a.tar"), "-C", data, "f.txt"]);
    execFileSync("gzip", ["-k", join(data, "f.txt")]);
    if (which("xz")) execFileSync("xz", ["-k", join(data, "f.txt")]);
    if (which("sqlite3"))
      execFileSync("sqlite3", [
        join(data, "db.sqlite"),
        "create table t(a); insert into t values (1),(2);",
      ]);
    mkdirSync(repo);
    if (which("git")) {
      const git = (...args: string[]): void => {
        execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", ...args]);
      };
      git("init", "-q");
      tmp.write("repo/a", "x\n");
      git("add", "a");
      git("commit", "-qm", "first");
    }
    execFileSync("chmod", ["-R", "a+rX", tmp.dir]);
    server = createServer((_req, res) => res.end("hello from loopback\n"));
    await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
    port = (server.address() as AddressInfo).port;
    cases.curl = {
      argv: ["curl", "-sS", `http://127.0.0.1:${port}/`],
      expect: "hello from loopback\n",
      pkg: "curl",
      // The app's network is its own (loopback only) unless it asks for the host's, and a
      // connection needs the port declared.
      fix: {
        flags: ["--net", "host", "--connect", String(port)],
        names: /--connect|network\.connect/,
      },
    };
  });

  after(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    tmp.remove();
  });

  test("the corpus holds 30 commands", () => {
    assert.equal(Object.keys(cases).length, 30);
  });

  for (const name of Object.keys(cases)) {
    test(name, async (t) => {
      const c = cases[name] as Case;
      const program = c.argv[0] ?? "";
      if (c.pkg && !which(program)) {
        t.skip(`${program} is not installed (Debian package ${c.pkg}; scripts/setup.sh --test)`);
        return;
      }
      const r = await exec([], c);
      if (!c.fix) {
        check(r, c, "with the defaults");
        return;
      }
      assert.ok(!works(r, c), `${name} now works with the defaults: drop its fix from the corpus`);
      await t.test("the failure message names the fix", () =>
        assert.match(r.stderr, c.fix?.names ?? /$^/),
      );
      check(await exec(c.fix.flags, c), c, `with ${c.fix.flags.join(" ")}`);
    });
  }
});

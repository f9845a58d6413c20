/** The executable starts Node from the CLI's startup snapshot (cli/snapshot.ts,
 * scripts/build-snapshot.mjs) only while the snapshot is valid, and says the same as the CLI
 * started from its modules either way. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cliExecutable, cliPath, root, tempDir } from "../helpers.js";

const blob = join(root, "dist/snapshot/cli.blob");
const cliModule = join(root, "dist/cli/cli.js");
const hello = join(root, "examples/hello.yaml");

/** Runs `file args…` with SECURE_RUN_STARTUP_DEBUG: how it started, and what it said. */
function start(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { how: string; status: number | null; out: string } {
  const r = spawnSync(file, args, {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", SECURE_RUN_STARTUP_DEBUG: "1", ...env },
  });
  const how = /secure-run: startup: (.*)/.exec(r.stderr)?.[1] ?? `nothing said: ${r.stderr}`;
  return {
    how,
    status: r.status,
    out: r.stdout + r.stderr.replace(/^secure-run: startup.*\n/m, ""),
  };
}
/** The same command, started from the modules with Node. */
const fromModules = (args: string[]): { status: number | null; out: string } => {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, out: r.stdout + r.stderr };
};

/** Sets `file`'s modification time for the length of `body`, then puts it back. */
function withMtime(file: string, mtime: Date, body: () => void): void {
  const before = statSync(file);
  utimesSync(file, before.atime, mtime);
  try {
    body();
  } finally {
    utimesSync(file, before.atime, before.mtime);
  }
}

test("the executable starts from the snapshot and says what the modules say", () => {
  for (const args of [
    ["--version"],
    ["plan", "--json", hello],
    ["review", hello],
    ["audit", "--format", "json", hello],
    ["plan", join(root, "examples/no-such-app.yaml")],
    ["no-such-command"],
  ]) {
    const s = start(cliExecutable, args);
    assert.equal(s.how, "snapshot", args.join(" "));
    const m = fromModules(args);
    assert.equal(s.status, m.status, args.join(" "));
    assert.equal(s.out, m.out, args.join(" "));
  }
});

test("a copy of the executable elsewhere starts the CLI from its modules", () => {
  const t = tempDir("snapshot-copy");
  try {
    const copy = join(t.dir, "secure-run");
    copyFileSync(cliExecutable, copy);
    symlinkSync(cliPath, join(t.dir, "main.cjs"));
    const s = start(copy, ["plan", "--json", hello]);
    assert.match(s.how, /^modules \(no valid snapshot for /);
    assert.equal(s.status, 0);
    assert.equal((JSON.parse(s.out) as { name: string }).name, "hello");
    // A link to it is the executable itself (node_modules/.bin/secure-run is one).
    const link = join(t.dir, "link");
    symlinkSync(cliExecutable, link);
    assert.equal(start(link, ["--version"]).how, "snapshot");
  } finally {
    t.remove();
  }
});

test("a snapshot made by another Node is not used", () => {
  // The blob carries the modification time of the Node that made it.
  const node = statSync(process.execPath);
  assert.equal(statSync(blob).mtimeMs, node.mtimeMs);
  withMtime(blob, new Date(node.mtimeMs + 1000), () => {
    const s = start(cliExecutable, ["--version"]);
    assert.match(s.how, /^modules/);
    assert.equal(s.status, 0);
  });
  withMtime(blob, new Date(node.mtimeMs - 1000), () => {
    assert.match(start(cliExecutable, ["--version"]).how, /^modules/);
  });
});

test("V8 flags in NODE_OPTIONS (V8 would refuse the snapshot, and Node exit 14): the modules are used", () => {
  const env = { NODE_OPTIONS: "--max-old-space-size=4096" };
  for (const args of [["--version"], ["plan", "--json", hello]]) {
    const s = start(cliExecutable, args, env);
    assert.match(s.how, /^modules/, args.join(" "));
    const m = fromModules(args);
    assert.equal(s.status, m.status, args.join(" "));
    assert.equal(s.out, m.out, args.join(" "));
  }
});

test("a snapshot made on another kind of CPU is not used (a checkout shared with a VM, an image built elsewhere)", () => {
  const script = readFileSync(cliExecutable, "utf8");
  const line = /^cpu_built='([^']*)'$/m.exec(script);
  assert.ok(line, "the executable names the CPU its snapshot was made on");
  const here = readFileSync("/sys/devices/system/cpu/modalias", "utf8").split("\n")[0];
  assert.equal(line[1], here, "made on this one");
  const mode = statSync(cliExecutable).mode;
  writeFileSync(
    cliExecutable,
    script.replace(line[0], "cpu_built='cpu:type:x86,ven0000fam0006mod0001:feature:,0000'"),
    { mode },
  );
  try {
    const s = start(cliExecutable, ["plan", "--json", hello]);
    assert.match(s.how, /^modules/);
    assert.equal(s.status, 0);
    assert.equal((JSON.parse(s.out) as { name: string }).name, "hello");
  } finally {
    writeFileSync(cliExecutable, script, { mode });
  }
  assert.equal(start(cliExecutable, ["--version"]).how, "snapshot");
});

test("modules rebuilt after the snapshot (tsc alone) are used instead of it", () => {
  withMtime(cliModule, new Date(Date.now() + 60_000), () => {
    const s = start(cliExecutable, ["plan", "--json", hello]);
    assert.match(s.how, /^modules \(.*cli\.js changed after the snapshot was built\)/);
    assert.equal(s.status, 0);
    assert.equal((JSON.parse(s.out) as { name: string }).name, "hello");
  });
});

test("no module asks Node's os module for what it read once at its load", () => {
  // os.release(), type(), version() and machine() return what uname said when the os module was
  // loaded: in the startup snapshot, what it said on the host that built it (a VM lane of the
  // tests runs this checkout under another kernel). src/host/kernel-release.cts reads it anew.
  const frozen = new Set(["release", "type", "version", "machine"]);
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.c?ts$/.test(e.name)) {
        const text = readFileSync(p, "utf8");
        for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(?:node:)?os"/g))
          for (const name of (m[1] ?? "").split(",").map((n) => n.trim().split(/\s+as\s+/)[0]))
            if (name && frozen.has(name) && !p.endsWith("kernel-release.cts"))
              offenders.push(`${p}: ${name}`);
        for (const m of text.matchAll(/import\s+(?:\*\s+as\s+)?(\w+)\s+from\s*"(?:node:)?os"/g))
          if (new RegExp(`\\b${m[1]}\\.(release|type|version|machine)\\(`).test(text))
            offenders.push(`${p}: ${m[1]}.*()`);
      }
    }
  };
  for (const d of ["src", "cli"]) walk(join(root, d));
  assert.deepEqual(offenders, []);
});

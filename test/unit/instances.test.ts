/** The pure parts of detached instances: CRI log records, --since, --format templates, id prefix
 * resolution, the supervisor's lock, and the refusal of cgroup paths that are not an instance's. */
import assert from "node:assert/strict";
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { once } from "node:events";
import { after, test } from "node:test";
import { compileTemplate, humanSize, psFields } from "../../cli/render/instances.js";
import {
  checkCgroupDir,
  CriDecoder,
  followLogs,
  lockHeld,
  openLock,
  waitReleased,
  idOfName,
  NoSuchInstance,
  parseCriLine,
  parseSince,
  readLogs,
  resolveRef,
  reserveName,
  type LogRecord,
  type PsEntry,
  type Store,
} from "../../src/instances/index.js";
import { stateDir } from "../../src/paths.cjs";
import { tempDir } from "../helpers.js";

const tmp = tempDir("instances-unit");
after(() => tmp.remove());

test("a CRI line: time, stream, tag, text (the text keeps its spaces)", () => {
  assert.deepEqual(parseCriLine("2026-12-04T16:00:00.123456789Z stdout F hello  world "), {
    time: "2026-12-04T16:00:00.123456789Z",
    stream: "stdout",
    tag: "F",
    text: "hello  world ",
  });
  assert.deepEqual(parseCriLine("2026-12-04T16:00:00Z stderr F "), {
    time: "2026-12-04T16:00:00Z",
    stream: "stderr",
    tag: "F",
    text: "",
  });
  for (const bad of [
    "",
    "hello",
    "2026-12-04T16:00:00Z stdin F x",
    "2026-12-04T16:00:00Z stdout X x",
    "yesterday stdout F x",
    "2026-12-04T16:00:00Z stdout Fx",
  ])
    assert.equal(parseCriLine(bad), undefined, bad);
});

test("CRI pieces (P) of one stream are joined up to their F line; streams do not mix", () => {
  const out: LogRecord[] = [];
  const d = new CriDecoder();
  d.push(
    "2026-12-04T16:00:00.1Z stdout P abc\n" +
      "2026-12-04T16:00:00.2Z stderr F oops\n" +
      "2026-12-04T16:00:00.3Z stdout P def\n" +
      "2026-12-04T16:00:00.4Z stdout F ghi\n" +
      "2026-12-04T16:00:00.5Z stdout P tail",
    out,
  );
  assert.deepEqual(
    out.map((r) => [r.stream, r.text, r.time, r.partial]),
    [
      ["stderr", "oops", "2026-12-04T16:00:00.2Z", false],
      ["stdout", "abcdefghi", "2026-12-04T16:00:00.1Z", false],
    ],
  );
  // The unterminated last line is held back until it ends (or the reader ends).
  d.push("\n", out);
  d.flush(out);
  assert.deepEqual(out.at(-1)?.text, "tail");
  assert.equal(out.at(-1)?.partial, true);
});

test("readLogs: log.1 then log, --tail and --since", () => {
  const dir = join(tmp.dir, "logs");
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(
    join(dir, "log.1"),
    "2026-12-04T16:00:00Z stdout F one\n2026-12-04T16:01:00Z stdout F two\n",
  );
  writeFileSync(
    join(dir, "log"),
    "2026-12-04T16:02:00Z stderr F three\n2026-12-04T16:03:00Z stdout F four\n2026-12-04T16:04",
  );
  const texts = (q = {}): string[] => readLogs(dir, q).records.map((r) => r.text);
  assert.deepEqual(texts(), ["one", "two", "three", "four"]);
  assert.deepEqual(texts({ tail: 2 }), ["three", "four"]);
  assert.deepEqual(texts({ tail: 0 }), []);
  assert.deepEqual(texts({ sinceMs: Date.parse("2026-12-04T16:01:30Z") }), ["three", "four"]);
  // The position to follow from is the end of the last complete line.
  const pos = readLogs(dir).pos;
  assert.equal(
    pos?.end,
    Buffer.byteLength("2026-12-04T16:02:00Z stderr F three\n2026-12-04T16:03:00Z stdout F four\n"),
  );
});

test("readLogs refuses a log that is a symbolic link", () => {
  const dir = join(tmp.dir, "linked");
  mkdirSync(dir, { mode: 0o700 });
  symlinkSync("/etc/passwd", join(dir, "log"));
  assert.throws(() => readLogs(dir), /is a symbolic link/);
});

test("--since: durations back from now, times, Unix seconds; anything else is refused", () => {
  const now = Date.parse("2026-12-04T16:00:00Z");
  assert.equal(parseSince("10m", now), now - 600_000);
  assert.equal(parseSince("1h30m", now), now - 5_400_000);
  assert.equal(parseSince("45s", now), now - 45_000);
  assert.equal(parseSince("2d", now), now - 2 * 86_400_000);
  assert.equal(parseSince("500ms", now), now - 500);
  assert.equal(parseSince("2026-12-04T15:00:00Z", now), Date.parse("2026-12-04T15:00:00Z"));
  assert.equal(
    parseSince("2026-12-04T15:00:00.123456789Z", now),
    Date.parse("2026-12-04T15:00:00.123Z"),
  );
  assert.equal(parseSince("1764864000", now), 1_764_864_000_000);
  for (const bad of ["", "ten minutes", "10 m", "-5m", "2026-13-45", "m10"])
    assert.throws(() => parseSince(bad, now), /--since: expected/, bad);
});

const entry: PsEntry = {
  id: "ab".repeat(32),
  shortId: "abababababab",
  name: "web",
  app: "/srv/web.yaml",
  command: ["/usr/sbin/nginx", "-g", "daemon off;"],
  status: "exited",
  statusText: "exited (1)",
  since: "2026-12-04T15:59:00Z",
  created: "2026-12-04T15:00:00Z",
  exitCode: 1,
  restarts: 3,
  pids: null,
  memory: null,
  ports: ["8080/tcp"],
  supervisorPid: null,
};

test("--format: {{.Field}} substitution, \\t and \\n; an unknown field is bad input", () => {
  const fields = Object.keys(psFields(entry));
  const f = psFields(entry, Date.parse("2026-12-04T16:00:00Z"));
  assert.equal(compileTemplate("{{.Name}} {{.Status}}", fields)(f), "web exited (1)");
  assert.equal(
    compileTemplate("{{ .ID }}\\t{{.Restarts}}\\t{{.Since}}\\t{{.Ports}}", fields)(f),
    "abababababab\t3\t1 minute ago\t8080/tcp",
  );
  assert.equal(compileTemplate("no fields", fields)(f), "no fields");
  assert.throws(
    () => compileTemplate("{{.Nmae}}", fields),
    (e: Error) => /unknown field "\.Nmae"/.test(e.message) && /\{\{\.Name\}\}/.test(e.message),
  );
  assert.throws(() => compileTemplate("{{json .}}", fields), /unknown field/);
});

test("sizes as docker shows them", () => {
  assert.equal(humanSize(512), "512B");
  assert.equal(humanSize(1536), "1.5KiB");
  assert.equal(humanSize(1073741824), "1.0GiB");
  assert.equal(humanSize(-1), "unlimited");
  assert.equal(humanSize(null), "-");
});

function store(): Store {
  const root = join(tmp.dir, "state");
  mkdirSync(join(root, "instances"), { recursive: true, mode: 0o700 });
  mkdirSync(join(root, "names"), { mode: 0o700 });
  return { root, instances: join(root, "instances"), names: join(root, "names") };
}

test("an instance by id, unique prefix (3+ hex) or name; an ambiguous prefix says so", () => {
  const s = store();
  const a = `abc1${"0".repeat(60)}`;
  const b = `abc2${"0".repeat(60)}`;
  const c = `def0${"1".repeat(60)}`;
  const ids = [a, b, c];
  assert.equal(reserveName(s, "web", c), true);
  assert.equal(reserveName(s, "web", a), false, "a name is unique");
  assert.equal(idOfName(s, "web"), c);
  assert.equal(resolveRef(s, a, ids), a);
  assert.equal(resolveRef(s, "abc1", ids), a);
  assert.equal(resolveRef(s, "def", ids), c);
  assert.equal(resolveRef(s, "web", ids), c);
  assert.throws(() => resolveRef(s, "abc", ids), /No such instance: abc \(the prefix names 2/);
  assert.throws(() => resolveRef(s, "ab", ids), NoSuchInstance, "2 hex digits are too few");
  assert.throws(() => resolveRef(s, "nope", ids), /No such instance: nope$/);
  // A name file that is a link is not believed.
  symlinkSync(join(s.names, "web"), join(s.names, "alias"));
  assert.throws(() => resolveRef(s, "alias", ids), NoSuchInstance);
});

/** A process holding a POSIX write lock on `file` (it conflicts as the supervisor's OFD lock
 * does); it prints a line once it holds it. */
const holdLock = (file: string): ChildProcessByStdio<null, Readable, null> =>
  spawn(
    "python3",
    [
      "-c",
      "import fcntl,sys,time; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
      file,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );

test("a supervisor's lock: a held write lock counts (asked, not taken); flock, links and a missing file do not", async () => {
  const file = join(tmp.dir, "lock");
  writeFileSync(file, "");
  assert.equal(lockHeld(file), false, "nobody holds it");
  // A process-associated POSIX write lock conflicts as the supervisor's OFD lock does.
  const holder = holdLock(file);
  try {
    await once(holder.stdout, "data");
    assert.equal(lockHeld(file), true, "a held write lock counts");
    assert.equal(lockHeld(file), true, "asking took nothing: still held by the other");
    symlinkSync(file, join(tmp.dir, "lock-link"));
    assert.equal(lockHeld(join(tmp.dir, "lock-link")), false, "a link is no lock");
  } finally {
    holder.kill("SIGKILL");
    await once(holder, "exit");
  }
  assert.equal(lockHeld(file), false, "the kernel dropped it with its holder");
  // flock(2) is the supervisor's other lock (against a second supervisor): not what is asked.
  const flocker = spawn("flock", [file, "sleep", "60"], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(lockHeld(file), false);
  } finally {
    flocker.kill("SIGKILL");
    await once(flocker, "exit");
  }
  assert.equal(lockHeld(join(tmp.dir, "absent")), false);
});

test("waiting for a supervisor's end watches the lock it opened, also once the file is unlinked", async () => {
  // A --rm supervisor removes its directory, `lock` included, and lets go of the lock only once
  // all of it is gone: rm -f must not take the missing file for the end and remove along with it.
  const file = join(tmp.dir, "lock-unlinked");
  writeFileSync(file, "");
  const holder = holdLock(file);
  const lock = openLock(file);
  assert.notEqual(lock, null);
  try {
    await once(holder.stdout, "data");
    unlinkSync(file);
    assert.equal(await waitReleased(lock, 150), false, "still held, though its name is gone");
  } finally {
    holder.kill("SIGKILL");
    await once(holder, "exit");
  }
  assert.equal(await waitReleased(lock, 5000), true, "released with its holder");
  if (lock !== null) closeSync(lock);
  assert.equal(openLock(file), null, "no file: nothing to open");
  assert.equal(await waitReleased(null, 0), true, "nothing to wait for");
});

test("a cgroup path from state.json is used only when it is an instance's", () => {
  for (const [controller, dir, why] of [
    ["memory", "/sys/fs/cgroup/memory", /not named secure-run-<name>-<pid>/],
    ["memory", "/sys/fs/cgroup/memory/../pids/secure-run-a-1", /normal path/],
    ["memory", "/tmp/secure-run-a-1", /not below \/sys\/fs\/cgroup/],
    ["memory", "/sys/fs/cgroup/pids/secure-run-a-1", /not in the memory hierarchy/],
    ["memory", "memory/secure-run-a-1", /absolute/],
    ["memory", "/sys/fs/cgroup/memory/secure-run-nothere-1", /ENOENT|no such file/i],
  ] as const)
    assert.throws(() => checkCgroupDir(controller, dir), why, dir);
});

test("stateDir: the override, root's, a user's XDG_DATA_HOME, else ~/.local/share", () => {
  assert.equal(stateDir({ uid: 0, env: {} }), "/var/lib/secure-run");
  assert.equal(
    stateDir({ uid: 1000, env: { XDG_DATA_HOME: "/nonexistent/x", HOME: "/h" } }),
    "/nonexistent/x/secure-run",
  );
  assert.equal(
    stateDir({ uid: 1000, env: { XDG_DATA_HOME: "relative", HOME: "/nonexistent/h" } }),
    "/nonexistent/h/.local/share/secure-run",
  );
  assert.equal(
    stateDir({ uid: 0, env: { SECURE_RUN_STATE_DIR: "/nonexistent/s" } }),
    "/nonexistent/s",
  );
  // One that exists but is open to others is refused.
  const open = join(tmp.dir, "open");
  mkdirSync(open, { mode: 0o755 });
  assert.throws(
    () => stateDir({ uid: process.geteuid?.() ?? 0, env: { SECURE_RUN_STATE_DIR: open } }),
    /unsafe state directory: .* is open to others/,
  );
});

test("followLogs reads on across a rotation (the rest of log.1, then the new log)", async () => {
  const dir = join(tmp.dir, "follow");
  mkdirSync(dir, { mode: 0o700 });
  const line = (n: number): string => `2026-12-04T16:00:0${n}Z stdout F line ${n}\n`;
  writeFileSync(join(dir, "log"), line(1));
  const { records, pos } = readLogs(dir);
  assert.deepEqual(
    records.map((r) => r.text),
    ["line 1"],
  );
  const seen: string[] = [];
  let done = false;
  const following = followLogs(
    dir,
    pos,
    (r) => seen.push(r.text),
    () => done,
    10,
  );
  await new Promise((r) => setTimeout(r, 30));
  appendFileSync(join(dir, "log"), line(2));
  await new Promise((r) => setTimeout(r, 30));
  // The supervisor rotates: one more line in the old file, then log → log.1, a new log.
  appendFileSync(join(dir, "log"), line(3));
  renameSync(join(dir, "log"), join(dir, "log.1"));
  writeFileSync(join(dir, "log"), line(4));
  await new Promise((r) => setTimeout(r, 30));
  appendFileSync(join(dir, "log"), "2026-12-04T16:00:05Z stdout P half\n");
  done = true;
  await following;
  assert.deepEqual(seen, ["line 2", "line 3", "line 4", "half"]);
});

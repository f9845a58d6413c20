/** Learned profiles as data: what a trace record becomes, how traces add up, and the lists the
 * trace shares with the Rego policy. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import yaml from "js-yaml";
import { InputError } from "../../src/errors.js";
import type { TraceRecord } from "../../src/launch/run.js";
import { loadProfiles, readProfile } from "../../src/profiles/load.js";
import { NEVER_ALLOWED } from "../../src/seccomp/never.js";
import { learnedProfileText } from "../../src/trace/profile.js";
import { root, tempDir } from "../helpers.js";

const tmp = tempDir("trace-unit");
after(() => tmp.remove());

const record: TraceRecord = {
  arch: "x86_64",
  seconds: 1.25,
  calls: 42,
  otherAbi: 0,
  syscalls: {
    openat: { nr: 257, count: 10 },
    open: { nr: 2, count: 3 },
    socket: { nr: 41, count: 2, values: ["2", "10"] },
    clone: { nr: 56, count: 4, values: ["4001536"] },
    ioctl: { nr: 16, count: 5, values: [String(0x5401), String(0x5421)], moreValues: true },
    ptrace: { nr: 101, count: 1 },
    write: { nr: 1, count: 22 },
  },
};
const profiles = loadProfiles();

function learned(text: string): {
  name: string;
  kind: string;
  description: string;
  syscalls: Record<string, { why: string; risk: string; arches?: string[] }>;
} {
  return yaml.load(text) as ReturnType<typeof learned>;
}

test("a trace record becomes a valid learned profile with argument values and risks", () => {
  const text = learnedProfileText(record, {
    name: "web-learned",
    source: "web",
    profiles,
    date: new Date("2026-01-02T00:00:00Z"),
  });
  const file = tmp.write("web.profile.yaml", text);
  const { profile, issues } = readProfile(file);
  assert.deepEqual(issues, [], "the profile schema accepts it");
  assert.equal(profile?.kind, "learned");
  const p = learned(text);
  assert.match(
    p.description,
    /web used while traced on 2026-01-02 \(x86_64\): 7 syscalls in 42 calls over 1\.3 s/,
  );
  assert.match(p.syscalls.socket?.why ?? "", /AF_INET, AF_INET6/);
  assert.match(p.syscalls.clone?.why ?? "", /flags 0x3d0f00/);
  assert.match(p.syscalls.ioctl?.why ?? "", /TCGETS, FIONBIO, …/);
  assert.equal(p.syscalls.ptrace?.risk, "high", "a dangerous call is high risk");
  assert.equal(p.syscalls.write?.risk, "low");
  // x86_64's legacy open exists there only: its modern form holds elsewhere, openat was seen.
  assert.deepEqual(p.syscalls.open?.arches, ["x86_64"]);
  assert.equal(p.syscalls.openat?.arches, undefined, "seen itself: every architecture");
});

test("a legacy call not seen in its modern form gets the modern form for aarch64", () => {
  const p = learned(
    learnedProfileText(
      { ...record, syscalls: { readlink: { nr: 89, count: 1 } } },
      { name: "x-learned", source: "x", profiles },
    ),
  );
  assert.deepEqual(p.syscalls.readlink?.arches, ["x86_64"]);
  assert.deepEqual(p.syscalls.readlinkat?.arches, ["aarch64"]);
});

test("traces add up: what only an earlier trace saw is kept, the new trace's entries win", () => {
  const first = learnedProfileText(
    { ...record, syscalls: { readlink: { nr: 89, count: 1 }, write: { nr: 1, count: 1 } } },
    { name: "web-learned", source: "web", profiles },
  );
  const merged = learned(
    learnedProfileText(record, {
      name: "web-learned",
      source: "web",
      profiles,
      previous: { file: "web.profile.yaml", text: first },
    }),
  );
  assert.ok(merged.syscalls.readlink, "kept from the earlier trace");
  assert.ok(merged.syscalls.readlinkat, "its modern form too");
  assert.match(merged.syscalls.write?.why ?? "", /seen 22 times/, "the new count");
  assert.match(merged.description, /2 syscalls only they saw kept/);
  const names = Object.keys(merged.syscalls);
  assert.deepEqual(names, [...names].sort(), "sorted");
});

test("a trace does not overwrite a profile it did not learn", () => {
  const handWritten = readFileSync(join(root, "profiles/threads.yaml"), "utf8");
  assert.throws(
    () =>
      learnedProfileText(record, {
        name: "x-learned",
        source: "x",
        profiles,
        previous: { file: "threads.yaml", text: handWritten },
      }),
    (e: unknown) =>
      e instanceof InputError &&
      e.issues[0]?.path === "kind" &&
      /--replace/.test(e.issues[0]?.hint ?? ""),
  );
});

function regoSet(file: string, rule: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const m = new RegExp(`^${rule} :?= [{\\[]([^}\\]]*)[}\\]]`, "m").exec(text);
  assert.ok(m, `${rule} in ${file}`);
  return [...(m[1] ?? "").matchAll(/"([a-z0-9_]+)"/g)].map((x) => x[1] ?? "");
}

test("NEVER_ALLOWED is syscalls.rego's never", () => {
  assert.deepEqual(
    [...NEVER_ALLOWED].sort(),
    regoSet("policies/plan/syscalls.rego", "never").sort(),
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseYaml, type YamlSource } from "../../src/documents/yaml-source.js";

const text = `# comment
name:   hello
empty:
command: [/bin/sh, -c, "echo hi"]
network:
  mode: none
  listen:
    - 8080
    - { port: 80, proto: x }
list:
  - a
  -
  - c
`;

function source(): YamlSource {
  const r = parseYaml(text, "x.yaml");
  assert.ok(r.ok);
  return r.source;
}

test("locates values and keys by path", () => {
  const s = source();
  assert.deepEqual(s.locate(["name"]), { line: 2, column: 9 });
  assert.deepEqual(s.locate(["name"], "key"), { line: 2, column: 1 });
  assert.deepEqual(s.locate(["command", 2]), { line: 4, column: 24 });
  assert.deepEqual(s.locate(["network", "mode"]), { line: 6, column: 9 });
  assert.deepEqual(s.locate(["network", "listen", 1, "proto"], "key"), { line: 9, column: 19 });
  assert.deepEqual(s.locate(["network", "listen", 0]), { line: 8, column: 7 });
});

test("empty values and empty list items do not shift positions", () => {
  const s = source();
  assert.deepEqual(s.locate(["empty"]), { line: 3, column: 1 });
  assert.deepEqual(s.locate(["command"], "key"), { line: 4, column: 1 });
  assert.deepEqual(s.locate(["list", 2]), { line: 13, column: 5 });
});

test("a missing path falls back to the nearest ancestor", () => {
  const s = source();
  assert.deepEqual(s.locate(["network", "nope"]), { line: 6, column: 3 });
});

test("syntax errors carry a position", () => {
  const r = parseYaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml");
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /flow collection/);
    assert.equal(r.position.line, 3);
  }
  const dup = parseYaml("a: 1\na: 2\n", "dup.yaml");
  assert.equal(dup.ok, false);
  if (!dup.ok) assert.deepEqual([dup.message, dup.position.line], ["duplicated mapping key", 2]);
});

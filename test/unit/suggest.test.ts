import assert from "node:assert/strict";
import { test } from "node:test";
import { closest, editDistance } from "../../src/documents/suggest.js";

test("edit distance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("same", "same"), 0);
});

test("closest suggests a likely typo and nothing for unrelated words", () => {
  assert.equal(closest("comand", ["command", "name", "env"]), "command");
  assert.equal(closest("NETWORK", ["network", "name"]), "network");
  assert.equal(closest("zzzzzz", ["command", "name", "env"]), undefined);
});

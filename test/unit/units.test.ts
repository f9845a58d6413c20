import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSize, parseSize } from "../../src/documents/units.js";

test("sizes with binary units", () => {
  assert.equal(parseSize("256Mi"), 256 * 1024 * 1024);
  assert.equal(parseSize("1Gi"), 1024 ** 3);
  assert.equal(parseSize("1.5G"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("64k"), 65536);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize(4096), 4096);
});

test("malformed sizes are refused", () => {
  assert.equal(parseSize("lots"), undefined);
  assert.equal(parseSize("12Xi"), undefined);
  assert.equal(parseSize(-1), undefined);
  assert.equal(parseSize(1.5), undefined);
});

test("sizes print in the largest exact unit", () => {
  assert.equal(formatSize(64 * 1024 * 1024), "64Mi");
  assert.equal(formatSize(1536), "1536 B");
  assert.equal(formatSize(2 * 1024 ** 3), "2Gi");
});

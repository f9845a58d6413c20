import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveIdentity } from "../../src/host/identity.js";

const passwd =
  "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const group = "root:x:0:\nwww-data:x:33:\nadm:x:4:www-data\nnogroup:x:65534:\n";

test("a user name resolves with its groups", () => {
  const r = resolveIdentity("www-data", passwd, group);
  assert.deepEqual(r, {
    ok: true,
    identity: { uid: 33, gid: 33, groups: [4], name: "www-data", home: "/var/www" },
  });
});

test("numeric ids and user:group", () => {
  const r = resolveIdentity("1000:65534", passwd, group);
  assert.deepEqual(r, {
    ok: true,
    identity: { uid: 1000, gid: 65534, groups: [], name: "1000", home: "/" },
  });
  const r2 = resolveIdentity("nobody:www-data", passwd, group);
  assert.ok(r2.ok && r2.identity.gid === 33);
});

test("unknown names are errors", () => {
  assert.equal(resolveIdentity("nosuch", passwd, group).ok, false);
  assert.equal(resolveIdentity("nobody:nogrp", passwd, group).ok, false);
});

/** src/seccomp/arches.ts: the one table of architectures, held to libseccomp. */
import assert from "node:assert/strict";
import { arch as nodeArch } from "node:os";
import { test } from "node:test";
import {
  ARCHITECTURES,
  architectureAlias,
  fromNodeArch,
  KNOWN_ARCHITECTURES,
} from "../../src/seccomp/arches.js";
import { compileFilters } from "../../src/seccomp/compile.js";
import { filterArchitectures } from "../../src/seccomp/explain.js";
import { loadNative } from "../../src/native/seccomp.js";

const native = loadNative({ optional: true });

test(
  "each architecture's AUDIT_ARCH is the one libseccomp's filter for it checks",
  { skip: native ? false : "the native addon is not built (npm run build)" },
  () => {
    assert.ok(native);
    for (const a of ARCHITECTURES) {
      const [filter] = compileFilters(
        {
          defaultAction: { action: "errno", errno: "EPERM" },
          badArchAction: "kill_process",
          architectures: [a.name],
          syscalls: [],
        },
        native,
      );
      assert.ok(filter);
      assert.deepEqual(filterArchitectures(filter.bpf), [a.name], a.name);
    }
  },
);

test("names: libseccomp's are the project's; Go's, Node's and uname's lead to them", () => {
  assert.deepEqual(KNOWN_ARCHITECTURES, ["x86_64", "aarch64", "x86", "arm"]);
  for (const a of ARCHITECTURES) {
    assert.equal(a.scmp, `SCMP_ARCH_${a.name.toUpperCase()}`);
    assert.equal(fromNodeArch(a.node), a.name);
    for (const n of [...a.goNames, ...a.uname, a.node])
      assert.equal(architectureAlias(n), a.name, n);
  }
  assert.equal(architectureAlias("x32"), undefined);
  assert.equal(architectureAlias("sparc64"), undefined);
  // This host's architecture is one of them (the tests run on x86_64 or aarch64).
  assert.ok(fromNodeArch(nodeArch()));
});

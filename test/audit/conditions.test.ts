/** Argument conditions, readably. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { allowConditions, conditionText, ruleText } from "../../src/audit/conditions.js";
import type { SeccompSpec, SyscallRule } from "../../src/plan/types.js";

const spec = (syscalls: SyscallRule[]): SeccompSpec => ({
  defaultAction: { action: "errno", errno: "ENOSYS" },
  badArchAction: "kill_process",
  architectures: ["x86_64"],
  syscalls,
});

test("values are named where the syscall and argument say what they are", () => {
  assert.equal(conditionText("socket", { index: 0, op: "eq", value: 1 }), "arg0 == AF_UNIX");
  assert.equal(conditionText("socketpair", { index: 0, op: "eq", value: 10 }), "arg0 == AF_INET6");
  assert.equal(conditionText("socket", { index: 0, op: "eq", value: 99 }), "arg0 == 99");
  assert.equal(
    ruleText("socket", [
      { index: 0, op: "eq", value: 16 },
      { index: 2, op: "eq", value: 0 },
    ]),
    "arg0 == AF_NETLINK and arg2 == NETLINK_ROUTE",
  );
  assert.equal(
    conditionText("ioctl", { index: 1, op: "masked_eq", value: 0x5412, mask: 0xffffffff }),
    "(arg1 & 0xffffffff) == TIOCSTI",
  );
  assert.equal(
    conditionText(
      "ioctl",
      { index: 1, op: "masked_eq", value: 0x5412, mask: 0xffffffff },
      undefined,
      true,
    ),
    "(arg1 & 0xffffffff) != TIOCSTI",
  );
  assert.equal(
    conditionText("clone", { index: 0, op: "masked_eq", value: 0, mask: 0x10000000 | 0x40000000 }),
    "(arg0 & (CLONE_NEWUSER|CLONE_NEWNET)) == 0",
  );
  assert.equal(
    conditionText("clone", { index: 0, op: "masked_eq", value: 0, mask: 0x7 }),
    "(arg0 & 0x7) == 0",
  );
  assert.equal(conditionText("personality", { index: 0, op: "eq", value: 0 }), "arg0 == PER_LINUX");
  assert.equal(conditionText("read", { index: 2, op: "lt", value: 70000 }), "arg2 < 0x11170");
  assert.equal(
    conditionText("read", { index: 2, op: "ge", value: 7 }, undefined, true),
    "arg2 < 7",
  );
});

test("alternatives, refusals that win over them, and conditions that always hold", () => {
  const ioctl = allowConditions(spec([]), [
    { name: "ioctl", action: "allow", args: [{ index: 1, op: "ge", value: 0 }], reasons: [] },
    {
      name: "ioctl",
      action: "errno",
      errno: "EPERM",
      args: [{ index: 1, op: "masked_eq", value: 0x5412, mask: 0xffffffff }],
      reasons: [],
    },
  ]);
  assert.deepEqual(ioctl.allowedWhen, [], "arg1 >= 0 always holds");
  assert.deepEqual(ioctl.refusedWhen, [
    { condition: "(arg1 & 0xffffffff) == TIOCSTI", verdict: "errno EPERM" },
  ]);
  assert.equal(ioctl.condition, "(arg1 & 0xffffffff) != TIOCSTI");

  const socket = allowConditions(spec([]), [
    { name: "socket", action: "allow", args: [{ index: 0, op: "eq", value: 1 }], reasons: [] },
    {
      name: "socket",
      action: "allow",
      args: [
        { index: 0, op: "eq", value: 16 },
        { index: 2, op: "eq", value: 0 },
      ],
      reasons: [],
    },
    {
      name: "socket",
      action: "kill_process",
      args: [{ index: 1, op: "eq", value: 3 }],
      reasons: [],
    },
  ]);
  assert.equal(
    socket.condition,
    "(arg0 == AF_UNIX or (arg0 == AF_NETLINK and arg2 == NETLINK_ROUTE)) and arg1 != 3",
  );

  const plain = allowConditions(spec([]), [{ name: "read", action: "allow", reasons: [] }]);
  assert.deepEqual(plain, { allowedWhen: [], refusedWhen: [], condition: "" });

  // A conditional rule with the default action adds nothing: libseccomp leaves it out.
  const same = allowConditions(spec([]), [
    { name: "read", action: "allow", reasons: [] },
    {
      name: "read",
      action: "errno",
      errno: "ENOSYS",
      args: [{ index: 0, op: "eq", value: 5 }],
      reasons: [],
    },
  ]);
  assert.equal(same.condition, "");
});

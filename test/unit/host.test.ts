import assert from "node:assert/strict";
import { test } from "node:test";
import { cgroupHierarchies, parseProcCgroup } from "../../src/host/cgroups.js";
import { parseLimits } from "../../src/host/facts.js";

test("hard limits are read from /proc/self/limits", () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max core file size        0                    unlimited            bytes
Max processes             95461                95461                processes
Max open files            1024                 20000                files
`;
  assert.deepEqual(parseLimits(text), {
    core: { hard: null },
    nproc: { hard: 95461 },
    nofile: { hard: 20000 },
  });
});

test("hybrid cgroup layout: v1 controllers and the unified hierarchy", () => {
  const mountinfo = [
    "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory",
    "31 25 0:27 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
    "32 25 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  ].join("\n");
  const cg = "4:memory:/app/x\n8:pids:/\n0::/\n";
  const h = cgroupHierarchies(mountinfo, cg, () => "hugetlb\n");
  assert.deepEqual(h, [
    {
      version: 1,
      controllers: ["memory"],
      mountPoint: "/sys/fs/cgroup/memory",
      ownDir: "/sys/fs/cgroup/memory/app/x",
    },
    {
      version: 1,
      controllers: ["pids"],
      mountPoint: "/sys/fs/cgroup/pids",
      ownDir: "/sys/fs/cgroup/pids/",
    },
    {
      version: 2,
      controllers: ["hugetlb"],
      mountPoint: "/sys/fs/cgroup/unified",
      ownDir: "/sys/fs/cgroup/unified/",
    },
  ]);
});

test("pure v2 in a cgroup namespace whose root is below the mount's", () => {
  const mountinfo = "40 1 0:30 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate";
  const h = cgroupHierarchies(
    mountinfo,
    "0::/user.slice/session-1.scope\n",
    () => "cpu memory pids\n",
  );
  assert.deepEqual(h, [
    {
      version: 2,
      controllers: ["cpu", "memory", "pids"],
      mountPoint: "/sys/fs/cgroup",
      ownDir: "/sys/fs/cgroup/session-1.scope",
    },
  ]);
  assert.deepEqual(parseProcCgroup("0::/a:b\n"), [{ controllers: [], path: "/a:b", v2: true }]);
});

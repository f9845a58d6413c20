/** The systemd export passes `systemd-analyze verify` without a word: any warning (an unknown
 * directive, a value systemd cannot parse, a syscall name it does not know) fails the test. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { exportSystemd } from "../../src/export/index.js";
import type { Plan } from "../../src/plan/types.js";
import { tempDir } from "../helpers.js";
import { NET_APP, examplePlan, planOfText } from "./plans.js";

const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const skip = analyze.status === 0 ? false : "systemd-analyze is not installed (Debian: systemd)";
const tmp = tempDir("export-systemd");

/** What systemd-analyze verify says about the unit (stdout and stderr), and its status. */
function verify(name: string, text: string): { status: number | null; output: string } {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.service`);
  writeFileSync(file, text);
  const r = spawnSync("systemd-analyze", ["verify", file], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, SYSTEMD_LOG_COLOR: "0", SYSTEMD_PAGER: "" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function unit(plan: Plan): string {
  const file = exportSystemd(plan).entries[0];
  assert.ok(file?.kind === "file");
  return file.content;
}

describe("systemd export", { skip }, () => {
  after(() => {
    tmp.remove();
  });

  test("hello.yaml: systemd-analyze verify says nothing", () => {
    const text = unit(examplePlan("hello.yaml"));
    assert.match(text, /^DynamicUser=yes$/m);
    assert.match(text, /^SystemCallErrorNumber=ENOSYS$/m);
    assert.match(text, /^MemoryMax=67108864$/m);
    assert.match(text, /^TasksMax=32$/m);
    assert.match(text, /^PrivateNetwork=yes$/m);
    assert.match(text, /^RestrictAddressFamilies=none$/m);
    assert.match(text, /^# argument conditions cannot be expressed/m);
    assert.deepEqual(verify("hello", text), { status: 0, output: "" });
  });

  test("an app with ports, a capability, binds and restarts: verify says nothing", () => {
    const text = unit(planOfText(NET_APP));
    assert.match(text, /^User=1000$/m);
    assert.match(text, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
    assert.match(text, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
    assert.match(text, /^SocketBindAllow=tcp:80$/m);
    assert.match(text, /^SocketBindAllow=udp:5353$/m);
    assert.match(text, /^SocketBindDeny=any$/m);
    assert.match(text, /^RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX$/m);
    assert.match(text, /^BindPaths=\/var\/tmp:\/srv\/data$/m);
    assert.match(text, /^BindReadOnlyPaths=.*\/usr\/share\/zoneinfo:\/etc\/web/m);
    assert.match(
      text,
      /^TemporaryFileSystem=\/var\/cache\/web:size=16777216,mode=1777,nosuid,nodev,noexec$/m,
    );
    assert.match(text, /^CPUQuota=50%$/m);
    assert.match(text, /^MemorySwapMax=67108864$/m);
    assert.match(text, /^Restart=on-failure$/m);
    assert.match(text, /^StartLimitBurst=4$/m);
    assert.match(text, /^Environment="GREETING=50%% of \$HOME \\"quoted\\""$/m);
    assert.deepEqual(verify("web", text), { status: 0, output: "" });
  });

  test("a rootfs app becomes RootDirectory=: verify says nothing", () => {
    const rootfs = join(tmp.dir, "rootfs");
    mkdirSync(join(rootfs, "bin"), { recursive: true });
    mkdirSync(join(rootfs, "etc"), { recursive: true });
    writeFileSync(join(rootfs, "bin/true"), "");
    writeFileSync(
      join(rootfs, "etc/passwd"),
      "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
    );
    writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\n");
    const text = unit(
      planOfText(
        "apiVersion: secure-run/v1\nkind: App\nname: rf\ncommand: [/bin/true]\nroot: { rootfs: ./rootfs }\nuser: app\n",
        join(tmp.dir, "rf.yaml"),
      ),
    );
    assert.match(text, new RegExp(`^RootDirectory=${rootfs}$`, "m"));
    assert.deepEqual(verify("rf", text).output, "");
  });

  test("the check can fail: a directive systemd does not know, a bad value", () => {
    const text = unit(examplePlan("hello.yaml")).replace(
      "[Service]\n",
      "[Service]\nPrivateNetworks=yes\nMemoryMax=lots\n",
    );
    const r = verify("bad", text);
    assert.match(r.output, /Unknown key 'PrivateNetworks'/);
    assert.match(r.output, /Invalid memory limit 'lots'/);
  });
});

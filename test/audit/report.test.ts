/** secure-run audit, the computed document: score, counts, syscalls with their risk and reasons,
 * the other sections, what the host enforces, the baseline and the comparison of apps. */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  auditApps,
  renderAuditJson,
  type AppAudit,
  type AuditReport,
} from "../../src/audit/index.js";
import { archSyscalls } from "../../src/seccomp/syscall-table.js";
import { SCORE_RULES } from "../../src/audit/score.js";
import { loadApp } from "../../src/appspec/load.js";
import { makePlan } from "../../src/plan/make.js";
import { importDockerProfile } from "../../src/seccomp/docker.js";
import { loadNative } from "../../src/native/seccomp.js";
import { DOCKER_DEFAULT_CAPABILITIES } from "../../src/plan/seccomp-source.js";
import { expectedVerdict, interestingArgs, rulesFor } from "../../src/seccomp/verdict.js";
import { debianHost } from "../fixtures/hosts.js";
import { tempDir } from "../helpers.js";
import {
  accounts,
  baselineProfile,
  fixed,
  hello,
  pythonWeb,
  riskyApp,
  riskyConfig,
} from "./fixtures.js";

const native = loadNative({ optional: true });
const skip = native ? false : "the native addon is not built (npm run build)";
const baselineFile = baselineProfile();

const tmp = tempDir("audit-report");
after(() => {
  tmp.remove();
});

describe("one app", { skip }, () => {
  let report: AuditReport;
  before(() => {
    report = auditApps([hello], { ...fixed, architectures: ["x86_64", "aarch64"] });
  });

  test("a document of kind Audit, the same on every machine", () => {
    assert.equal(report.apiVersion, "secure-run/v1");
    assert.equal(report.kind, "Audit");
    assert.deepEqual(report.architectures, ["x86_64", "aarch64"]);
    assert.equal(report.host.kernel, debianHost.kernel);
    assert.equal(report.host.checks, null);
    assert.equal(report.comparison, null);
    assert.equal(report.baseline, null);
    const again = auditApps([hello], { ...fixed, architectures: ["x86_64", "aarch64"] });
    assert.equal(renderAuditJson(again), renderAuditJson(report));
  });

  test("the score is the capped sum of its factors, each listed, with the method", () => {
    const [app] = report.apps;
    assert.ok(app);
    const sum = app.score.factors.reduce((s, f) => s + f.points, 0);
    assert.equal(app.score.value, Math.min(10, Math.round(sum * 10) / 10));
    assert.deepEqual(
      app.score.factors.map((f) => f.id),
      SCORE_RULES.map((r) => r.id),
    );
    assert.equal(app.score.method.length, SCORE_RULES.length + 1);
    const byId = new Map(app.score.factors.map((f) => [f.id, f.points]));
    assert.equal(byId.get("network.host"), 0, "hello has a private network");
    assert.equal(byId.get("selinux"), 0.5, "SELinux is disabled on the fixed host");
    assert.equal(byId.get("limits.missing"), 0.5, "hello sets no cpu limit");
    const medium = app.syscalls.filter((s) => s.risk === "medium").length;
    assert.equal(byId.get("syscalls.medium"), Math.round(Math.min(1.5, medium * 0.05) * 100) / 100);
  });

  test("counts: allowed syscalls per architecture out of the architecture's total", () => {
    const [app] = report.apps;
    assert.ok(app && native);
    for (const arch of ["x86_64", "aarch64"]) {
      const c: AppAudit["counts"]["syscalls"][number] | undefined = app.counts.syscalls.find(
        (x) => x.arch === arch,
      );
      assert.ok(c);
      assert.equal(c.total, archSyscalls(native, arch).length);
      assert.equal(c.allowed, app.syscalls.filter((s) => s.arches.includes(arch)).length);
      assert.ok(c.allowed > 50 && c.allowed < c.total);
    }
    const x86 = app.counts.syscalls[0]?.allowed ?? 0;
    const arm = app.counts.syscalls[1]?.allowed ?? 0;
    assert.ok(x86 > arm, "aarch64 has no open, stat, fork…");
    const aarch64 = app.seccomp.arches.find((a) => a.arch === "aarch64");
    assert.ok(aarch64?.absent.includes("open"));
    assert.equal(app.counts.capabilities, 0);
    assert.equal(app.counts.writablePaths, app.filesystem.writable.length);
  });

  test("every allowed syscall: group, risk, why, reasons; high risk first", () => {
    const [app] = report.apps;
    assert.ok(app);
    const order = { high: 0, medium: 1, low: 2 };
    for (let i = 1; i < app.syscalls.length; i++) {
      const a = app.syscalls[i - 1];
      const b = app.syscalls[i];
      assert.ok(a && b && order[a.risk] <= order[b.risk], `${a?.name} before ${b?.name}`);
    }
    const { plan } = makePlan(loadApp(hello), { host: debianHost, accounts });
    const allowed = new Set(
      plan.seccomp.syscalls.filter((r) => r.action === "allow").map((r) => r.name),
    );
    assert.deepEqual(new Set(app.syscalls.map((s) => s.name)), allowed);
    for (const s of app.syscalls) {
      assert.ok(s.why.length > 0 && s.reasons.length > 0 && s.group.length > 0, s.name);
      assert.ok(s.groups.includes(s.group), s.name);
    }
    const clone = app.syscalls.find((s) => s.name === "clone");
    assert.equal(clone?.group, "process");
    assert.equal(clone.risk, "medium");
    assert.match(clone.condition, /^\(arg0 & \(CLONE_[A-Z|_]+\)\) == 0$/);
    assert.ok(clone.reasons.some((r) => r.ref === "syscalls.clone-no-namespaces"));
    const ioctl = app.syscalls.find((s) => s.name === "ioctl");
    assert.equal(
      ioctl?.condition,
      "(arg1 & 0xffffffff) != TIOCSTI and (arg1 & 0xffffffff) != TIOCLINUX",
    );
    assert.deepEqual(
      ioctl.refusedWhen.map((r) => r.verdict),
      ["errno EPERM", "errno EPERM"],
    );
    const read = app.syscalls.find((s) => s.name === "read");
    assert.deepEqual([read?.risk, read?.group, read?.condition], ["low", "base", ""]);
    assert.equal(app.seccomp.defaultAction, "errno ENOSYS");
    assert.ok(app.seccomp.refused.some((r) => r.name === "ptrace" && r.verdict === "errno EPERM"));
  });

  test("the other sections, and what this host enforces — never more", () => {
    const [app] = report.apps;
    assert.ok(app);
    assert.equal(app.capabilities.keep.length, 0);
    assert.equal(app.capabilities.dropped.length, 41);
    assert.deepEqual(
      app.filesystem.writable.map((w) => [w.path, w.kind]),
      [
        ["/dev", "private"],
        ["/tmp", "private"],
      ],
    );
    assert.ok(app.filesystem.masked.includes("/proc/kcore"));
    assert.ok(app.filesystem.readOnly.includes("/proc/sys"));
    assert.ok(app.filesystem.root.some((m) => m.target === "/usr" && m.readOnly));
    assert.equal(app.network.mode, "none");
    assert.deepEqual(app.network.listen, []);
    assert.equal(app.limits.memory.max, 64 * 2 ** 20);
    assert.equal(app.limits.pids.max, 32);
    assert.equal(app.limits.cpu, null);
    assert.ok(app.process.userNamespace);
    assert.equal(app.lifecycle.restart, "no");
    assert.equal(
      app.selinux.statement,
      "planned container_t (files container_file_t, s0 with 2 categories per instance), NOT enforced on this host (SELinux is disabled)",
    );
    const se = app.enforcement.find((e) => e.layer === "SELinux");
    assert.deepEqual([se?.enforced, se?.detail], [false, "SELinux is disabled"]);
    const ll = app.enforcement.find((e) => e.layer === "Landlock filesystem");
    assert.equal(ll?.enforced, true);
  });

  test("a host without Landlock or SELinux: the audit says NOT enforced and scores it", () => {
    const host = { ...debianHost, landlock: { abi: 0 } };
    const r = auditApps([hello], { ...fixed, host });
    const [app] = r.apps;
    assert.ok(app);
    const ll = app.enforcement.find((e) => e.layer === "Landlock filesystem");
    assert.equal(ll?.enforced, false);
    assert.equal(app.score.factors.find((f) => f.id === "landlock")?.points, 1.5);
  });
});

describe("an app that leaves much open", { skip }, () => {
  let report: AuditReport;
  before(() => {
    mkdirSync(join(tmp.dir, "data"));
    const file = tmp.write("risky.yaml", riskyApp);
    report = auditApps([file], { ...fixed, config: riskyConfig });
  });

  test("its own syscalls: a dangerous one is high risk, an unknown one medium", () => {
    const [app] = report.apps;
    assert.ok(app);
    const ptrace = app.syscalls.find((s) => s.name === "ptrace");
    assert.deepEqual(
      [ptrace?.risk, ptrace?.riskSource, ptrace?.group],
      ["high", "dangerous", "app"],
    );
    assert.ok(ptrace?.reasons.some((r) => r.kind === "field" && r.ref === "syscalls.allow[0]"));
    assert.equal(app.syscalls[0]?.name, "ptrace", "high risk first");
    const mlock = app.syscalls.find((s) => s.name === "mlock");
    assert.deepEqual([mlock?.risk, mlock?.riskSource], ["medium", "unknown"]);
    const socket = app.syscalls.find((s) => s.name === "socket");
    assert.ok(socket);
    assert.ok(socket.allowedWhen.includes("arg0 == AF_UNIX"));
    assert.ok(socket.allowedWhen.includes("arg0 == AF_NETLINK and arg2 == NETLINK_ROUTE"));
  });

  test("the score adds up what is open and stops at 10", () => {
    const [app] = report.apps;
    assert.ok(app);
    const p = new Map(app.score.factors.map((f) => [f.id, f.points]));
    assert.equal(p.get("network.host"), 2);
    assert.equal(p.get("network.ports"), 0.75);
    assert.equal(p.get("syscalls.high"), 1);
    assert.equal(p.get("filesystem.writable-host"), 1.5);
    assert.ok((p.get("capabilities") ?? 0) >= 2.5, "SYS_ADMIN is dangerous: +2, NET_RAW +0.5");
    const sum = app.score.factors.reduce((s, f) => s + f.points, 0);
    assert.ok(sum > 10);
    assert.equal(app.score.value, 10);
    assert.deepEqual(
      app.filesystem.writable.filter((w) => w.kind === "host").map((w) => w.path),
      ["/data"],
    );
    assert.ok(app.capabilities.keep.some((k) => k.name === "SYS_ADMIN" && k.dangerous));
    assert.deepEqual(
      app.network.listen.map((l) => l.port),
      [80],
    );
    assert.deepEqual(
      app.network.connect.map((l) => l.port),
      [443],
    );
  });
});

describe("baseline", { skip }, () => {
  test("without --baseline: compared with nothing", () => {
    const r = auditApps([hello], fixed);
    assert.equal(r.baseline, null);
    assert.equal(r.apps[0]?.baseline, null);
  });

  test("Podman's default profile (Debian's): the differences both ways add up, as the profile says", () => {
    assert.ok(native);
    const r = auditApps([hello, pythonWeb], {
      ...fixed,
      architectures: ["x86_64", "aarch64"],
      baseline: baselineFile,
    });
    assert.equal(r.baseline?.label, "seccomp.json");
    const json = JSON.parse(readFileSync(baselineFile, "utf8")) as unknown;
    for (const app of r.apps) {
      const b = app.baseline;
      assert.ok(b);
      assert.deepEqual(b.capabilities.baseline, DOCKER_DEFAULT_CAPABILITIES);
      for (const a of b.arches) {
        assert.equal(a.both + a.onlyBaseline.length, a.baselineAllowed);
        assert.equal(a.both + a.onlyPlan.length, a.planAllowed);
        // Independently: what the imported profile allows on this architecture.
        const { spec } = importDockerProfile(json, {
          arch: a.arch,
          capabilities: DOCKER_DEFAULT_CAPABILITIES,
          kernel: debianHost.kernel,
          source: baselineFile,
          native,
        });
        const allows = (name: string): boolean =>
          interestingArgs(rulesFor(spec, name)).some(
            (args) => expectedVerdict(spec, name, args).action === "allow",
          );
        const mine = new Set(
          app.syscalls.filter((s) => s.arches.includes(a.arch)).map((s) => s.name),
        );
        for (const n of a.onlyBaseline) assert.ok(allows(n) && !mine.has(n), n);
        for (const n of a.onlyPlan) assert.ok(!allows(n) && mine.has(n), n);
        assert.ok(a.onlyBaseline.includes("ptrace") || !allows("ptrace"));
        assert.ok(a.baselineAllowed > 250, `${a.arch}: ${a.baselineAllowed}`);
      }
    }
  });

  test("an unreadable baseline is bad input (exit 2)", () => {
    assert.throws(
      () => auditApps([hello], { ...fixed, baseline: join(tmp.dir, "missing.json") }),
      (e: unknown) => (e as { exitCode?: number }).exitCode === 2,
    );
  });
});

describe("several apps", { skip }, () => {
  test("side by side, and the syscalls one allows and another does not", () => {
    const r = auditApps([hello, pythonWeb], { ...fixed, architectures: ["x86_64", "aarch64"] });
    const cmp = r.comparison;
    assert.ok(cmp);
    assert.deepEqual(
      cmp.rows.map((x) => x.name),
      ["hello", "python-web"],
    );
    const [h, p] = r.apps;
    assert.ok(h && p);
    assert.equal(cmp.rows[1]?.score, p.score.value);
    assert.deepEqual(cmp.rows[1]?.listen, [8080]);
    for (const d of cmp.differences) {
      const names = (a: typeof h): Set<string> =>
        new Set(a.syscalls.filter((s) => s.arches.includes(d.arch)).map((s) => s.name));
      const hs = names(h);
      const ps = names(p);
      const expected = [...new Set([...hs, ...ps])].filter((n) => hs.has(n) !== ps.has(n)).sort();
      assert.deepEqual(
        d.syscalls.map((x) => x.name),
        expected,
      );
      for (const x of d.syscalls)
        assert.deepEqual(x.allowedBy, [hs.has(x.name) ? "hello" : "python-web"]);
      assert.ok(d.syscalls.length > 0);
    }
  });
});

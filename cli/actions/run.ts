/** `run`: an app in its sandbox, supervised by this process or (warm) by the launcher alone. */
import { ensureImages } from "../../src/images/app.js";
import { realpathSync } from "node:fs";
import { formatSize } from "../../src/documents/units.js";
import { InputError } from "../../src/errors.js";
import { cacheDebug, execBundle } from "../../src/bundle/warm.cjs";
import { execAddon } from "../../src/native/exec.cjs";
import { cacheBundle, needsSupervision } from "../../src/bundle/run-cache.js";
import { noticesAreNew } from "../../src/bundle/said.js";
import { instanceSpec } from "../../src/instances/index.js";
import { runLifecycle } from "../../src/launch/lifecycle.js";
import { prepareRun, type Prepared } from "../../src/launch/prepare.js";
import type { LaunchReport } from "../../src/launch/run.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";
import { runDetached, type DetachFlags } from "./detach.js";

const FORWARDED: NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

export interface RunFlags {
  cgroupParent?: string;
  verbose?: boolean;
  json?: boolean;
  report?: boolean;
  explain?: boolean;
  quiet?: boolean;
}

/** When the launcher summarises the refused syscalls: --quiet never, --json never (the exit
 * report carries them), --report always, else when the app fails. */
export function refusalsSummary(flags: RunFlags): "auto" | "always" | "off" {
  if (flags.quiet || flags.json) return "off";
  return flags.report ? "always" : "auto";
}

function summary(name: string, r: LaunchReport): string {
  const how =
    r.status === "failed"
      ? `failed (${r.exitCode})`
      : r.status === "signaled"
        ? `was killed by signal ${r.signal ?? "?"}`
        : `exited with ${r.exitCode}`;
  const cpu = (r.cpu.userUs + r.cpu.systemUs) / 1e6;
  const peak =
    r.cgroup && r.cgroup.memoryPeak >= 0 ? `, peak memory ${formatSize(r.cgroup.memoryPeak)}` : "";
  return `${name} ${how} after ${(r.wallUs / 1e6).toFixed(2)} s; cpu ${cpu.toFixed(2)} s${peak}${r.oomKilled ? "; killed by its memory limit" : ""}`;
}

/** What names the app for the notices already said: its file's real path; for `exec`, its
 * command line as the flags made it. */
function appKey(prepared: Prepared): string {
  const { loaded } = prepared;
  try {
    return `app:${realpathSync(loaded.file)}`;
  } catch {
    return `spec:${JSON.stringify(loaded.spec)}`;
  }
}

/** Runs a prepared plan with the CLI's signal forwarding and reporting; sets io.exitCode. */
export async function runPrepared(prepared: Prepared, io: CliIO, flags: RunFlags): Promise<void> {
  const { plan } = prepared;
  if (flags.verbose || noticesAreNew(appKey(prepared), plan.notices))
    for (const n of plan.notices) io.stderr.write(`${io.err.yellow("secure-run: notice:")} ${n}\n`);
  const handlers = new Map<NodeJS.Signals, () => void>();
  const many = plan.lifecycle.instances > 1;
  const label = (i: number): string => (many ? `${plan.name}[${i}]` : plan.name);
  try {
    // The app runs under the notifying filter; the plan's own answers each refusal, which the
    // launcher counts (and with --explain reports at once).
    const { exitCode } = await runLifecycle(plan, prepared.notifying.bpf, {
      landlockAbi: prepared.host.landlock.abi ?? 0,
      ...(flags.cgroupParent ? { cgroupParent: flags.cgroupParent } : {}),
      ...(flags.explain
        ? { explain: { bpf: prepared.filter.bpf, json: Boolean(flags.json) } }
        : {}),
      refusals: {
        bpf: prepared.filter.bpf,
        fixes: prepared.fixes,
        summary: refusalsSummary(flags),
      },
      onLayerLeft: (message) => {
        io.stderr.write(`${io.err.red("secure-run:")} cleanup: ${message}\n`);
      },
      onStart: (forward) => {
        for (const sig of FORWARDED) {
          const h = (): void => {
            forward(sig);
          };
          handlers.set(sig, h);
          process.on(sig, h);
        }
      },
      onEvent: (ev) => {
        if (ev.kind === "restart") {
          io.stderr.write(
            `${io.err.yellow("secure-run:")} restarting ${label(ev.instance)} (restart ${ev.attempt}) in ${ev.delayMs} ms\n`,
          );
          return;
        }
        const report = ev.report;
        const who = label(ev.instance);
        if (report.status === "failed" && report.error) {
          const e = report.error;
          const what =
            report.exitCode === 127
              ? "command not found"
              : report.exitCode === 126
                ? "command cannot be invoked"
                : `launch failed at step "${e.step}"`;
          io.stderr.write(
            `${io.err.red("secure-run:")} ${many ? `${who}: ` : ""}${what}: ${e.message}${e.detail ? `: ${e.detail}` : ""}\n`,
          );
        }
        if (report.oomKilled) {
          io.stderr.write(
            `${io.err.red("secure-run:")} ${who} was killed by its memory limit (${formatSize(plan.cgroup.memory.max)})\n`,
          );
        }
        if (report.cleanupError)
          io.stderr.write(`${io.err.red("secure-run:")} cleanup: ${report.cleanupError}\n`);
        if (flags.json) {
          io.stderr.write(
            `${JSON.stringify({ event: "exit", app: plan.name, instance: ev.instance, attempt: ev.attempt, ...report })}\n`,
          );
        } else if (flags.report || many || plan.lifecycle.restart.policy !== "no") {
          io.stderr.write(`${io.err.dim(`secure-run: ${summary(who, report)}`)}\n`);
        }
      },
    });
    io.exitCode = exitCode;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}

export async function run(io: CliIO, file: string, opts: DetachFlags): Promise<void> {
  await ensureImages([file]);
  const prepared = prepareRun(file, {
    config: readConfig(opts.config),
    explain: Boolean(opts.explain),
  });
  if (opts.detach) {
    await runDetached(prepared, io, opts, { app: file, where: file });
    return;
  }
  if (opts.rm || opts.name)
    throw new InputError([
      { file: opts.rm ? "--rm" : "--name", path: "", message: "only with -d (--detach)" },
    ]);
  // A plan a bundle carries whole is compiled into the cache and launched from it: this
  // process becomes the launcher, and the next run of the unchanged app skips planning.
  const exec = process.env.SECURE_RUN_NO_CACHE ? null : execAddon();
  const supervised = needsSupervision(prepared, opts);
  if (supervised) cacheDebug(`not cached: ${supervised} need the supervising CLI`);
  if (exec && !supervised) {
    let bundle: { file: string; sha256: string } | undefined;
    try {
      bundle = cacheBundle(prepared, opts.config, { instance: instanceSpec(prepared.plan) });
    } catch (e) {
      io.stderr.write(
        `${io.err.yellow("secure-run: notice:")} not cached (${(e as Error).message}); running supervised\n`,
      );
    }
    if (bundle) {
      cacheDebug(`stored ${bundle.file}`);
      execBundle(exec, bundle, prepared.plan.notices, opts.cgroupParent, refusalsSummary(opts));
    }
  }
  await runPrepared(prepared, io, opts);
}

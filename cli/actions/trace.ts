/** `trace`: which syscalls an app really makes, learned as a profile. */
import { ensureImages } from "../../src/images/app.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../../src/errors.js";
import { loadApp } from "../../src/appspec/load.js";
import { loadFromFlags, type ExecFlags } from "../../src/appspec/from-flags.js";
import { prepareLoaded } from "../../src/launch/prepare.js";
import { loadProfiles } from "../../src/profiles/load.js";
import { addProfileReference } from "../../src/trace/merge.js";
import { learnedProfileText } from "../../src/trace/profile.js";
import { traceApp } from "../../src/trace/run.js";
import type { CliIO } from "../io.js";
import { readConfig } from "./config.js";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

export interface TraceFlags {
  duration?: string;
  exercise?: string;
  output?: string;
  write?: boolean;
  replace?: boolean;
  net?: string;
  listen: string[];
  volume: string[];
  env: string[];
  progress: boolean;
  bestEffort: string[];
  config?: string;
}

export async function trace(io: CliIO, target: string[], opts: TraceFlags): Promise<void> {
  const isApp = target.length === 1 && /\.ya?ml$/.test(target[0] ?? "");
  if (target.length === 0)
    throw new InputError([
      {
        file: "secure-run trace",
        path: "",
        message: "give an app definition, or a command after --",
      },
    ]);
  if (opts.write && !isApp)
    throw new InputError([
      { file: "--write", path: "", message: "--write needs an app definition to write into" },
    ]);
  const flags: ExecFlags = {
    env: opts.env,
    volume: opts.volume,
    tmpfs: [],
    listen: opts.listen,
    connect: [],
    capAdd: [],
    profile: [],
    bestEffort: opts.bestEffort,
    ...(opts.net ? { net: opts.net } : {}),
  };
  if (isApp) await ensureImages([target[0] ?? ""]);
  const loaded = isApp ? loadApp(target[0] ?? "") : loadFromFlags(target, flags);
  const prepared = prepareLoaded(loaded, { config: readConfig(opts.config) });
  const duration = opts.duration === undefined ? undefined : Number(opts.duration);
  if (duration !== undefined && !(duration > 0))
    throw new InputError([
      {
        file: "--duration",
        path: "",
        message: `expected seconds; got ${JSON.stringify(opts.duration)}`,
      },
    ]);
  const handlers: [NodeJS.Signals, () => void][] = [];
  const started = Date.now();
  let outcome;
  try {
    outcome = await traceApp(prepared, {
      progress: opts.progress,
      ...(duration !== undefined ? { durationS: duration } : {}),
      ...(opts.exercise ? { exercise: opts.exercise } : {}),
      onStart: (forward) => {
        for (const sig of FORWARDED) {
          const h = (): void => {
            forward(sig);
          };
          handlers.push([sig, h]);
          process.on(sig, h);
        }
      },
    });
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
  const name = `${prepared.plan.name}-learned`;
  const count = Object.keys(outcome.record.syscalls).length;
  let where = opts.output;
  if (opts.write && !where)
    where = join(dirname(resolve(target[0] ?? "")), `${prepared.plan.name}.profile.yaml`);
  const previous =
    where && !opts.replace && existsSync(where)
      ? { file: where, text: readFileSync(where, "utf8") }
      : undefined;
  const text = learnedProfileText(outcome.record, {
    name,
    source: isApp ? prepared.plan.name : target.join(" "),
    profiles: loadProfiles(),
    ...(previous ? { previous } : {}),
  });
  if (where) writeFileSync(where, text);
  else io.stdout.write(text);
  io.stderr.write(
    `secure-run: traced ${prepared.plan.name}: ${count} syscalls, ${outcome.record.calls} calls in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      `${where ? `; profile written to ${where}` : ""}\n`,
  );
  if (outcome.exercise)
    io.stderr.write(`secure-run: the exercise exited with ${String(outcome.exercise.exitCode)}\n`);
  if (opts.write && where) {
    const ref = `./${basename(where)}`;
    if (addProfileReference(target[0] ?? "", ref))
      io.stderr.write(`secure-run: added ${ref} to syscalls.profiles of ${target[0] ?? ""}\n`);
  }
  io.exitCode = outcome.exercise && outcome.exercise.exitCode !== 0 ? 1 : 0;
}

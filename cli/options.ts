/** Every option of the command line, each declared once: its flags, value, description, default,
 * parser and the commands that take it. The commands' commander options are made from this
 * table (`addOptions`), and so is docs/cli.md (scripts/gen-cli-docs.mjs). */
import { Option, type Command } from "commander";
import { AUDIT_FORMATS } from "../src/audit/formats.js";
import { InputError } from "../src/errors.js";
import { EXPORT_FORMATS } from "../src/export/formats.js";
import { FAIL_ON, type FailOn } from "../src/config/fail-on.js";
import { checkArchitectureNames } from "../src/seccomp/arch-names.js";
import { KNOWN_ARCHITECTURES } from "../src/seccomp/arches.js";

/** A command by its words after `secure-run` ("" is the program itself). */
export type CommandName =
  | ""
  | "plan"
  | "run"
  | "exec"
  | "review"
  | "diff"
  | "audit"
  | "seccomp compile"
  | "seccomp explain"
  | "compile"
  | "export"
  | "gc"
  | "doctor"
  | "profiles list"
  | "profiles show"
  | "trace"
  | "ps"
  | "logs"
  | "stop"
  | "kill"
  | "restart"
  | "start"
  | "rm"
  | "wait"
  | "inspect"
  | "stats"
  | "pause"
  | "unpause"
  | "load"
  | "images"
  | "rmi"
  | "image prune";

/** How one command takes an option: as the table says (`true`), or narrower. */
export type Use = true | { description?: string; required?: boolean; once?: boolean };

export interface OptionSpec {
  /** The spellings, e.g. "-o, --output"; a boolean option that is on by default is "--no-…". */
  flags: string;
  /** The value's name in help ("file" for `<file>`); none for a switch. */
  value?: string;
  description: string;
  /** Taken again adds to a list (the parser collects); said in help. */
  repeatable?: boolean;
  default?: readonly string[] | string;
  /** Turns the text given into the option's value; throws InputError (exit 2) on bad input. */
  parse?: (value: string, previous: never) => unknown;
  choices?: readonly string[];
  /** An environment variable that gives the value when the option is not on the command line. */
  env?: string;
  commands: Partial<Record<CommandName, Use>>;
}

const many = (v: string, previous: string[]): string[] => [...previous, v];

/** `--arch`: a comma list, repeatable; each name is one the filters know. */
export function architectures(value: string, previous: string[]): string[] {
  const given = value.split(",").filter((a) => a !== "");
  return checkArchitectureNames([...previous, ...given]);
}

function replicas(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000)
    throw new InputError([
      {
        file: "--replicas",
        path: "",
        message: `must be a whole number from 1 to 10000; got "${value}"`,
      },
    ]);
  return n;
}

/** `--fail-on`: a comma list, repeatable; each one of FAIL_ON. */
export function failOn(value: string, previous: FailOn[] | undefined): FailOn[] {
  const given = value.split(",").filter((t) => t !== "");
  for (const t of given)
    if (!(FAIL_ON as readonly string[]).includes(t))
      throw new InputError([
        {
          file: "--fail-on",
          path: "",
          message: `unknown threshold "${t}"`,
          hint: `one of ${FAIL_ON.join(", ")}`,
        },
      ]);
  return [...new Set([...(previous ?? []), ...(given as FailOn[])])];
}

const runAndExec = { run: true, exec: true } as const;

/** A whole number ≥ 0 given to `flag`. */
function count(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw new InputError([
        { file: flag, path: "", message: `expected a whole number ≥ 0; got "${value}"` },
      ]);
    return n;
  };
}
/** Flags `exec` builds an app from; `trace` takes some of them for a command after --. */
const forCommand = (d: string): Use => ({ description: `for a command: ${d}` });

/** The table, keyed by a name for each option (the value reaches a command's action under the
 * camelCase of its long flag, as commander names it). */
export const OPTIONS = {
  debug: {
    flags: "--debug",
    description: "show stack traces of internal errors",
    commands: { "": true },
  },
  config: {
    flags: "--config",
    value: "file",
    description: "the organisation's configuration (YAML; see schemas/config.schema.json)",
    env: "SECURE_RUN_CONFIG",
    commands: {
      plan: true,
      run: true,
      exec: true,
      review: true,
      diff: true,
      audit: true,
      "seccomp compile": true,
      "seccomp explain": true,
      compile: true,
      export: true,
      doctor: true,
      trace: true,
    },
  },
  exportFormat: {
    flags: "--format",
    value: "format",
    description: "what to export",
    choices: EXPORT_FORMATS,
    commands: { export: { required: true } },
  },
  diffFormat: {
    flags: "--format",
    value: "format",
    description: "output format (markdown: a pull-request comment)",
    choices: ["text", "json", "sarif", "markdown"],
    default: "text",
    commands: { diff: true },
  },
  base: {
    flags: "--base",
    value: "ref",
    description:
      "compare each app with its version in this git revision (following renames; with the profiles and --config as they were there)",
    commands: {
      diff: {
        description:
          "compare each APP (default: every app definition in the repository) with its version in this git revision, following renames; its profile files and --config as they were there",
      },
      review: {
        description: "also show what each app's plan gains and loses against this git revision",
      },
    },
  },
  failOn: {
    flags: "--fail-on",
    value: "list",
    description: `exit 1 when a change adds this: ${FAIL_ON.join(", ")} (comma list; default: the configuration's diff.failOn)`,
    repeatable: true,
    parse: failOn,
    commands: {
      diff: true,
      review: { description: "with --base: exit 1 when a change adds this (see diff)" },
    },
  },
  auditFormat: {
    flags: "--format",
    value: "format",
    description: "output format",
    choices: AUDIT_FORMATS,
    default: "text",
    commands: { audit: true },
  },
  reviewFormat: {
    flags: "--format",
    value: "format",
    description: "output format",
    choices: ["text", "json", "sarif", "markdown"],
    default: "text",
    commands: { review: true },
  },
  output: {
    flags: "-o, --output",
    value: "file",
    description: "write the report to a file instead of standard output",
    commands: {
      audit: true,
      review: true,
      diff: true,
      compile: { description: "where to write the bundle", required: true },
      "seccomp compile": {
        description: "where to write; with several architectures FILE.<arch>",
        required: true,
      },
      export: {
        description:
          "where to write (a new directory for oci and k8s; a file otherwise; default from the app's name)",
      },
      trace: {
        description:
          "write the profile here (default: standard output, or next to the app with --write)",
      },
    },
  },
  policy: {
    flags: "--policy",
    value: "dir",
    description: "your own Rego rules (deny/warn contains …); compiled with opa on PATH",
    repeatable: true,
    parse: many,
    default: [],
    commands: {
      review: true,
      export: {
        description:
          "gatekeeper: your own Rego; a package with violation rules (over input.review.object) becomes a template, others are listed in NOTES.md",
      },
    },
  },
  baseline: {
    flags: "--baseline",
    value: "file",
    description: "a Docker/OCI seccomp profile (JSON) to compare with",
    commands: { audit: true },
  },
  arch: {
    flags: "--arch",
    value: "arch",
    description: `${KNOWN_ARCHITECTURES.join(", ")} or a comma list of them; default: the host's`,
    repeatable: true,
    parse: architectures,
    default: [],
    commands: {
      audit: true,
      compile: { description: "architectures to include filters for; default: this host's" },
      "seccomp compile": true,
      "seccomp explain": {
        description: "the architecture; default: what a BPF file checks for, or the host's",
      },
      export: {
        description: "architectures of the seccomp profile; default: the host's",
      },
      "profiles show": {
        description: "only what exists on this architecture (given several, the last)",
        once: true,
      },
    },
  },
  caps: {
    flags: "--caps",
    value: "list",
    description: "for docker: sources, the capabilities the container has (default: Docker's)",
    commands: { "seccomp compile": true, "seccomp explain": true },
  },
  disassembly: {
    flags: "--no-disassembly",
    description: "only the verdicts",
    commands: { "seccomp explain": true },
  },
  replicas: {
    flags: "--replicas",
    value: "n",
    description: "k8s: a Deployment with N replicas instead of a Pod",
    parse: replicas,
    commands: { export: true },
  },
  name: {
    flags: "--name",
    value: "name",
    description: "the app's name (default: from the command)",
    commands: {
      exec: {
        description: "the app's name (default: from the command); with -d also the instance's name",
      },
      run: {
        description:
          "with -d: the instance's name, unique per user (default: <app>-<6 hex of its id>)",
      },
    },
  },
  detach: {
    flags: "-d, --detach",
    description:
      "start the app as a detached instance under its own supervisor, print its id and return (see docs/services.md)",
    commands: runAndExec,
  },
  rm: {
    flags: "--rm",
    description: "with -d: remove the instance (its state, log and writable layer) when it ends",
    commands: runAndExec,
  },
  all: {
    flags: "-a, --all",
    description: "all instances (default: those that run)",
    commands: {
      ps: true,
      "image prune": { description: "every image, named or not (default: unnamed ones)" },
    },
  },
  tag: {
    flags: "-t, --tag",
    value: "name",
    description: "a name for the image loaded (besides those the archive gives it)",
    repeatable: true,
    parse: many,
    default: [],
    commands: { load: true },
  },
  quiet: {
    flags: "-q, --quiet",
    description: "only the ids",
    commands: {
      ps: true,
      run: { description: "no summary of refused syscalls when the app fails" },
      exec: { description: "no summary of refused syscalls when the app fails" },
    },
  },
  psFormat: {
    flags: "--format",
    value: "template",
    description:
      "a line per instance from a template: {{.ID}} {{.Name}} {{.Status}} {{.App}} {{.Since}} {{.Restarts}} {{.Pids}} {{.Memory}} {{.Ports}} {{.ExitCode}} {{.Command}} {{.FullID}}",
    commands: { ps: true },
  },
  follow: {
    flags: "-f, --follow",
    description: "keep printing new records (across rotations) until the instance ends",
    commands: { logs: true },
  },
  tail: {
    flags: "--tail",
    value: "n",
    description: "only the last N records",
    parse: count("--tail"),
    commands: { logs: true },
  },
  since: {
    flags: "--since",
    value: "time",
    description:
      "only records since a time (2026-12-04T16:00:00Z) or for a duration back (10m, 1h30m)",
    commands: { logs: true },
  },
  timestamps: {
    flags: "-t, --timestamps",
    description: "begin each line with its time (RFC 3339, nanoseconds)",
    commands: { logs: true },
  },
  stopTime: {
    flags: "-t, --time",
    value: "seconds",
    description:
      "seconds to wait after the stop signal before the kill (default: the instance's, 10)",
    parse: count("--time"),
    commands: { stop: true, restart: true },
  },
  signal: {
    flags: "-s, --signal",
    value: "sig",
    description:
      "the signal (KILL ends the whole sandbox; TERM is a stop; HUP, INT, QUIT, USR1, USR2, WINCH reach the app)",
    default: "KILL",
    commands: { kill: true },
  },
  force: {
    flags: "-f, --force",
    description: "kill a running instance first",
    commands: { rm: true },
  },
  noStream: {
    flags: "--no-stream",
    description: "one sample, then return (default: refresh every second)",
    commands: { stats: true },
  },
  image: {
    flags: "--image",
    value: "ref",
    description:
      "an OCI image as the root: oci:DIR[:TAG], docker-archive:FILE or a name in the store; with no command, the image's own",
    commands: { exec: true },
  },
  rootfs: {
    flags: "--rootfs",
    value: "dir",
    description: "a root filesystem directory instead of the host's /usr view",
    commands: { exec: true },
  },
  env: {
    flags: "-e, --env",
    value: "name=value",
    description: "an environment variable",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true, trace: forCommand("an environment variable") },
  },
  volume: {
    flags: "-v, --volume",
    value: "src:dst[:ro]",
    description: "bind a host path (writable unless :ro)",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true, trace: forCommand("bind a host path (writable unless :ro)") },
  },
  tmpfs: {
    flags: "--tmpfs",
    value: "dst[:size]",
    description: "a private tmpfs",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true },
  },
  net: {
    flags: "--net",
    value: "mode",
    description:
      "network: none (own namespace, loopback), host, or private (own namespace on a host bridge, egress only to --connect)",
    choices: ["none", "host", "private"],
    commands: { exec: true, trace: forCommand("none (own namespace, loopback) or host") },
  },
  publish: {
    flags: "-p, --publish",
    value: "[ip:]host:port[/udp]",
    description:
      "with --net private: publish the command's port on the host (as docker run -p; a range host-host for several); also listens on it",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true },
  },
  listen: {
    flags: "--listen",
    value: "port[/tcp]",
    description: "a port the command listens on",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true, trace: forCommand("a port it listens on") },
  },
  connect: {
    flags: "--connect",
    value: "[dest:]port[/tcp]",
    description:
      "a port the command connects to (with --net private, optionally only at an address, CIDR or host name)",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true },
  },
  memory: {
    flags: "--memory",
    value: "size",
    description: "memory limit, e.g. 256M or 1Gi",
    commands: { exec: true },
  },
  cpus: {
    flags: "--cpus",
    value: "n",
    description: "CPU limit in cores, e.g. 0.5",
    commands: { exec: true },
  },
  pidsLimit: {
    flags: "--pids-limit",
    value: "n",
    description: "most processes and threads",
    commands: { exec: true },
  },
  capAdd: {
    flags: "--cap-add",
    value: "cap",
    description: "keep a capability",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true },
  },
  profile: {
    flags: "--profile",
    value: "name",
    description: "add a syscall profile (see profiles/)",
    repeatable: true,
    parse: many,
    default: [],
    commands: { exec: true },
  },
  user: {
    flags: "--user",
    value: "uid[:gid]",
    description: "user (and group) to run as (default: nobody)",
    commands: { exec: true },
  },
  hostname: {
    flags: "--hostname",
    value: "name",
    description: "hostname inside",
    commands: { exec: true },
  },
  workdir: {
    flags: "-w, --workdir",
    value: "dir",
    description: "working directory inside",
    commands: { exec: true },
  },
  bestEffort: {
    flags: "--best-effort",
    value: "part",
    description: "run even where this part cannot be enforced",
    repeatable: true,
    parse: many,
    default: [],
    commands: {
      exec: true,
      trace: {
        description:
          "for a command: trace even where this part cannot be enforced (e.g. memory and pids for an unprivileged caller without a delegated cgroup)",
      },
    },
  },
  verbose: {
    flags: "--verbose",
    description:
      "say the plan's notices (what this host does not enforce, …) on every launch; by default they are said on an app's first launch and when they change",
    commands: runAndExec,
  },
  report: {
    flags: "--report",
    description:
      "print a summary when the app ends: status, time, cpu, peak memory, refused syscalls",
    commands: runAndExec,
  },
  explain: {
    flags: "--explain",
    description: "report every refused syscall: name, arguments, process (rate-limited)",
    commands: runAndExec,
  },
  cgroupParent: {
    flags: "--cgroup-parent",
    value: "path",
    description:
      "create the app's cgroup below this existing cgroup (relative to secure-run's own)",
    commands: runAndExec,
  },
  json: {
    flags: "--json",
    description: "as JSON",
    commands: {
      plan: { description: "print the Plan document (schemas/plan.schema.json)" },
      run: { description: "print the exit report as one JSON line on standard error" },
      exec: { description: "print the exit report as one JSON line on standard error" },
      compile: { description: "describe the bundle as JSON on standard output" },
      "seccomp explain": true,
      gc: true,
      doctor: true,
      load: { description: "describe the image loaded as JSON" },
      images: { description: "one JSON array of the images" },
      "image prune": true,
      ps: { description: "one JSON array of the instances" },
      inspect: true,
      stats: { description: "as JSON (streaming: one line per refresh)" },
      "profiles list": true,
      "profiles show": true,
    },
  },
  duration: {
    flags: "--duration",
    value: "seconds",
    description: "stop the app after this long",
    commands: { trace: true },
  },
  exercise: {
    flags: "--exercise",
    value: "command",
    description: "a host command run once the app is up (e.g. curl …); the app stops when it ends",
    commands: { trace: true },
  },
  write: {
    flags: "--write",
    description:
      "write APP-NAME.profile.yaml next to the app definition and name it in its syscalls.profiles",
    commands: { trace: true },
  },
  replace: {
    flags: "--replace",
    description: "overwrite an existing learned profile (default: add this trace's syscalls to it)",
    commands: { trace: true },
  },
  progress: {
    flags: "--no-progress",
    description: "no progress line",
    commands: { trace: true },
  },
  dryRun: {
    flags: "--dry-run",
    description: "only list what would be removed",
    commands: { gc: true },
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof OPTIONS;

/** The options a command takes, in the table's order. */
export function optionsOf(command: CommandName): [OptionKey, OptionSpec, Use][] {
  const out: [OptionKey, OptionSpec, Use][] = [];
  for (const [key, spec] of Object.entries(OPTIONS) as [OptionKey, OptionSpec][]) {
    const use = spec.commands[command];
    if (use) out.push([key, spec, use]);
  }
  return out;
}

/** The commander option of `spec` as `use` says. */
export function makeOption(spec: OptionSpec, use: Use): Option {
  const narrower = use === true ? {} : use;
  let description = narrower.description ?? spec.description;
  if (spec.repeatable && !narrower.once) description += " (repeat)";
  const option = new Option(spec.value ? `${spec.flags} <${spec.value}>` : spec.flags, description);
  if (spec.choices) option.choices([...spec.choices]);
  if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  // A list default is copied: a program made twice (tests do) must not share it.
  if (spec.default !== undefined)
    option.default(typeof spec.default === "string" ? spec.default : [...spec.default]);
  if (spec.env) option.env(spec.env);
  if (narrower.required) option.makeOptionMandatory();
  return option;
}

/** Adds every option the table gives `command` (named by its words) to `cmd`. */
export function addOptions(cmd: Command, command: CommandName): Command {
  for (const [, spec, use] of optionsOf(command)) cmd.addOption(makeOption(spec, use));
  return cmd;
}

/** A profile from a trace: every syscall the app made, how often, and the argument values that
 * argument rules are made of, as a profile file an app definition can name. */
import yaml from "js-yaml";
import type { TraceRecord } from "../launch/run.js";
import { riskOf, type Profiles, type Risk } from "../profiles/load.js";
import { InputError } from "../errors.js";
import { isDangerousSyscall } from "../policy/dangerous.js";
import { MODERN_FORM } from "./equivalents.js";

const FAMILIES: Record<string, string> = {
  "1": "AF_UNIX",
  "2": "AF_INET",
  "10": "AF_INET6",
  "16": "AF_NETLINK",
  "17": "AF_PACKET",
  "40": "AF_VSOCK",
};
const FCNTL: Record<number, string> = {
  0: "F_DUPFD",
  1: "F_GETFD",
  2: "F_SETFD",
  3: "F_GETFL",
  4: "F_SETFL",
  1030: "F_DUPFD_CLOEXEC",
};
const IOCTLS: Record<number, string> = {
  0x5401: "TCGETS",
  0x5402: "TCSETS",
  0x5403: "TCSETSW",
  0x540f: "TIOCGPGRP",
  0x5410: "TIOCSPGRP",
  0x5412: "TIOCSTI",
  0x5413: "TIOCGWINSZ",
  0x5414: "TIOCSWINSZ",
  0x541b: "FIONREAD",
  0x5421: "FIONBIO",
  0x5450: "FIONCLEX",
  0x5451: "FIOCLEX",
  0x5452: "FIOASYNC",
};

function describeValues(name: string, values: string[], more: boolean): string {
  const shown = values.map((v) => {
    const n = Number(v);
    if (name === "socket" || name === "socketpair") return FAMILIES[v] ?? `family ${v}`;
    if (name === "ioctl") return IOCTLS[n] ?? `0x${n.toString(16)}`;
    if (name === "clone") return `flags 0x${BigInt(v).toString(16)}`;
    if (name === "fcntl") return FCNTL[n] ?? `command ${v}`;
    return v;
  });
  return `${[...new Set(shown)].join(", ")}${more ? ", …" : ""}`;
}

export interface LearnedOptions {
  name: string;
  /** What was traced, for the description. */
  source: string;
  profiles: Profiles;
  date?: Date;
  /** An earlier learned profile of the same app: what only it saw is kept (traces add up). */
  previous?: { file: string; text: string };
}

type Entry = { why: string; risk: Risk; arches?: string[] };

/** The syscalls of an earlier learned profile; refuses to merge into a profile not learned. */
function previousSyscalls(previous: { file: string; text: string }): Record<string, Entry> {
  let doc: unknown;
  try {
    doc = yaml.load(previous.text);
  } catch (e) {
    throw new InputError([
      { file: previous.file, path: "", message: `not YAML: ${(e as Error).message}` },
    ]);
  }
  const d = doc as { kind?: unknown; syscalls?: unknown } | null;
  if (!d || d.kind !== "learned" || typeof d.syscalls !== "object" || d.syscalls === null)
    throw new InputError([
      {
        file: previous.file,
        path: "kind",
        message:
          "exists and is not a learned profile: a trace adds only to what an earlier trace learned",
        hint: "choose another file with -o, or pass --replace to overwrite it",
      },
    ]);
  const out: Record<string, Entry> = {};
  for (const [n, e] of Object.entries(d.syscalls as Record<string, unknown>)) {
    if (typeof e === "string") out[n] = { why: e, risk: "low" };
    else if (e && typeof e === "object") out[n] = e as Entry;
  }
  return out;
}

export function learnedProfileText(trace: TraceRecord, o: LearnedOptions): string {
  const names = Object.keys(trace.syscalls).sort();
  const syscalls: Record<string, Entry> = {};
  for (const n of names) {
    const s = trace.syscalls[n];
    if (!s) continue;
    const risk: Risk = riskOf(o.profiles, n) ?? (isDangerousSyscall(n) ? "high" : "medium");
    const values =
      s.values && s.values.length > 0
        ? `; ${describeValues(n, s.values, Boolean(s.moreValues))}`
        : "";
    syscalls[n] = {
      why: `seen ${s.count} time${s.count === 1 ? "" : "s"} while tracing${values}`,
      risk,
    };
  }
  // Learned on x86_64: the legacy calls exist there only; their modern forms hold elsewhere.
  if (trace.arch === "x86_64") {
    for (const n of names) {
      const modern = MODERN_FORM[n];
      const entry = syscalls[n];
      if (!modern || !entry) continue;
      entry.arches = ["x86_64"];
      if (!(modern in syscalls) || syscalls[modern]?.arches) {
        syscalls[modern] ??= {
          why: `the modern form of ${n}, for architectures without it`,
          risk: riskOf(o.profiles, modern) ?? entry.risk,
          arches: ["aarch64"],
        };
      }
    }
  }
  let kept = 0;
  if (o.previous) {
    for (const [n, e] of Object.entries(previousSyscalls(o.previous))) {
      if (n in syscalls) continue;
      syscalls[n] = e;
      kept++;
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(syscalls).sort(([a], [b]) => a.localeCompare(b)),
  );
  const date = (o.date ?? new Date()).toISOString().slice(0, 10);
  const merged = o.previous
    ? ` Merged with earlier traces: ${kept} syscall${kept === 1 ? "" : "s"} only they saw kept.`
    : "";
  const doc = {
    name: o.name,
    kind: "learned",
    description: `What ${o.source} used while traced on ${date} (${trace.arch}): ${names.length} syscalls in ${trace.calls} calls over ${trace.seconds.toFixed(1)} s.${merged}`,
    note: "Learned by secure-run trace. Review it: a path the trace did not exercise is not in it; risk comes from the building-block profiles.",
    syscalls: sorted,
  };
  return `# yaml-language-server: $schema=https://secure-run.dev/schemas/profile.schema.json\n${yaml.dump(doc, { lineWidth: 100, flowLevel: 2 })}`;
}

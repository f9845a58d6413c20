/** A profile from a trace: every syscall the app made, how often, and the argument values that
 * argument rules are made of, as a profile file an app definition can name. */
import yaml from "js-yaml";
import type { TraceRecord } from "../launch/run.js";
import { riskOf, type Profiles, type Risk } from "../profiles/load.js";
import { DANGEROUS_SYSCALLS } from "./dangerous.js";
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
}

export function learnedProfileText(trace: TraceRecord, o: LearnedOptions): string {
  const names = Object.keys(trace.syscalls).sort();
  const syscalls: Record<string, { why: string; risk: Risk; arches?: string[] }> = {};
  for (const n of names) {
    const s = trace.syscalls[n];
    if (!s) continue;
    const risk: Risk = riskOf(o.profiles, n) ?? (DANGEROUS_SYSCALLS.has(n) ? "high" : "medium");
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
  const date = (o.date ?? new Date()).toISOString().slice(0, 10);
  const doc = {
    name: o.name,
    kind: "learned",
    description: `What ${o.source} used while traced on ${date} (${trace.arch}): ${names.length} syscalls in ${trace.calls} calls over ${trace.seconds.toFixed(1)} s.`,
    note: "Learned by secure-run trace. Review it: a path the trace did not exercise is not in it; risk comes from the building-block profiles.",
    syscalls,
  };
  return `# yaml-language-server: $schema=https://secure-run.dev/schemas/profile.schema.json\n${yaml.dump(doc, { lineWidth: 100, flowLevel: 2 })}`;
}

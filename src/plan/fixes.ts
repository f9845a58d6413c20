/** The fix table of a launch: for each syscall the plan refuses, the smallest change to the app
 * that allows it, computed here (where profiles and the app are known) and carried to the
 * launcher, whose supervisor counts the refusals and prints the summary without Node
 * (native/launcher/refusals.h has the format). */
import type { LoadedApp } from "../appspec/load.js";
import type { Profiles } from "../profiles/load.js";
import type { SeccompSpec } from "../seccomp/types.js";
import { byCodeUnits } from "../order.js";

/** How the change is said: as a flag of `secure-run exec`, or as a field of an app file. */
export type FixForm = "flags" | "file";

export interface FixContext {
  form: FixForm;
  /** The host's architecture: a profile's syscall limited to others does not count. */
  arch: string;
  /** The app's own syscalls.deny (a refusal it asked for is undone there). */
  deny?: readonly string[];
  /** What to run to learn every call: the app file, or the command (exec). */
  traceTarget: string;
}

/** The hints that choose a runtime profile (policies/plan/syscalls.rego `hint_profiles`): an
 * app file says those as a hint. */
const HINT_OF: Readonly<Record<string, string>> = { node: "node", python: "python" };

/** Profiles that are never the fix: always in the plan, or the launcher's own. */
const NOT_A_FIX = new Set(["base", "launch"]);

/** Printable ASCII of at most `max` bytes: the launcher prints a fix as it is (and refuses
 * anything else). */
function printable(s: string, max = 199): string {
  const t = s.replace(/[^\x20-\x7e]/g, "?");
  return t.length <= max ? t : `${t.slice(0, max - 3)}...`;
}

/** The syscalls the spec allows whatever the arguments (the rest may be refused). */
function allowedAlways(spec: SeccompSpec): Set<string> {
  return new Set(
    spec.syscalls
      .filter((r) => r.action === "allow" && (!r.args || r.args.length === 0))
      .map((r) => r.name),
  );
}

function profileFix(name: string, ctx: FixContext): string {
  if (ctx.form === "flags") return `--profile ${name}`;
  const hint = HINT_OF[name];
  return hint ? `syscalls.hints: [${hint}]` : `syscalls.profiles: [${name}]`;
}

/** The fix table, sorted by name as the launcher requires: `*` (the fallback, `{}` for the
 * syscall) and `+` (the closing advice) first, then one entry per syscall that a profile (or
 * the app's own deny list, or a rule of the plan) says more of than the fallback. */
export function refusalFixes(
  spec: SeccompSpec,
  profiles: Profiles,
  ctx: FixContext,
): [name: string, fix: string][] {
  const allowed = allowedAlways(spec);
  const fixes = new Map<string, string>();
  // Refusals the plan's rules name (e.g. a dangerous syscall): the rule is the answer.
  for (const r of spec.syscalls) {
    if (r.action !== "errno" || (r.args && r.args.length > 0) || allowed.has(r.name)) continue;
    const rule = r.reasons.find((x) => x.kind === "rule");
    if (rule)
      fixes.set(
        r.name,
        printable(`refused by the plan's rule ${rule.ref}${rule.why ? ` (${rule.why})` : ""}`),
      );
  }
  // The smallest profile that holds the syscall (fewest syscalls; then by name).
  const candidates = Object.values(profiles)
    .filter((p) => p.kind !== "learned" && !NOT_A_FIX.has(p.name))
    .sort(
      (a, b) =>
        Object.keys(a.syscalls).length - Object.keys(b.syscalls).length ||
        byCodeUnits(a.name, b.name),
    );
  for (const p of candidates) {
    for (const [name, entry] of Object.entries(p.syscalls)) {
      if (allowed.has(name) || fixes.has(name)) continue;
      if (entry.arches && !entry.arches.includes(ctx.arch)) continue;
      fixes.set(name, printable(profileFix(p.name, ctx)));
    }
  }
  // Syscalls of the network profiles come with the app's network, not with a profile name: a
  // refused socket(AF_INET…) is fixed by declaring the port (the smallest profile holding
  // `socket` is the Unix one, which allows no TCP).
  const network =
    ctx.form === "flags"
      ? "--connect PORT (with --net host for the host's ports) or --listen PORT"
      : "network.connect or network.listen";
  const byProfile = new Map(fixes);
  for (const profile of ["net-client", "net-server"]) {
    for (const name of Object.keys(profiles[profile]?.syscalls ?? {})) {
      if (allowed.has(name)) continue;
      const other = byProfile.get(name);
      const unix = other && other.includes("unix") ? `; ${other} for Unix sockets` : "";
      fixes.set(name, printable(`${network} for TCP/UDP${unix}`));
    }
  }
  for (const name of ctx.deny ?? []) {
    if (ctx.form === "file") fixes.set(name, printable(`remove ${name} from syscalls.deny`));
  }
  const table: [string, string][] = [...fixes].filter(([name]) => /^[a-z0-9_]{1,39}$/.test(name));
  table.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fallback =
    ctx.form === "flags"
      ? "syscalls.allow: [{}] in an app file (secure-run exec has no flag for it)"
      : "syscalls.allow: [{}]";
  const trace =
    ctx.form === "flags"
      ? `to learn every call the command makes: secure-run trace -- ${ctx.traceTarget}`
      : `to learn every call the app makes: secure-run trace ${ctx.traceTarget}`;
  // "*" < "+" < any name, in byte order.
  return [["*", fallback], ["+", printable(trace)], ...table];
}

/** The table as the launcher reads it: pairs of NUL-terminated strings. */
export function encodeFixes(table: readonly [string, string][]): Buffer {
  return Buffer.from(table.map(([n, f]) => `${n}\0${f}\0`).join(""), "latin1");
}

/** How the fixes of an app are said: flags for `secure-run exec` (its command is what to
 * trace), fields for an app file. */
export function fixContext(loaded: LoadedApp, args: readonly string[], arch: string): FixContext {
  const exec = loaded.file === "secure-run exec";
  const quoted = args.map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`,
  );
  return {
    form: exec ? "flags" : "file",
    arch,
    ...(loaded.app.syscalls?.deny ? { deny: loaded.app.syscalls.deny } : {}),
    traceTarget: exec ? quoted.join(" ") : loaded.file,
  };
}

/** The refusals a supervisor counted (native/launcher/refusals.c sr_refusals_json): the exit
 * report's and an instance's state's `refused`. */
export interface RefusedSummary {
  total: number;
  /** Refusals beyond the pairs (syscall, program) the supervisor keeps apart. */
  other: number;
  calls: {
    syscall: string;
    nr: number;
    errno: string;
    count: number;
    programs: Record<string, number>;
    fix: string | null;
  }[];
}

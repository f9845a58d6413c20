/** `profiles list` and `profiles show`: the syscall profiles plans are made of. */
import { InputError } from "../../src/errors.js";
import { loadProfiles, readProfile, type Profile } from "../../src/profiles/load.js";
import { loadNative } from "../../src/native/seccomp.js";
import { syscallNameChecker } from "../../src/seccomp/names.js";
import type { CliIO } from "../io.js";

function find(ref: string): Profile {
  if (/\.ya?ml$/.test(ref)) {
    const native = loadNative({ optional: true });
    const r = readProfile(ref, undefined, native ? syscallNameChecker(native) : undefined);
    if (!r.profile) throw new InputError(r.issues);
    return r.profile;
  }
  const all = loadProfiles();
  const p = all[ref];
  if (!p)
    throw new InputError([
      {
        file: ref,
        path: "",
        message: "no such profile",
        hint: `profiles: ${Object.keys(all).sort().join(", ")}`,
      },
    ]);
  return p;
}

export function list(io: CliIO, opts: { json?: boolean }): void {
  const all = Object.values(loadProfiles()).sort((a, b) => a.name.localeCompare(b.name));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return;
  }
  for (const p of all) {
    io.stdout.write(
      `${io.out.bold(p.name.padEnd(14))} ${p.kind.padEnd(15)} ${String(Object.keys(p.syscalls).length).padStart(3)} syscalls  ${p.description.split(". ")[0] ?? ""}\n`,
    );
  }
}

export function show(io: CliIO, ref: string, flags: { arch: string[]; json?: boolean }): void {
  // One architecture: given several, the last (as for any option given twice).
  const opts = { json: flags.json, arch: flags.arch.at(-1) };
  const p = find(ref);
  let entries = Object.entries(p.syscalls).sort(([a], [b]) => a.localeCompare(b));
  let absent: string[] = [];
  if (opts.arch) {
    const native = loadNative();
    const arch = opts.arch;
    absent = entries.filter(([n]) => native.syscallNumber(arch, n) < 0).map(([n]) => n);
    entries = entries.filter(([n]) => !absent.includes(n));
  }
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ ...p, syscalls: Object.fromEntries(entries), ...(opts.arch ? { arch: opts.arch, absent } : {}) }, null, 2)}\n`,
    );
    return;
  }
  io.stdout.write(`${io.out.bold(p.name)} (${p.kind}): ${p.description}\n\n`);
  const width = Math.max(...entries.map(([n]) => n.length)) + 2;
  for (const [n, e] of entries) {
    const risk =
      e.risk === "high" ? io.out.red(e.risk) : e.risk === "medium" ? io.out.yellow(e.risk) : e.risk;
    io.stdout.write(
      `  ${n.padEnd(width)}${risk.padEnd(e.risk === "low" ? 8 : 8 + (risk.length - e.risk.length))}${e.why}\n`,
    );
  }
  if (absent.length > 0) io.stdout.write(`\nnot on ${opts.arch ?? ""}: ${absent.join(", ")}\n`);
}

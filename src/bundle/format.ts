/** The bundle file (format 2): what `secure-run compile` writes and `secure-run-launch --bundle`
 * reads (native/launcher/bundle.h has the layout). Text header, then sized binary sections: the
 * launch arguments, per architecture the plan's filter (which answers refusals) and the
 * notifying filter (which the app runs under), and the fix table of the refusals' summary.
 * Format 1 had neither of the last two; the launcher refuses it. */
import { InputError } from "../errors.js";
import { encodeFixes } from "../plan/fixes.js";

/** The host facts a bundle's arguments were derived for; the launcher refuses any other host. */
export interface BundleHost {
  arch: string;
  kernel: string;
  landlock: number;
  /** What /sys/fs/cgroup is: cgroup2 (pure v2), tmpfs (v1 or hybrid), none, other. */
  cgroupFs: string;
  selinux: "enforcing" | "permissive" | "disabled";
}

export interface Bundle {
  name: string;
  version: string;
  created: string;
  source: string;
  /** sha256 of everything the bundle was made from (see inputs.ts). */
  inputs: string;
  host: BundleHost;
  args: string[];
  /** Per architecture: the plan's filter, and the filter loaded (its refusals notify). */
  filters: { arch: string; bpf: Buffer; notify: Buffer }[];
  /** The fix table (src/plan/fixes.ts), sorted by name. */
  fixes: [name: string, fix: string][];
}

export const BUNDLE_FORMAT = 2;
const MAGIC = `secure-run-bundle ${BUNDLE_FORMAT}`;

function oneLine(key: string, value: string): string {
  if (/[\n\0]/.test(value)) throw new Error(`bundle ${key}: no newline or NUL allowed`);
  return `${key} ${value}\n`;
}

export function encodeBundle(b: Bundle): Buffer {
  for (const a of b.args)
    if (a.includes("\0")) throw new Error(`a launch argument holds a NUL: ${JSON.stringify(a)}`);
  const head =
    `${MAGIC}\n` +
    oneLine("name", b.name) +
    oneLine("version", b.version) +
    oneLine("created", b.created) +
    oneLine("source", b.source) +
    oneLine("inputs", b.inputs) +
    oneLine("host-arch", b.host.arch) +
    oneLine("host-kernel", b.host.kernel) +
    oneLine("host-landlock", String(b.host.landlock)) +
    oneLine("host-cgroup-fs", b.host.cgroupFs) +
    oneLine("host-selinux", b.host.selinux);
  const args = Buffer.from(b.args.map((a) => `${a}\0`).join(""), "utf8");
  const parts: Buffer[] = [
    Buffer.from(head, "utf8"),
    Buffer.from(`args ${b.args.length} ${args.length}\n`),
    args,
    Buffer.from("\n"),
  ];
  for (const f of b.filters) {
    parts.push(Buffer.from(`filter ${f.arch} ${f.bpf.length}\n`), f.bpf, Buffer.from("\n"));
    parts.push(Buffer.from(`notify ${f.arch} ${f.notify.length}\n`), f.notify, Buffer.from("\n"));
  }
  const fixes = encodeFixes(b.fixes);
  parts.push(Buffer.from(`fixes ${b.fixes.length} ${fixes.length}\n`), fixes, Buffer.from("\n"));
  parts.push(Buffer.from("end\n"));
  return Buffer.concat(parts);
}

/** Reads a bundle (for `secure-run compile --inspect`-like uses and the tests). */
export function decodeBundle(data: Buffer, file: string): Bundle {
  const bad = (why: string): InputError =>
    new InputError([
      {
        file,
        path: "",
        message: `not a secure-run bundle: ${why}`,
        hint: "make one with: secure-run compile APP -o FILE",
      },
    ]);
  let pos = 0;
  const line = (): string => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) throw bad("truncated");
    const s = data.subarray(pos, nl).toString("utf8");
    pos = nl + 1;
    return s;
  };
  if (line() !== MAGIC) throw bad(`it does not start with "${MAGIC}"`);
  const head: Record<string, string> = {};
  const filters = new Map<string, { bpf?: Buffer; notify?: Buffer }>();
  let args: string[] | undefined;
  let fixes: Bundle["fixes"] | undefined;
  for (;;) {
    const l = line();
    if (l === "end") break;
    const sp = l.indexOf(" ");
    const key = sp < 0 ? l : l.slice(0, sp);
    const value = sp < 0 ? "" : l.slice(sp + 1);
    if (key === "args" || key === "filter" || key === "notify" || key === "fixes") {
      const [a, b] = value.split(" ");
      const bytes = Number(b);
      if (!Number.isInteger(bytes) || pos + bytes >= data.length || data[pos + bytes] !== 0x0a)
        throw bad(`the ${key} section is damaged`);
      const body = data.subarray(pos, pos + bytes);
      pos += bytes + 1;
      if (key === "args") {
        const list = body.toString("utf8").split("\0").slice(0, -1);
        if (list.length !== Number(a)) throw bad("the args section is damaged");
        args = list;
      } else if (key === "fixes") {
        const list = body.toString("latin1").split("\0").slice(0, -1);
        if (list.length !== 2 * Number(a)) throw bad("the fixes section is damaged");
        fixes = [];
        for (let i = 0; i < list.length; i += 2) fixes.push([list[i] ?? "", list[i + 1] ?? ""]);
      } else {
        const f = filters.get(a ?? "") ?? {};
        f[key === "filter" ? "bpf" : "notify"] = Buffer.from(body);
        filters.set(a ?? "", f);
      }
    } else head[key] = value;
  }
  if (!args) throw bad("no args section");
  if (!fixes) throw bad("no fixes section");
  const pairs: Bundle["filters"] = [];
  for (const [arch, f] of filters) {
    if (!f.bpf || !f.notify) throw bad(`the filters of ${arch} are incomplete`);
    pairs.push({ arch, bpf: f.bpf, notify: f.notify });
  }
  const selinux = head["host-selinux"];
  return {
    name: head.name ?? "",
    version: head.version ?? "",
    created: head.created ?? "",
    source: head.source ?? "",
    inputs: head.inputs ?? "",
    host: {
      arch: head["host-arch"] ?? "",
      kernel: head["host-kernel"] ?? "",
      landlock: Number(head["host-landlock"] ?? 0),
      cgroupFs: head["host-cgroup-fs"] ?? "",
      selinux:
        selinux === "enforcing" || selinux === "permissive" ? selinux : ("disabled" as const),
    },
    args,
    filters: pairs,
    fixes,
  };
}

/** The architectures secure-run builds seccomp filters for, and what each is called where:
 * libseccomp's name (this project's own), the kernel's AUDIT_ARCH value a filter compares
 * seccomp_data.arch with, the SCMP_ARCH_… name of OCI and Docker profiles, Go's names (the
 * includes/excludes.arches of Docker profiles), Node's process.arch and `uname -m`. Every other
 * module asks here. x32 is an ABI the filters refuse on x86_64, not an architecture to build
 * for: it is listed apart. */

export interface Architecture {
  /** libseccomp's name: x86_64, aarch64, x86, arm. */
  name: string;
  /** AUDIT_ARCH_… (linux/audit.h): what seccomp_data.arch holds. */
  auditArch: number;
  /** SCMP_ARCH_… of OCI (linux.seccomp) and Docker profiles. */
  scmp: string;
  /** Go's GOARCH names (Docker profiles' includes.arches / excludes.arches). */
  goNames: readonly string[];
  /** Node's process.arch / os.arch(). */
  node: string;
  /** The kernel's `uname -m` names. */
  uname: readonly string[];
}

export const ARCHITECTURES: readonly Architecture[] = Object.freeze([
  {
    name: "x86_64",
    auditArch: 0xc000003e,
    scmp: "SCMP_ARCH_X86_64",
    goNames: ["amd64"],
    node: "x64",
    uname: ["x86_64"],
  },
  {
    name: "aarch64",
    auditArch: 0xc00000b7,
    scmp: "SCMP_ARCH_AARCH64",
    goNames: ["arm64"],
    node: "arm64",
    uname: ["aarch64", "arm64"],
  },
  {
    name: "x86",
    auditArch: 0x40000003,
    scmp: "SCMP_ARCH_X86",
    goNames: ["x86", "386"],
    node: "ia32",
    uname: ["i386", "i486", "i586", "i686"],
  },
  {
    name: "arm",
    auditArch: 0x40000028,
    scmp: "SCMP_ARCH_ARM",
    goNames: ["arm"],
    node: "arm",
    uname: ["armv7l", "armv6l", "armv8l"],
  },
]);

/** The architectures' libseccomp names, in the order above. */
export const KNOWN_ARCHITECTURES: readonly string[] = ARCHITECTURES.map((a) => a.name);

/** x32: x86_64's AUDIT_ARCH with X32_SYSCALL_BIT set in the syscall number. */
export const X32 = { name: "x32", auditArch: 0xc000003e } as const;

/** An architecture by its libseccomp name. */
export function architecture(name: string): Architecture | undefined {
  return ARCHITECTURES.find((a) => a.name === name);
}

/** Node's process.arch → the libseccomp name (undefined for an architecture not supported). */
export function fromNodeArch(nodeArch: string): string | undefined {
  return ARCHITECTURES.find((a) => a.node === nodeArch)?.name;
}

/** Other spellings people write for an architecture (Go's, Node's, uname's, Debian's) → the
 * libseccomp name, for did-you-mean hints. */
export function architectureAlias(spelling: string): string | undefined {
  const s = spelling.toLowerCase();
  const extra: Record<string, string> = { "x86-64": "x86_64", x64: "x86_64", armhf: "arm" };
  return (
    extra[s] ??
    ARCHITECTURES.find(
      (a) => a.goNames.includes(s) || a.node === s || a.uname.includes(s) || a.name === s,
    )?.name
  );
}

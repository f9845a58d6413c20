/** The command lines the warm path of `secure-run run` takes: `run APP` with --config and
 * --cgroup-parent, nothing else (anything else means the full CLI, which parses it). CommonJS,
 * with no imports: the warm path parses before it loads anything else. */

/** The options of `run` the warm path takes; any other option means the full CLI. */
export interface WarmRun {
  app: string;
  config?: string;
  cgroupParent?: string;
  /** --verbose: say the entry's notices (by default a warm launch does not). */
  verbose?: boolean;
  /** --quiet: no summary of refused syscalls. */
  quiet?: boolean;
}

export function parseWarmRun(argv: readonly string[], env = process.env): WarmRun | undefined {
  if (argv[0] !== "run" || env.SECURE_RUN_NO_CACHE) return undefined;
  const out: Partial<WarmRun> = {};
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const eq = a.indexOf("=");
    const [name, inline] =
      a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (name === "--config" || name === "--cgroup-parent") {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") return undefined;
      if (name === "--config") out.config = value;
      else out.cgroupParent = value;
    } else if (a === "--verbose") {
      out.verbose = true;
    } else if (a === "--quiet") {
      out.quiet = true;
    } else if (a.startsWith("-") || out.app !== undefined) {
      return undefined;
    } else out.app = a;
  }
  if (out.app === undefined) return undefined;
  const config = out.config ?? (env.SECURE_RUN_CONFIG || undefined);
  return {
    app: out.app,
    ...(config ? { config } : {}),
    ...(out.cgroupParent ? { cgroupParent: out.cgroupParent } : {}),
    ...(out.verbose ? { verbose: true } : {}),
    ...(out.quiet ? { quiet: true } : {}),
  };
}

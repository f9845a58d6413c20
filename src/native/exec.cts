/** The exec addon (native/exec): execve from Node, so that `secure-run run` can become the
 * launcher; flock(2), for the CLI's per-instance lock; and F_OFD_GETLK, whether an instance's
 * supervisor runs. CommonJS: the warm path loads it. */
import { paths } from "../paths.cjs";
import { loadAddon } from "./addon.cjs";

export interface ExecAddon {
  exec(path: string, argv: string[], env: string[]): never;
  /** flock(2) on `fd`: true when taken; false when held elsewhere and `wait` is false. Throws
   * (code ERR_EXEC_SYSTEM) on any other error. */
  flock(fd: number, exclusive: boolean, wait: boolean): boolean;
  /** Whether another open file description holds a write lock on `fd`'s file (F_OFD_GETLK:
   * takes nothing). Throws (code ERR_EXEC_SYSTEM) on an error. */
  ofdLocked(fd: number): boolean;
  /** posix_spawn of `path` in a session of its own: standard streams on /dev/null, the write
   * end of a new pipe as its descriptor 3, default signals, nothing blocked; `fd` is the pipe's
   * read end. Throws (code ERR_EXEC_SYSTEM) naming the step that failed. */
  spawnDetached(path: string, argv: string[], env: string[]): { pid: number; fd: number };
  /** Makes `name` in the directory `dir` an overlay whiteout (a character device 0:0). `dir` is
   * reached without following any link. Throws an Error whose code is the errno's name. */
  whiteout(dir: string, name: string): void;
  /** Sets the extended attribute `attr` of the directory `dir` (no link followed). */
  setXattr(dir: string, attr: string, value: string): void;
  /** The extended attribute `attr` of the directory `dir`, null when it has none. */
  getXattr(dir: string, attr: string): string | null;
  /** null when this caller can mount an overlay such as an image root's (tried on a detached
   * tmpfs; in a user namespace of its own unless root); else the step the kernel refused and the
   * errno's name. */
  overlayProbe(): { step: string; code: string } | null;
  /** null while the child `pid` runs; else its end, its status collected. */
  reap(pid: number): { code: number | null; signal: string | null } | null;
}

let addon: ExecAddon | null | undefined;

/** The exec addon, or null when it is not built (the caller then supervises from Node). */
export function execAddon(): ExecAddon | null {
  if (addon === undefined) {
    try {
      addon = loadAddon(paths.execAddon) as ExecAddon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** A git revision as `diff --base` reads it: file contents at the revision (`git cat-file`, no
 * shell, nothing written to the working tree), the renames since, and the app files there are. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { InputError, InternalError } from "../errors.js";

export interface Revision {
  /** As the user named it. */
  ref: string;
  commit: string;
  /** The repository's top directory. */
  top: string;
  /** The text of a file (absolute path or relative to top) at the revision; undefined when the
   * revision has no such file. */
  read(file: string): string | undefined;
  /** A file's path at the revision (absolute), following a rename since; the same path when it
   * was not renamed. */
  pathAt(file: string): string;
}

function git(
  cwd: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT")
      throw new InternalError(
        "--base needs the git command, and there is none on PATH",
        "install git (Debian: apt-get install git)",
      );
    throw r.error;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const baseIssue = (message: string, hint?: string): InputError =>
  new InputError([{ file: "--base", path: "", message, ...(hint ? { hint } : {}) }]);

/** Opens revision `ref` of the repository that holds `cwd`. */
export function openRevision(ref: string, cwd: string = process.cwd()): Revision {
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (top.status !== 0)
    throw baseIssue(
      `${cwd} is not in a git repository`,
      "run it in a clone, or compare two files: secure-run diff OLD NEW",
    );
  const dir = top.stdout.trim();
  if (ref.startsWith("-")) throw baseIssue(`"${ref}" is not a revision`);
  const commit = git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (commit.status !== 0)
    throw baseIssue(
      `unknown revision "${ref}"`,
      "name a branch, tag or commit of this repository (in CI, fetch it first: actions/checkout with fetch-depth: 0)",
    );
  const sha = commit.stdout.trim();
  const rel = (file: string): string => relative(dir, resolve(cwd, file)).split(sep).join("/");
  // Working tree (tracked files, with uncommitted changes) against the revision, renames found.
  const names = git(dir, ["diff", "--name-status", "-z", "-M", sha, "--"]);
  const renamedFrom = new Map<string, string>();
  const fields = names.stdout.split("\0");
  for (let i = 0; i < fields.length;) {
    const status = fields[i] ?? "";
    if (status.startsWith("R") || status.startsWith("C")) {
      const from = fields[i + 1] ?? "";
      const to = fields[i + 2] ?? "";
      if (status.startsWith("R")) renamedFrom.set(to, from);
      i += 3;
    } else i += status === "" ? 1 : 2;
  }
  return {
    ref,
    commit: sha,
    top: dir,
    read(file) {
      const r = git(dir, ["cat-file", "blob", `${sha}:${rel(file)}`]);
      return r.status === 0 ? r.stdout : undefined;
    },
    pathAt(file) {
      const from = renamedFrom.get(rel(file));
      return from === undefined ? resolve(cwd, file) : resolve(dir, from);
    },
  };
}

/** The app definitions in the working tree (tracked or new, not ignored): YAML files whose kind
 * is App. Paths relative to cwd. */
export function appFiles(rev: Revision, cwd: string = process.cwd()): string[] {
  const r = git(rev.top, [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
    "--",
    "*.yaml",
    "*.yml",
  ]);
  return r.stdout
    .split("\0")
    .filter((f) => f !== "")
    .map((f) => resolve(rev.top, f))
    .filter((f) => {
      try {
        return /^kind:\s*App\s*$/m.test(readFileSync(f, "utf8"));
      } catch {
        return false; // deleted in the working tree
      }
    })
    .map((f) => relative(cwd, f))
    .sort();
}

/** The user's own review rules (--policy DIR): Rego with `deny contains …` and `warn contains …`
 * rules in any package, compiled to wasm with the `opa` on PATH and cached by content hash. */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InputError, InternalError, type Issue } from "../errors.js";
import { cacheHome } from "../paths.cjs";
import { PolicyEngine } from "../policy/engine.js";

const WRAPPER_PACKAGE = "secure_run.user_rules";
const ENTRYPOINT = "secure_run/user_rules/decisions";

/** The Rego files below dir (tests left out), sorted. */
export function regoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? regoFiles(join(dir, e.name))
        : e.name.endsWith(".rego") && !e.name.endsWith("_test.rego")
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

/** Collects the decisions of every package's `deny` and `warn` rules. A message is a string or
 * an object {msg, path?, rule?, title?}. */
export function wrapperSource(packages: string[]): string {
  const lines = [`package ${WRAPPER_PACKAGE}`, ""];
  for (const pkg of packages) {
    for (const level of ["deny", "warn"]) {
      lines.push(
        `decisions contains decision(m, "${level}", "${pkg}") if some m in data.${pkg}.${level}`,
        "",
      );
    }
  }
  lines.push(
    'decision(m, level, pkg) := {"rule": pkg, "level": level, "title": pkg, "message": m, "path": ""} if is_string(m)',
    "",
    "decision(m, level, pkg) := {",
    '\t"rule": object.get(m, "rule", pkg), "level": level, "title": object.get(m, "title", pkg),',
    '\t"message": m.msg, "path": object.get(m, "path", ""),',
    "} if is_object(m)",
    "",
  );
  return lines.join("\n");
}

function findOpa(): string {
  const r = spawnSync("opa", ["version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new InternalError(
      "--policy needs the opa command on PATH to compile the policies, and there is none",
      "install opa (scripts/install-opa.sh builds the pinned version into ~/.cache/secure-run/tools)",
    );
  }
  return "opa";
}

interface OpaError {
  message: string;
  location?: { file: string; row: number; col: number };
}

function checkErrors(opa: string, files: string[]): Issue[] {
  const r = spawnSync(opa, ["check", "--format", "json", ...files], { encoding: "utf8" });
  if (r.status === 0) return [];
  let errors: OpaError[] = [];
  try {
    errors = (JSON.parse(r.stdout || r.stderr) as { errors?: OpaError[] }).errors ?? [];
  } catch {
    return [
      {
        file: files[0] ?? "",
        path: "",
        message: `opa check failed: ${(r.stderr || r.stdout).trim()}`,
      },
    ];
  }
  return errors.map((e) => ({
    file: e.location?.file ?? files[0] ?? "",
    line: e.location?.row,
    column: e.location?.col,
    path: "",
    message: e.message,
  }));
}

function cacheDir(): string {
  return join(cacheHome(), "policies");
}

/** Compiles (or takes from the cache) the policies in dir; returns a loaded engine. */
export function loadUserPolicy(dir: string): PolicyEngine {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new InputError([{ file: dir, path: "", message: "--policy: not a directory" }]);
  }
  const files = regoFiles(root);
  if (files.length === 0)
    throw new InputError([{ file: dir, path: "", message: "--policy: no .rego files in it" }]);
  const packages = [
    ...new Set(
      files.flatMap((f) => {
        const m = /^package\s+([A-Za-z0-9_.]+)/m.exec(readFileSync(f, "utf8"));
        return m?.[1] ? [m[1]] : [];
      }),
    ),
  ].sort();
  const wrapper = wrapperSource(packages);
  const opa = findOpa();
  const opaVersion = execFileSync(opa, ["version"], { encoding: "utf8" }).split("\n")[0] ?? "";
  const hash = createHash("sha256").update(opaVersion).update(wrapper);
  for (const f of files) hash.update(f).update(readFileSync(f));
  const cached = join(cacheDir(), `${hash.digest("hex")}.wasm`);
  if (!existsSync(cached)) {
    const issues = checkErrors(opa, files);
    if (issues.length > 0) throw new InputError(issues);
    const tmp = mkdtempSync(join(tmpdir(), "secure-run-policy-"));
    try {
      const wrapperFile = join(tmp, "wrapper.rego");
      writeFileSync(wrapperFile, wrapper);
      const bundle = join(tmp, "bundle.tar.gz");
      const r = spawnSync(
        opa,
        ["build", "-t", "wasm", "-e", ENTRYPOINT, "-o", bundle, wrapperFile, ...files],
        { encoding: "utf8" },
      );
      if (r.status !== 0)
        throw new InputError([
          { file: dir, path: "", message: `opa build failed: ${r.stderr.trim()}` },
        ]);
      execFileSync("tar", ["-xzf", bundle, "-C", tmp, "/policy.wasm"], { stdio: "ignore" });
      mkdirSync(cacheDir(), { recursive: true });
      // Atomic: a concurrent run never sees half a file.
      const partial = `${cached}.${process.pid}.tmp`;
      writeFileSync(partial, readFileSync(join(tmp, "policy.wasm")));
      renameSync(partial, cached);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return PolicyEngine.load(cached, ENTRYPOINT);
}

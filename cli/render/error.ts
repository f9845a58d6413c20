/** Known errors become one clear message (and hint); anything else is a bug, shown with its
 * stack only with --debug. */
import { InputError, InternalError, LaunchError, SecureRunError } from "../../src/errors.js";
import type { Style } from "./style.js";

export function renderError(
  e: unknown,
  s: Style,
  debug: boolean,
): { text: string; exitCode: number } {
  if (e instanceof InputError) {
    const lines = e.issues.map((i) => {
      const where = i.line !== undefined ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
      const path = i.path ? `${s.bold(i.path)}: ` : "";
      return `${where}: ${path}${i.message}${i.hint ? `\n  ${s.dim("hint:")} ${i.hint}` : ""}`;
    });
    const count = e.issues.length > 1 ? `\n${s.red(`${e.issues.length} problems`)}` : "";
    return { text: lines.join("\n") + count, exitCode: e.exitCode };
  }
  if (e instanceof LaunchError || e instanceof InternalError) {
    const hint = e.hint ? `\n  ${s.dim("hint:")} ${e.hint}` : "";
    return {
      text: `${s.red("secure-run:")} ${e.message}${hint}${debug && e.stack ? `\n${e.stack}` : ""}`,
      exitCode: e.exitCode,
    };
  }
  if (e instanceof SecureRunError) {
    const h = (e as { hint?: unknown }).hint;
    const hint = typeof h === "string" ? `\n  ${s.dim("hint:")} ${h}` : "";
    return { text: `secure-run: ${e.message}${hint}`, exitCode: e.exitCode };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    text: `${s.red("secure-run: internal error:")} ${err.message}${debug ? `\n${err.stack ?? ""}` : "\n  (run with --debug for details)"}`,
    exitCode: 125,
  };
}

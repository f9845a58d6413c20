/** One error hierarchy: each kind knows its exit code; only the CLI entry point catches. */

/** A problem in an input file, located as precisely as the source allows. */
export interface Issue {
  file: string;
  line?: number;
  column?: number;
  /** Field path in the document, e.g. `network.listen[0]`; empty for the whole document. */
  path: string;
  message: string;
  hint?: string;
}

export abstract class SecureRunError extends Error {
  abstract readonly exitCode: number;
  abstract readonly code: string;
}

/** Bad input: exit 2 with every problem at once. */
export class InputError extends SecureRunError {
  readonly exitCode = 2;
  readonly code = "ERR_INPUT";
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "InputError";
  }
}

/** secure-run itself could not launch the app (exit 125), or the app could not be invoked
 * (126) or found (127). */
export class LaunchError extends SecureRunError {
  readonly code = "ERR_LAUNCH";
  constructor(
    message: string,
    readonly exitCode: 125 | 126 | 127 = 125,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "LaunchError";
  }
}

/** A part of secure-run is missing or broken (native layer not built, policy output invalid). */
export class InternalError extends SecureRunError {
  readonly exitCode = 125;
  readonly code = "ERR_INTERNAL";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "InternalError";
  }
}

export function formatIssue(issue: Issue): string {
  const where =
    issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  const path = issue.path === "" ? "" : `${issue.path}: `;
  const hint = issue.hint ? `\n  hint: ${issue.hint}` : "";
  return `${where}: ${path}${issue.message}${hint}`;
}

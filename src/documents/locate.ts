/** Schema problems → issues with file, line and column, in the order they stand in the file. */
import type { Issue } from "../errors.js";
import { formatPath, type SchemaProblem } from "./validate.js";
import type { YamlSource } from "./yaml-source.js";

export function locateProblems(source: YamlSource, problems: SchemaProblem[]): Issue[] {
  const issues = problems.map((p) => {
    const pos = source.locate(p.path, p.at);
    const issue: Issue = {
      file: source.file,
      ...pos,
      path: formatPath(p.path),
      message: p.message,
    };
    if (p.hint) issue.hint = p.hint;
    return issue;
  });
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

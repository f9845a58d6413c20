/** secure-run audit as a library: compute the report (auditApps), then render it. Nothing here
 * prints. */
import { renderAuditHtml } from "./render/html.js";
import { renderAuditMarkdown } from "./render/markdown.js";
import { plainStyle, renderAuditText, type TextStyle } from "./render/text.js";
import type { AuditReport } from "./types.js";

export { auditApps, auditPlan, AUDIT_ARCHITECTURES, type AuditOptions } from "./report.js";
export { checkFilter, type FilterCheck } from "./check.js";
export { scorePlan, SCORE_METHOD, SCORE_RULES } from "./score.js";
export { DANGEROUS_CAPABILITIES, DANGEROUS_SYSCALLS } from "../policy/dangerous.js";
export { renderAuditHtml, renderAuditMarkdown, renderAuditText, plainStyle, type TextStyle };
export type * from "./types.js";

import type { AuditFormat } from "./formats.js";
export { AUDIT_FORMATS, type AuditFormat } from "./formats.js";

export function renderAuditJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function renderAudit(
  report: AuditReport,
  format: AuditFormat,
  style: TextStyle = plainStyle,
): string {
  switch (format) {
    case "json":
      return renderAuditJson(report);
    case "md":
      return renderAuditMarkdown(report);
    case "html":
      return renderAuditHtml(report);
    case "text":
      return renderAuditText(report, style);
  }
}

/** The formats `audit` writes. Its own module: the command line names them without loading the
 * audit. */
export const AUDIT_FORMATS = ["text", "md", "json", "html"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

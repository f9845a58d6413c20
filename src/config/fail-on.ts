/** The thresholds of `diff --fail-on`. Its own module: the command line names them without loading
 * the diff. */
/** What a change may not add (`diff --fail-on`, the configuration's diff.failOn). */
export const FAIL_ON = [
  "added-high-risk",
  "added-capability",
  "added-syscall",
  "added-path",
  "added-port",
  "raised-limit",
  "less-isolation",
  "added-any",
  "score-up",
] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** Syscalls no plan allows, answered ENOSYS by design (policies/plan/syscalls.rego `never`):
 * clone3 passes its flags in memory, where a filter cannot check them, and the C library falls
 * back to clone, whose flags the plan does check. Tracing refuses them too, so a learned
 * profile holds the fallback; --explain does not report them, since the fallback follows. */
export const NEVER_ALLOWED: readonly string[] = ["clone3"];

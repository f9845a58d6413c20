/** secure-run as a library: every step of the CLI is callable, nothing prints. */
export { loadApp, parseApp, type LoadedApp } from "./appspec/load.js";
export type { App, AppSpec } from "./appspec/types.js";
export {
  InputError,
  InternalError,
  LaunchError,
  SecureRunError,
  formatIssue,
  type Issue,
} from "./errors.js";
export { hostFacts, type HostFacts } from "./host/facts.js";
export { makePlan, type PlanOptions, type PlanResult } from "./plan/make.js";
export type { Plan, Reason } from "./plan/types.js";
export { PolicyEngine } from "./policy/engine.js";
export { loadProfiles, type Profile, type Profiles } from "./profiles/load.js";
export { compileFilters, type CompiledFilter } from "./seccomp/compile.js";
export { launcherArgs } from "./bundle/argv.cjs";
export { prepareRun, type Prepared } from "./launch/prepare.js";
export { runPlan, type LaunchReport, type RunResult } from "./launch/run.js";

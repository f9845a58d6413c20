/** Judges app definitions: the built-in review rules, the organisation's configuration and the
 * user's own policies, each decision located in the app file. */
import { InputError, type Issue } from "../errors.js";
import { loadApp } from "../appspec/load.js";
import type { OrgConfig } from "../config/load.js";
import type { HostFacts } from "../host/facts.js";
import { issueAt, makePlan, policyEngine } from "../plan/make.js";
import type { Plan } from "../plan/types.js";
import type { PolicyDecision, PolicyEngine } from "../policy/engine.js";
import { byCodeUnits } from "../order.js";

export interface Decision extends PolicyDecision {
  file: string;
  line?: number;
  column?: number;
}

export interface AppReview {
  file: string;
  /** Undefined when the app definition is invalid (see issues). */
  plan?: Plan;
  decisions: Decision[];
  /** Input problems: the file could not be reviewed. */
  issues: Issue[];
}

export interface ReviewOptions {
  config?: OrgConfig;
  /** Compiled user policies (loadUserPolicy). */
  userPolicies?: PolicyEngine[];
  host?: HostFacts;
  /** PlanOptions.check. */
  check?: boolean;
}

const levelOrder = { deny: 0, warn: 1, info: 2 };

export function reviewApp(file: string, options: ReviewOptions = {}): AppReview {
  let loaded;
  let plan: Plan;
  try {
    loaded = loadApp(file);
    plan = makePlan(loaded, {
      config: options.config ?? {},
      ...(options.host ? { host: options.host } : {}),
      ...(options.check === false ? { check: false } : {}),
    }).plan;
  } catch (e) {
    if (e instanceof InputError) return { file, decisions: [], issues: e.issues };
    throw e;
  }
  const input = { app: loaded.app, spec: loaded.spec, plan };
  const raw = [...policyEngine().evaluateReview(input)];
  for (const user of options.userPolicies ?? []) {
    user.setData({ config: options.config ?? {} });
    raw.push(...user.evaluateReview(input));
  }
  const decisions = raw.map((d): Decision => {
    const pos = issueAt(loaded, d.path, d.message);
    return {
      ...d,
      file,
      ...(pos.line !== undefined ? { line: pos.line, column: pos.column } : {}),
    };
  });
  decisions.sort(
    (a, b) =>
      levelOrder[a.level] - levelOrder[b.level] ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      byCodeUnits(a.rule, b.rule),
  );
  return { file, plan, decisions, issues: [] };
}

export interface ReviewSummary {
  deny: number;
  warn: number;
  info: number;
  invalid: number;
}

export function summarize(reviews: AppReview[]): ReviewSummary {
  const s: ReviewSummary = { deny: 0, warn: 0, info: 0, invalid: 0 };
  for (const r of reviews) {
    if (r.issues.length > 0) s.invalid++;
    for (const d of r.decisions) s[d.level]++;
  }
  return s;
}

/** 2 when a file could not be reviewed, 1 on any deny, else 0. */
export function reviewExitCode(s: ReviewSummary): number {
  if (s.invalid > 0) return 2;
  return s.deny > 0 ? 1 : 0;
}

/** Evaluates the built Rego policy (policies/build/policy.wasm) with OPA's WebAssembly SDK. */
import { readFileSync } from "node:fs";
import * as opaWasm from "@open-policy-agent/opa-wasm";
import { InternalError } from "../errors.js";
import { paths } from "../paths.cjs";

/** The part of @open-policy-agent/opa-wasm used here (its ESM types omit loadPolicySync). */
interface LoadedPolicy {
  evaluate(input: unknown, entrypoint?: string | number): unknown;
  setData(data: object): void;
}
interface OpaWasm {
  loadPolicySync(wasm: Uint8Array, memory?: { initial: number; maximum?: number }): LoadedPolicy;
}
// A static import, so that the CLI's bundle (scripts/bundle-cli.mjs) carries the SDK too.
const opa = ((opaWasm as { default?: unknown }).default ?? opaWasm) as OpaWasm;

export const PLAN_ENTRYPOINT = "secure_run/plan/result";
export const REVIEW_ENTRYPOINT = "secure_run/review/decisions";

/** A review decision as the policy makes it. */
export interface PolicyDecision {
  rule: string;
  level: "deny" | "warn" | "info";
  title: string;
  message: string;
  /** Field path in the app definition; "" for the whole app. */
  path: string;
}

/** An input problem found by the policy (e.g. an unknown profile name). */
export interface PolicyInputError {
  path: string;
  message: string;
  expected?: string[];
  got?: string;
  /** What to do instead, when the policy knows. */
  hint?: string;
}

export interface PolicyResult {
  plan: unknown;
  errors: PolicyInputError[];
}

export class PolicyEngine {
  private constructor(
    private readonly policy: LoadedPolicy,
    private readonly reviewEntrypoint: string,
  ) {}

  /** reviewEntrypoint: where the decisions are (user policies have their own). */
  static load(
    wasmPath: string = paths.policyWasm,
    reviewEntrypoint = REVIEW_ENTRYPOINT,
  ): PolicyEngine {
    let wasm: Buffer;
    try {
      wasm = readFileSync(wasmPath);
    } catch {
      throw new InternalError(
        `the policy bundle is missing (${wasmPath})`,
        "rebuild it with: npm run build:policy (needs opa; scripts/install-opa.sh installs it)",
      );
    }
    // The default 5 pages are too few for large plans: start at 2 MiB and let it grow.
    return new PolicyEngine(opa.loadPolicySync(wasm, { initial: 32 }), reviewEntrypoint);
  }

  setData(data: object): void {
    this.policy.setData(data);
  }

  evaluateReview(input: object): PolicyDecision[] {
    const out = this.policy.evaluate(input, this.reviewEntrypoint) as {
      result?: PolicyDecision[];
    }[];
    const result = out[0]?.result;
    if (!result) throw new InternalError("the review policy returned no result");
    return result;
  }

  evaluatePlan(input: object): PolicyResult {
    const out = this.policy.evaluate(input, PLAN_ENTRYPOINT) as { result?: PolicyResult }[];
    const result = out[0]?.result;
    if (!result) throw new InternalError("the plan policy returned no result");
    return result;
  }
}

/** AppSpec + host facts + profiles → Plan, through the policy. */
import { InputError, type Issue } from "../errors.js";
import type { LoadedApp } from "../appspec/load.js";
import { closest } from "../appspec/suggest.js";
import type { PathSegment } from "../appspec/yaml-source.js";
import { hostFacts, type HostFacts } from "../host/facts.js";
import { DEFAULT_USER, readHostAccounts, resolveIdentity } from "../host/identity.js";
import { PolicyEngine } from "../policy/engine.js";
import { loadProfiles, type Profiles } from "../profiles/load.js";
import type { Plan } from "./types.js";
import { assertPlan } from "./validate.js";

export interface PlanOptions {
  /** Defaults to this host's facts. */
  host?: HostFacts;
  /** Defaults to the host's /etc/passwd and /etc/group. */
  accounts?: { passwd: string; group: string };
  profiles?: Profiles;
  engine?: PolicyEngine;
}

export interface PlanResult {
  plan: Plan;
  host: HostFacts;
  profiles: Profiles;
}

let sharedEngine: PolicyEngine | undefined;

/** "syscalls.profiles[1]" → ["syscalls", "profiles", 1] */
export function parseFieldPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

export function makePlan(loaded: LoadedApp, options: PlanOptions = {}): PlanResult {
  const host = options.host ?? hostFacts();
  const profiles = options.profiles ?? loadProfiles();
  const accounts = options.accounts ?? readHostAccounts();
  const user = loaded.app.user ?? DEFAULT_USER;
  const id = resolveIdentity(user, accounts.passwd, accounts.group);
  if (!id.ok) {
    const issue: Issue = {
      file: loaded.file,
      ...loaded.source.locate(loaded.app.user === undefined ? [] : ["user"]),
      path: "user",
      message: id.message,
    };
    if (id.hint) issue.hint = id.hint;
    throw new InputError([issue]);
  }
  const engine = options.engine ?? (sharedEngine ??= PolicyEngine.load());
  engine.setData({ profiles });
  const result = engine.evaluatePlan({ app: loaded.app, host: { ...host, identity: id.identity } });
  if (result.errors.length > 0) {
    throw new InputError(
      result.errors.map((e) => {
        const issue: Issue = {
          file: loaded.file,
          ...loaded.source.locate(parseFieldPath(e.path)),
          path: e.path,
          message: e.message,
        };
        const guess = e.got && e.expected ? closest(e.got, e.expected) : undefined;
        if (guess) issue.hint = `did you mean "${guess}"?`;
        else if (e.expected) issue.hint = `known: ${e.expected.join(", ")}`;
        return issue;
      }),
    );
  }
  return { plan: assertPlan(result.plan), host, profiles };
}

import type { PolicyProblem } from '../../common/protocol/policy';
import { WireError, WireErrorCode } from '../../common/wire/errors';

/**
 * A policy that cannot be used: every problem found (not just the first), each naming the file, the line and the
 * key. A WireError (PolicyInvalid), so it reaches `flightdeck policy check` and the person starting an agent as it
 * is; its data is PolicyErrorData.
 */
export class PolicyError extends WireError {
  constructor(readonly problems: PolicyProblem[]) {
    super(WireErrorCode.PolicyInvalid, problems.map(describeProblem).join('\n'), { problems });
  }
}

/** `repo demo .flightdeck/policy.yaml line 7: egress.allow[1] "evil.com" widens the host policy (…)` */
export function describeProblem(problem: PolicyProblem): string {
  const where = problem.line === undefined ? problem.label : `${problem.label} line ${problem.line}`;
  return `${where}: ${problem.path === '' ? 'the policy' : problem.path} ${problem.message}`;
}

export type PolicyPath = readonly PropertyKey[];

/** `egress.allow[1]`, `mcp.servers["odd.name"].tools` — the key path as people write it. */
export function formatPolicyPath(path: PolicyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

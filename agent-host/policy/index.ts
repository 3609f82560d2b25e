/**
 * Governance policy: the host's `<state-dir>/policy.yaml` (the ceiling), a repo's `.flightdeck/policy.yaml` and a
 * runbook role (each may only narrow), combined into the effective policy an agent runs under, and the pure, fast
 * matchers the host decides with. docs/governance.md documents the file; common/protocol/policy.ts the wire form.
 *
 * Reading layers (each throws PolicyError — a WireError, code PolicyInvalid — listing every problem with its file
 * label, line and key path):
 *   loadHostPolicy(stateDir): PolicyLayer            no file → the closed defaults; refuses a symlink, another
 *                                                     user's file, or one group/others can write
 *   parsePolicy(text, label): PolicyLayer            a repo's file (label e.g. `repo demo .flightdeck/policy.yaml`)
 *   policyLayerFromObject(value, label): PolicyLayer a runbook role's narrowing
 *   defaultHostLayer(stateDir?): PolicyLayer
 * Combining:
 *   effectivePolicy(host, ...narrower): EffectivePolicy   throws PolicyError on any widening
 * Deciding (pure; compiled rules are cached per policy object):
 *   matchCommand(policy, commandLine): CommandVerdict      deny | ask | allow, with the rule and the command
 *   matchEgress(policy, host, port, { resolvedIsLoopbackOrLinkLocal }): EgressDecision
 *   isToolDenied(policy, tool) / deniedToolRule(policy, tool)
 *   mcpToolDecision(policy, server, tool): McpToolDecision
 *   pathMatchers(policy, home?): { writable(path), denyRead(path) }   absolute paths; the rule or undefined
 *   protectedPathsMatcher(policy): (repoRelativePath) => rule | undefined
 */
export { matchCommand, MAX_LINE, type CommandRule, type CommandVerdict } from './commandMatch';
export { effectivePolicy } from './effective';
export { canonicalHost, isLocalHost, matchEgress, parseEgressEntry, type EgressDecision } from './egressRules';
export { defaultHostLayer, HOST_POLICY_FILE, loadHostPolicy, parsePolicy, policyLayerFromObject, type PolicyLayer } from './layer';
export { absolutePathMatcher, expandHome, literalBase, pathMatchers, protectedPathsMatcher, type PathMatchers } from './pathRules';
export { describeProblem, PolicyError } from './policyError';
export { deniedToolRule, isToolDenied, mcpToolDecision, type McpToolDecision } from './toolRules';

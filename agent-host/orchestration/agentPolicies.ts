import { policyLayerFromObject, type PolicyLayer } from '../policy';
import type { Runbook } from '../runbooks/parseRunbook';

/**
 * The writing tools of every agent kind, refused: with its read-only worktree this makes an agent read-only whatever
 * it is (the planner, a retrospective).
 */
export function readOnlyLayer(who: string): PolicyLayer {
  return policyLayerFromObject({ tools: { deny: ['write_file', 'edit_file', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'apply_patch'] } }, `read-only ${who}`);
}

/** A runbook role's `policy`, narrowing the host's and the repo's for that role's agents. */
export function rolePolicy(runbook: Runbook, role: string): PolicyLayer[] {
  const policy = runbook.frontMatter.roles[role]?.policy;
  return policy ? [policyLayerFromObject(policy, `runbook ${runbook.info.name} roles.${role}.policy`)] : [];
}

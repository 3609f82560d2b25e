import { isAbsolute, join, normalize, sep } from 'node:path';
import { describeSource, type EffectivePolicy } from '../../common/protocol/policy';
import { deniedToolRule, matchCommand, pathMatchers } from '../policy';

/** The policy as the tool gate asks it, for one agent. */
export interface GateRules {
  toolDenied(tool: string): { rule: string; source: string } | null;
  command(commandLine: string): { verdict: 'deny' | 'ask' | 'allow'; rule: string; source: string };
  /** Whether a file tool may write this path (relative ones are in the worktree). */
  writable(path: string): boolean;
}

/**
 * Writes go to the worktree (unless it is read-only for this agent), the agent's own dirs, and what paths.write adds;
 * tools, commands as the policy says.
 */
export function policyGateRules(policy: EffectivePolicy, worktree: string, ownDirs: readonly string[], readOnlyWorktree = false): GateRules {
  const paths = pathMatchers(policy);
  const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
  return {
    toolDenied(tool) {
      const rule = deniedToolRule(policy, tool);
      return rule ? { rule: `tools.deny ${rule.value}`, source: describeSource(rule.source) } : null;
    },
    command(commandLine) {
      const verdict = matchCommand(policy, commandLine);
      if (verdict.verdict === 'allow' || !verdict.rule) return { verdict: verdict.verdict, rule: verdict.rule ? `commands.${verdict.rule.list} ${verdict.rule.pattern}` : 'no-command-rule', source: verdict.rule ? describeSource(verdict.rule.source) : 'default' };
      return { verdict: verdict.verdict, rule: `commands.${verdict.rule.list} ${verdict.rule.pattern}`, source: describeSource(verdict.rule.source) };
    },
    writable(path) {
      const absolute = normalize(isAbsolute(path) ? path : join(worktree, path));
      return (!readOnlyWorktree && inside(absolute, worktree)) || ownDirs.some((dir) => inside(absolute, dir)) || paths.writable(absolute) !== undefined;
    },
  };
}

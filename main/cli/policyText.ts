import { describeSource, type EffectivePolicy, type RuleSource } from '../../common/protocol/policy';

const from = (source: RuleSource) => `   (${describeSource(source)})`;

function list(title: string, rules: readonly { value: string; source: RuleSource }[], empty: string): string[] {
  if (rules.length === 0) return [`${title}: ${empty}`];
  return [`${title}:`, ...rules.map((rule) => `  ${rule.value}${from(rule.source)}`)];
}

/** The effective policy as a security reviewer reads it: every rule with the file and line it comes from. */
export function formatPolicy(policy: EffectivePolicy): string {
  const layers = policy.layers.map((layer) => `${layer.label}${layer.present ? '' : ' (no file: closed defaults)'}`).join(' → ');
  const servers = Object.entries(policy.mcp.servers);
  const lines = [
    `policy: ${layers}`,
    `sandbox: ${policy.sandbox.value}${from(policy.sandbox.source)}`,
    ...list('paths.write (besides the worktree and temp dir)', policy.paths.write, 'nothing else'),
    ...list('paths.deny_read', policy.paths.deny_read, 'none'),
    ...list('commands.deny', policy.commands.deny, 'none'),
    ...list('commands.ask', policy.commands.ask, 'none'),
    `egress.mode: ${policy.egress.mode.value}${from(policy.egress.mode.source)}`,
    ...list('egress.allow', policy.egress.allow, 'nothing (the model endpoint from agent.env is added at agent start)'),
    ...(servers.length === 0
      ? ['mcp.servers: none']
      : [
          'mcp.servers:',
          ...servers.flatMap(([name, server]) => [
            `  ${name}: ${server.url ?? [server.command, ...server.args].join(' ')}${from(server.source)}`,
            `    tools.allow: ${server.tools.allow === null ? 'all' : server.tools.allow.map((rule) => rule.value).join(', ') || 'none'}`,
            ...(server.tools.deny.length > 0 ? [`    tools.deny: ${server.tools.deny.map((rule) => rule.value).join(', ')}`] : []),
          ]),
        ]),
    ...list('tools.deny', policy.tools.deny, 'none'),
    ...list('protected_paths', policy.protected_paths, 'none'),
    `budget: ${policy.budget.tokens ? `${policy.budget.tokens.value} tokens${from(policy.budget.tokens.source)}` : 'no token limit'}, ${
      policy.budget.cost_usd ? `$${policy.budget.cost_usd.value}${from(policy.budget.cost_usd.source)}` : 'no cost limit'
    }`,
  ];
  return lines.join('\n');
}

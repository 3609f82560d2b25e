import { describeSource, type EffectiveMcpServer, type EffectivePolicy, type RuleSource, type SourcedString } from '../../../../common/protocol/policy';

/**
 * One line of the policy view: the policy file's key, its values, where they come from (null: nothing sets it, the
 * values say what that means), and a note on what they mean.
 */
export interface PolicyRow {
  key: string;
  values: string[];
  source: RuleSource | null;
  note?: string;
}

export interface PolicySection {
  id: string;
  title: string;
  /** What the section decides, in a line. */
  about: string;
  rows: PolicyRow[];
}

/**
 * A list rule: entries in a row while they come from the same place (Flightdeck's built-in hidden paths are one row,
 * each line of a file its own), or one row saying it is empty, so every key of the file shows.
 */
function list<R extends SourcedString>(key: string, rules: readonly R[], none: string, note?: (rule: R) => string | undefined): PolicyRow[] {
  if (rules.length === 0) return [{ key, values: [none], source: null }];
  const rows: PolicyRow[] = [];
  for (const rule of rules) {
    const said = note?.(rule);
    const last = rows.at(-1);
    if (last?.source && describeSource(last.source) === describeSource(rule.source) && last.note === said) last.values.push(rule.value);
    else rows.push({ key, values: [rule.value], source: rule.source, ...(said ? { note: said } : {}) });
  }
  return rows;
}

const one = (key: string, value: string, source: RuleSource | null): PolicyRow => ({ key, values: [value], source });

function mcpRows(name: string, server: EffectiveMcpServer): PolicyRow[] {
  const key = `mcp.servers.${name}`;
  const how = server.url ?? [server.command ?? '', ...server.args].join(' ').trim();
  const env = Object.keys(server.env);
  return [
    { ...one(key, how, server.source), note: server.url ? 'Streamable HTTP' : `stdio${env.length > 0 ? `; env ${env.join(', ')} (values hidden)` : ''}` },
    ...(server.tools.allow === null ? [one(`${key}.tools.allow`, 'every tool the server offers', null)] : list(`${key}.tools.allow`, server.tools.allow, 'no tool')),
    ...list(`${key}.tools.deny`, server.tools.deny, 'none'),
  ];
}

/** The effective policy as sections of rows, in the order of the policy file (docs/governance.md). */
export function policySections(policy: EffectivePolicy): PolicySection[] {
  const servers = Object.entries(policy.mcp.servers);
  const { tokens, cost_usd: cost } = policy.budget;
  return [
    {
      id: 'sandbox',
      title: 'Sandbox',
      about: 'How agents are isolated: strict refuses to start an agent the host cannot sandbox.',
      rows: [one('sandbox', policy.sandbox.value, policy.sandbox.source)],
    },
    {
      id: 'paths',
      title: 'Paths',
      about: "Where agents may write beyond their worktree and temp dir, and what they can never read.",
      rows: [...list('paths.write', policy.paths.write, 'only the worktree and temp dir'), ...list('paths.deny_read', policy.paths.deny_read, 'nothing hidden')],
    },
    {
      id: 'commands',
      title: 'Commands',
      about: 'Commands refused outright, and commands held until a person approves them.',
      rows: [...list('commands.deny', policy.commands.deny, 'none denied'), ...list('commands.ask', policy.commands.ask, 'none held')],
    },
    {
      id: 'egress',
      title: 'Egress',
      about: "Where agents' network traffic may go: strict allows only the list, proxy anything (audited), off is no isolation.",
      rows: [
        one('egress.mode', policy.egress.mode.value, policy.egress.mode.source),
        ...list('egress.allow', policy.egress.allow, 'nothing', (rule) => (rule.local ? 'allowed even where it resolves to a loopback or link-local address' : undefined)),
      ],
    },
    {
      id: 'tools',
      title: 'Tools',
      about: 'Agent tools refused by name or pattern, whatever the profile allows.',
      rows: list('tools.deny', policy.tools.deny, 'none denied'),
    },
    {
      id: 'mcp',
      title: 'MCP servers',
      about: 'Upstream MCP servers the gateway may run for agents, and which of their tools agents see.',
      rows: servers.length === 0 ? [one('mcp.servers', 'none', null)] : servers.flatMap(([name, server]) => mcpRows(name, server)),
    },
    {
      id: 'protected',
      title: 'Protected paths',
      about: 'Files whose changes need a second reviewer.',
      rows: list('protected_paths', policy.protected_paths, 'none'),
    },
    {
      id: 'budget',
      title: 'Budget',
      about: 'Where an agent is stopped.',
      rows: [
        tokens ? one('budget.tokens', tokens.value.toLocaleString('en-US'), tokens.source) : one('budget.tokens', 'no limit', null),
        cost ? one('budget.cost_usd', `$${cost.value}`, cost.source) : one('budget.cost_usd', 'no limit', null),
      ],
    },
  ];
}

/** A source's kind, for its colour: a file of the host or a repo, the closed defaults, Flightdeck's own, the host at start. */
export function sourceKind(source: RuleSource): 'file' | 'default' | 'built-in' | 'runtime' {
  return typeof source === 'string' ? source : 'file';
}

import { describe, expect, it } from 'vitest';
import type { EffectivePolicy } from '../../../../common/protocol/policy';
import { policySections, sourceKind } from './policyRows';

const HOST = { label: 'host policy /srv/flightdeck/policy.yaml' };
const REPO = { label: 'repo app .flightdeck/policy.yaml' };

const POLICY: EffectivePolicy = {
  layers: [
    { label: HOST.label, present: true },
    { label: REPO.label, present: true },
  ],
  sandbox: { value: 'strict', source: 'default' },
  paths: {
    write: [],
    deny_read: [
      { value: '~/.ssh', source: 'built-in' },
      { value: '~/.aws', source: 'built-in' },
      { value: '/srv/secrets', source: { ...HOST, line: 4 } },
    ],
  },
  commands: {
    deny: [
      { value: 'git push *', source: { ...HOST, line: 2 } },
      { value: 'rm -rf /', source: { ...HOST, line: 3 } },
    ],
    ask: [{ value: 'npm publish *', source: { ...REPO, line: 2 } }],
  },
  egress: {
    mode: { value: 'strict', source: { ...HOST, line: 6 } },
    allow: [
      { value: 'registry.npmjs.org', source: { ...HOST, line: 7 }, local: false },
      { value: '127.0.0.1:8080', source: { ...HOST, line: 8 }, local: true },
      { value: 'api.example.com:443', source: 'runtime', local: false },
    ],
  },
  mcp: {
    servers: {
      docs: {
        source: { ...HOST, line: 10 },
        command: 'npx',
        args: ['docs-mcp', '--stdio'],
        env: { TOKEN: '<redacted>' },
        url: null,
        tools: { allow: null, deny: [{ value: 'delete_.*', source: { ...REPO, line: 5 } }] },
      },
    },
  },
  tools: { deny: [] },
  protected_paths: [{ value: 'migrations/**', source: { ...REPO, line: 7 } }],
  budget: { tokens: { value: 200000, source: { ...HOST, line: 12 } }, cost_usd: null },
};

describe('policySections', () => {
  const sections = policySections(POLICY);
  const rows = (id: string) => sections.find((section) => section.id === id)!.rows;

  it('lists every section of the policy file, in its order', () => {
    expect(sections.map((section) => section.id)).toEqual(['sandbox', 'paths', 'commands', 'egress', 'tools', 'mcp', 'protected', 'budget']);
  });

  it("keeps each rule's source: a file and line, the defaults, Flightdeck's own, the host at start", () => {
    expect(rows('sandbox')).toEqual([{ key: 'sandbox', values: ['strict'], source: 'default' }]);
    expect(rows('commands')).toEqual([
      { key: 'commands.deny', values: ['git push *'], source: { ...HOST, line: 2 } },
      { key: 'commands.deny', values: ['rm -rf /'], source: { ...HOST, line: 3 } },
      { key: 'commands.ask', values: ['npm publish *'], source: { ...REPO, line: 2 } },
    ]);
    expect(rows('egress').map((row) => [row.values, row.source, row.note])).toEqual([
      [['strict'], { ...HOST, line: 6 }, undefined],
      [['registry.npmjs.org'], { ...HOST, line: 7 }, undefined],
      [['127.0.0.1:8080'], { ...HOST, line: 8 }, 'allowed even where it resolves to a loopback or link-local address'],
      [['api.example.com:443'], 'runtime', undefined],
    ]);
  });

  it('puts entries from the same place in one row, and says what an empty list means', () => {
    expect(rows('paths')).toEqual([
      { key: 'paths.write', values: ['only the worktree and temp dir'], source: null },
      { key: 'paths.deny_read', values: ['~/.ssh', '~/.aws'], source: 'built-in' },
      { key: 'paths.deny_read', values: ['/srv/secrets'], source: { ...HOST, line: 4 } },
    ]);
    expect(rows('tools')).toEqual([{ key: 'tools.deny', values: ['none denied'], source: null }]);
  });

  it('shows an MCP server as it runs, its env by name only, and its tools', () => {
    expect(rows('mcp')).toEqual([
      { key: 'mcp.servers.docs', values: ['npx docs-mcp --stdio'], source: { ...HOST, line: 10 }, note: 'stdio; env TOKEN (values hidden)' },
      { key: 'mcp.servers.docs.tools.allow', values: ['every tool the server offers'], source: null },
      { key: 'mcp.servers.docs.tools.deny', values: ['delete_.*'], source: { ...REPO, line: 5 } },
    ]);
    expect(JSON.stringify(rows('mcp'))).not.toContain('<redacted>');
  });

  it('reads budgets as numbers a person reads, and no limit when none is set', () => {
    expect(rows('budget')).toEqual([
      { key: 'budget.tokens', values: ['200,000'], source: { ...HOST, line: 12 } },
      { key: 'budget.cost_usd', values: ['no limit'], source: null },
    ]);
  });
});

describe('sourceKind', () => {
  it('tells files from the named origins', () => {
    expect([HOST, 'default', 'built-in', 'runtime'].map((source) => sourceKind(source as never))).toEqual(['file', 'default', 'built-in', 'runtime']);
  });
});

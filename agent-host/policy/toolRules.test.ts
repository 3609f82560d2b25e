import { describe, expect, it } from 'vitest';
import { effectivePolicy } from './effective';
import { parsePolicy } from './layer';
import { deniedToolRule, isToolDenied, mcpToolDecision, toolPatternCovers, toolPatternProblem } from './toolRules';

const HOST = 'host policy /srv/fd/policy.yaml';
const policy = effectivePolicy(
  parsePolicy(
    'tools:\n  deny: [WebFetch, "mcp__.*"]\nmcp:\n  servers:\n    github: { command: gh-mcp, tools: { allow: [get_issue, "list_.*"], deny: [list_secrets] } }\n    docs: { url: "https://docs.example/mcp", tools: { deny: [admin] } }\n',
    HOST,
  ),
);

describe('tool rules', () => {
  it('denies agent tools by whole name or anchored regex, naming the rule', () => {
    expect(isToolDenied(policy, 'WebFetch')).toBe(true);
    expect(deniedToolRule(policy, 'mcp__github__get_issue')).toEqual({ value: 'mcp__.*', source: { label: HOST, line: 2 } });
    expect(isToolDenied(policy, 'WebFetchX')).toBe(false);
    expect(isToolDenied(policy, 'MyWebFetch')).toBe(false);
    expect(isToolDenied(policy, 'Bash')).toBe(false);
  });

  it('exposes only the allowed, not denied tools of declared MCP servers', () => {
    expect(mcpToolDecision(policy, 'github', 'get_issue')).toMatchObject({ allow: true, rule: 'mcp.servers.github.tools.allow get_issue' });
    expect(mcpToolDecision(policy, 'github', 'list_prs').allow).toBe(true);
    expect(mcpToolDecision(policy, 'github', 'list_secrets')).toMatchObject({ allow: false, rule: 'mcp.servers.github.tools.deny list_secrets' });
    expect(mcpToolDecision(policy, 'github', 'delete_repo')).toMatchObject({ allow: false, rule: 'mcp.servers.github.tools.allow' });
    expect(mcpToolDecision(policy, 'docs', 'search').allow).toBe(true);
    expect(mcpToolDecision(policy, 'docs', 'admin').allow).toBe(false);
    expect(mcpToolDecision(policy, 'shell', 'run')).toMatchObject({ allow: false, reason: 'the policy declares no MCP server "shell"' });
    expect(mcpToolDecision(policy, 'constructor', 'x').allow).toBe(false);
  });

  it('validates patterns and covers a narrower one only when it can show it', () => {
    expect(toolPatternProblem('(')).toBe('is not a valid regular expression');
    expect(toolPatternProblem('list_.*')).toBeUndefined();
    expect(toolPatternCovers('list_.*', 'list_prs')).toBe(true);
    expect(toolPatternCovers('list_.*', 'list_.*')).toBe(true);
    expect(toolPatternCovers('list_.*', 'list_p.*')).toBe(false);
    expect(toolPatternCovers('get_issue', 'get_issues')).toBe(false);
  });
});

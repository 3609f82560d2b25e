import { describeSource, type EffectivePolicy, type SourcedString } from '../../common/protocol/policy';

/**
 * Tool rules: `tools.deny` (agent tools disabled: `WebFetch`, `mcp__.*`) and each MCP server's `tools.allow` /
 * `tools.deny`. An entry is a tool name or a regular expression matched against the whole name (anchored), as the
 * profiles' deny_tools are.
 */

/** Why an entry is not a usable tool pattern, or undefined. */
export function toolPatternProblem(pattern: string): string | undefined {
  try {
    new RegExp(`^(?:${pattern})$`);
    return undefined;
  } catch {
    return 'is not a valid regular expression';
  }
}

/** A plain tool name (no regex syntax), which a wider pattern can be shown to cover. */
export function isPlainToolName(pattern: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(pattern);
}

const compiled = new Map<string, RegExp>();

export function toolPatternMatches(pattern: string, tool: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    if (compiled.size > 10_000) compiled.clear();
    regex = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  return regex.test(tool);
}

/** Whether a wider allow entry covers a narrower one: the same pattern, or a plain name the wider one matches. */
export function toolPatternCovers(wider: string, narrower: string): boolean {
  return wider === narrower || (isPlainToolName(narrower) && toolPatternMatches(wider, narrower));
}

/** The tools.deny rule that disables a tool, if any. */
export function deniedToolRule(policy: EffectivePolicy, tool: string): SourcedString | undefined {
  return policy.tools.deny.find((rule) => toolPatternMatches(rule.value, tool));
}

export function isToolDenied(policy: EffectivePolicy, tool: string): boolean {
  return deniedToolRule(policy, tool) !== undefined;
}

export interface McpToolDecision {
  allow: boolean;
  rule: string;
  reason: string;
}

/** Whether the gateway may offer (and forward calls to) a tool of an upstream MCP server. */
export function mcpToolDecision(policy: EffectivePolicy, server: string, tool: string): McpToolDecision {
  const config = Object.hasOwn(policy.mcp.servers, server) ? policy.mcp.servers[server] : undefined;
  if (!config) return { allow: false, rule: 'mcp.servers', reason: `the policy declares no MCP server ${JSON.stringify(server)}` };
  const denied = config.tools.deny.find((rule) => toolPatternMatches(rule.value, tool));
  if (denied) {
    return {
      allow: false,
      rule: `mcp.servers.${server}.tools.deny ${denied.value}`,
      reason: `${server}/${tool} is denied by mcp.servers.${server}.tools.deny ${JSON.stringify(denied.value)} (${describeSource(denied.source)})`,
    };
  }
  if (config.tools.allow === null) {
    return { allow: true, rule: `mcp.servers.${server}`, reason: `${server} offers all its tools but those denied (${describeSource(config.source)})` };
  }
  const allowed = config.tools.allow.find((rule) => toolPatternMatches(rule.value, tool));
  return allowed
    ? { allow: true, rule: `mcp.servers.${server}.tools.allow ${allowed.value}`, reason: `${server}/${tool} is allowed (${describeSource(allowed.source)})` }
    : { allow: false, rule: `mcp.servers.${server}.tools.allow`, reason: `${server}/${tool} is not in mcp.servers.${server}.tools.allow` };
}

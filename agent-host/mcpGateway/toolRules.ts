import { toolPatternMatches } from '../policy/toolRules';

/** What the policy says about the tools of one upstream server (`mcp.servers.<server>.tools`). */
export interface ToolFilter {
  /** Tool names or anchored regular expressions, as everywhere in the policy; when given, only these tools exist. */
  allow?: string[];
  /** Names or anchored regular expressions; always wins over `allow`. */
  deny?: string[];
}

export interface ToolRuling {
  allowed: boolean;
  /** The policy rule that decided, as audited: `mcp.servers.<server>.tools.deny:<pattern>`, … */
  rule: string;
  /** Why it is refused, for the agent and the audit; null when allowed. */
  reason: string | null;
}

/** Upstream server names: letters, digits, `_` and `-`, never `__` (it separates server and tool in exposed names). */
export const SERVER_NAME = /^(?!.*__)[A-Za-z0-9_-]{1,64}$/;

/** The separator of `<server>__<tool>`, the name an agent sees. */
export const NAME_SEPARATOR = '__';

export const exposedName = (server: string, tool: string): string => `${server}${NAME_SEPARATOR}${tool}`;

/** Server and tool of an exposed name; server names hold no `__`, so the first one splits. */
export function splitExposedName(name: string): { server: string; tool: string } | null {
  const at = name.indexOf(NAME_SEPARATOR);
  if (at <= 0 || at + NAME_SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, at), tool: name.slice(at + NAME_SEPARATOR.length) };
}

/** The policy's ruling on one tool of one server: deny first, then the allow list if there is one, else allowed. */
export function ruleOnTool(server: string, filter: ToolFilter | undefined, tool: string): ToolRuling {
  const base = `mcp.servers.${server}.tools`;
  const denied = filter?.deny?.find((pattern) => toolPatternMatches(pattern, tool));
  if (denied !== undefined) {
    return { allowed: false, rule: `${base}.deny:${denied}`, reason: `the policy denies the tool ${tool} of the MCP server ${server} (${base}.deny: ${denied})` };
  }
  if (filter?.allow) {
    const allowed = filter.allow.find((pattern) => toolPatternMatches(pattern, tool));
    if (allowed === undefined) {
      return { allowed: false, rule: `${base}.allow`, reason: `the tool ${tool} of the MCP server ${server} is not in ${base}.allow` };
    }
    return { allowed: true, rule: `${base}.allow:${allowed}`, reason: null };
  }
  return { allowed: true, rule: `mcp.servers.${server}`, reason: null };
}

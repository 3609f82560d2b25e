import { z } from 'zod';

/**
 * The effective governance policy of an agent as it crosses the wire (`flightdeck policy show HOST --json` prints it):
 * the host's `<state-dir>/policy.yaml` narrowed by a repo's `.flightdeck/policy.yaml` and a runbook role. Keys mirror
 * the policy file's own (snake_case), so a security reviewer reads the same names in both; every rule carries where
 * it came from. Built by agent-host/policy/effective.ts; docs/governance.md documents the file.
 */

/**
 * Where a rule came from: a file (its label, e.g. `repo demo .flightdeck/policy.yaml`, and the line of the key or list
 * item; no line for a runbook role given as an object), the closed defaults, Flightdeck's own always-on rules
 * (`built-in`: ~/.ssh, the state dir and agent.env hidden), or the host at agent start (`runtime`: the model endpoint
 * from agent.env added to the egress allow list).
 */
export const RuleSource = z.union([
  z.enum(['default', 'built-in', 'runtime']),
  z.object({ label: z.string(), line: z.number().int().positive().optional() }),
]);
export type RuleSource = z.infer<typeof RuleSource>;

export const SandboxMode = z.enum(['strict', 'best-effort']);
export type SandboxMode = z.infer<typeof SandboxMode>;

/** Ordered by width: strict (allow list only) < proxy (anything, audited, through the proxy) < off (no isolation). */
export const EgressMode = z.enum(['strict', 'proxy', 'off']);
export type EgressMode = z.infer<typeof EgressMode>;

export const McpServerName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'MCP server names are letters, digits, _ and -');

const sourced = <T extends z.ZodType>(value: T) => z.object({ value, source: RuleSource });

export const SourcedString = sourced(z.string());
export type SourcedString = z.infer<typeof SourcedString>;

/**
 * An egress allow entry (`host`, `*.suffix`, `1.2.3.4`, `[::1]`, each with an optional `:port`). `local`: the entry may
 * open a loopback or link-local target — only an entry naming its host literally whose every layer above named that
 * host literally too (or had egress off), so a repo can never reach the VM's own services through a host wildcard.
 */
export const EgressAllowRule = SourcedString.extend({ local: z.boolean() });
export type EgressAllowRule = z.infer<typeof EgressAllowRule>;

/** An upstream MCP server the gateway may run: `command` (+ args, env) for stdio, or `url` for Streamable HTTP. */
export const EffectiveMcpServer = z.object({
  source: RuleSource,
  command: z.string().nullable(),
  args: z.array(z.string()),
  /** Values are secrets more often than not: policy show redacts them (see redactPolicy). */
  env: z.record(z.string(), z.string()),
  url: z.string().nullable(),
  tools: z.object({
    /** null: every tool the server offers (minus deny); else only these names or anchored regexes. */
    allow: z.array(SourcedString).nullable(),
    deny: z.array(SourcedString),
  }),
});
export type EffectiveMcpServer = z.infer<typeof EffectiveMcpServer>;

export const PolicyLayerInfo = z.object({
  label: z.string(),
  /** false: no file, the closed defaults apply (only ever the host layer). */
  present: z.boolean(),
});
export type PolicyLayerInfo = z.infer<typeof PolicyLayerInfo>;

export const EffectivePolicy = z.object({
  /** Widest first: the host policy, then each narrowing layer. */
  layers: z.array(PolicyLayerInfo),
  sandbox: sourced(SandboxMode),
  paths: z.object({
    /** Writable beyond the agent's worktree and temp dir (absolute or ~/ globs; a directory covers its subtree). */
    write: z.array(SourcedString),
    /** Hidden from agents, built-in rules first. */
    deny_read: z.array(SourcedString),
  }),
  commands: z.object({ deny: z.array(SourcedString), ask: z.array(SourcedString) }),
  egress: z.object({ mode: sourced(EgressMode), allow: z.array(EgressAllowRule) }),
  mcp: z.object({ servers: z.record(McpServerName, EffectiveMcpServer) }),
  tools: z.object({ deny: z.array(SourcedString) }),
  /** Globs relative to the repo root whose changes need a second reviewer. */
  protected_paths: z.array(SourcedString),
  budget: z.object({ tokens: sourced(z.number()).nullable(), cost_usd: sourced(z.number()).nullable() }),
});
export type EffectivePolicy = z.infer<typeof EffectivePolicy>;

/** One problem of a policy file: which file, which line (when known), which key (`egress.allow[1]`), what is wrong. */
export const PolicyProblem = z.object({
  label: z.string(),
  line: z.number().int().positive().optional(),
  path: z.string(),
  message: z.string(),
});
export type PolicyProblem = z.infer<typeof PolicyProblem>;

/** The data of a PolicyInvalid (1400) wire error: every problem found, not just the first. */
export const PolicyErrorData = z.object({ problems: z.array(PolicyProblem) });
export type PolicyErrorData = z.infer<typeof PolicyErrorData>;

/** How a rule's origin reads to a person: `repo demo .flightdeck/policy.yaml line 7`, `default`, `built-in`. */
export function describeSource(source: RuleSource): string {
  if (typeof source === 'string') return source;
  return source.line === undefined ? source.label : `${source.label} line ${source.line}`;
}

/** The same policy with every MCP server's env values replaced, for showing to people and printing. */
export function redactPolicy(policy: EffectivePolicy): EffectivePolicy {
  const servers = Object.fromEntries(
    Object.entries(policy.mcp.servers).map(([name, server]) => [
      name,
      { ...server, env: Object.fromEntries(Object.keys(server.env).map((key) => [key, '<redacted>'])) },
    ]),
  );
  return { ...policy, mcp: { servers } };
}

import { join } from 'node:path';
import type {
  EffectiveMcpServer,
  EffectivePolicy,
  EgressAllowRule,
  EgressMode,
  PolicyProblem,
  RuleSource,
  SourcedString,
} from '../../common/protocol/policy';
import { egressCovers, egressNamesLiterally, parseEgressEntry, type EgressEntry } from './egressRules';
import type { PolicyLayer } from './layer';
import { formatPolicyPath, PolicyError, type PolicyPath } from './policyError';
import { pathCovers } from './pathRules';
import { toolPatternCovers } from './toolRules';

/**
 * The effective policy of an agent: the host layer (the ceiling; it may widen anything), narrowed by each further
 * layer in turn (a repo, then a runbook role). A narrowing layer may only narrow what the layers above it allow:
 * - sandbox: best-effort under strict is refused;
 * - paths.write, egress.allow, an MCP server's tools.allow: each entry must be covered by one of the list above
 *   (egress.allow only while the mode above is strict; with proxy or off any list narrows); the layer's list then
 *   replaces the one above;
 * - egress.mode: the same or narrower (strict < proxy < off);
 * - deny_read, commands.deny / ask, tools.deny, protected_paths, an MCP server's tools.deny: added to (union);
 * - mcp.servers: only servers declared above, and only their `tools`;
 * - budget: the smallest of the layers.
 * Every rule keeps its source. All problems of all layers are collected into one PolicyError.
 */

const MODE_WIDTH: Record<EgressMode, number> = { strict: 0, proxy: 1, off: 2 };
/** Credentials agents never read, whatever a policy says: keys, cloud and forge credentials, the container engines. */
export const BUILT_IN_HIDDEN = [
  '~/.ssh',
  '~/.gnupg',
  '~/.aws',
  '~/.config/gcloud',
  '~/.azure',
  '~/.kube',
  '~/.docker',
  '~/.netrc',
  '~/.git-credentials',
  '~/.config/gh',
  '/run/docker.sock',
  '/run/containerd',
  '/run/podman',
  '/run/user',
];

function sourceOf(layer: PolicyLayer, path: PolicyPath): RuleSource {
  if (!layer.present) return 'default';
  const line = layer.lineOf(path);
  return line === undefined ? { label: layer.label } : { label: layer.label, line };
}

function sourced(layer: PolicyLayer, values: readonly string[] | undefined, path: PolicyPath): SourcedString[] {
  return (values ?? []).map((value, index) => ({ value, source: sourceOf(layer, [...path, index]) }));
}

function union(wider: SourcedString[], added: SourcedString[]): SourcedString[] {
  return [...wider, ...added.filter((rule) => !wider.some((existing) => existing.value === rule.value))];
}

const listed = (rules: readonly { value: string }[]) => rules.map((rule) => rule.value).join(', ');

function parsed(value: string): EgressEntry {
  const entry = parseEgressEntry(value);
  if (typeof entry === 'string') throw new Error(`egress entry ${value} passed validation but does not parse: ${entry}`);
  return entry;
}

export function effectivePolicy(host: PolicyLayer, ...narrower: PolicyLayer[]): EffectivePolicy {
  const problems: PolicyProblem[] = [];
  let policy = fromHost(host, problems);
  narrower.forEach((layer, index) => {
    policy = narrow(policy, layer, [host, ...narrower.slice(0, index)], problems);
  });
  if (problems.length > 0) throw new PolicyError(problems);
  return policy;
}

function fromHost(host: PolicyLayer, problems: PolicyProblem[]): EffectivePolicy {
  const { policy } = host;
  const hidden = [...BUILT_IN_HIDDEN, ...(host.stateDir ? [host.stateDir, join(host.stateDir, 'agent.env')] : [])];
  const servers: Record<string, EffectiveMcpServer> = {};
  for (const [name, server] of Object.entries(policy.mcp?.servers ?? {})) {
    const path = ['mcp', 'servers', name];
    if (server.command === undefined && server.url === undefined) {
      problems.push(problem(host, path, 'needs a command (stdio server) or a url (Streamable HTTP server)'));
    }
    servers[name] = {
      source: sourceOf(host, path),
      command: server.command ?? null,
      args: server.args ?? [],
      env: server.env ?? {},
      url: server.url ?? null,
      tools: {
        allow: server.tools?.allow ? sourced(host, server.tools.allow, [...path, 'tools', 'allow']) : null,
        deny: sourced(host, server.tools?.deny, [...path, 'tools', 'deny']),
      },
    };
  }
  const allow: EgressAllowRule[] = sourced(host, policy.egress?.allow, ['egress', 'allow']).map((rule) => ({
    ...rule,
    local: parsed(rule.value).kind === 'exact',
  }));
  return {
    layers: [{ label: host.label, present: host.present }],
    sandbox: policy.sandbox ? { value: policy.sandbox, source: sourceOf(host, ['sandbox']) } : { value: 'strict', source: 'default' },
    paths: {
      write: sourced(host, policy.paths?.write, ['paths', 'write']),
      deny_read: union(
        hidden.map((value) => ({ value, source: 'built-in' as const })),
        sourced(host, policy.paths?.deny_read, ['paths', 'deny_read']),
      ),
    },
    commands: {
      deny: sourced(host, policy.commands?.deny, ['commands', 'deny']),
      ask: sourced(host, policy.commands?.ask, ['commands', 'ask']),
    },
    egress: {
      mode: policy.egress?.mode ? { value: policy.egress.mode, source: sourceOf(host, ['egress', 'mode']) } : { value: 'strict', source: 'default' },
      allow,
    },
    mcp: { servers },
    tools: { deny: sourced(host, policy.tools?.deny, ['tools', 'deny']) },
    protected_paths: sourced(host, policy.protected_paths, ['protected_paths']),
    budget: {
      tokens: policy.budget?.tokens === undefined ? null : { value: policy.budget.tokens, source: sourceOf(host, ['budget', 'tokens']) },
      cost_usd: policy.budget?.cost_usd === undefined ? null : { value: policy.budget.cost_usd, source: sourceOf(host, ['budget', 'cost_usd']) },
    },
  };
}

function problem(layer: PolicyLayer, path: PolicyPath, message: string): PolicyProblem {
  const line = layer.lineOf(path);
  return { label: layer.label, ...(line === undefined ? {} : { line }), path: formatPolicyPath(path), message };
}

function narrow(wider: EffectivePolicy, layer: PolicyLayer, above: PolicyLayer[], problems: PolicyProblem[]): EffectivePolicy {
  const { policy } = layer;
  const aboveName = above.length === 1 ? 'the host policy' : `the policy above it (${above.map((l) => l.label).join(' + ')})`;
  const widens = (path: PolicyPath, value: string, why: string) =>
    problems.push(problem(layer, path, `${JSON.stringify(value)} widens ${aboveName} (${why})`));
  const result: EffectivePolicy = structuredClone(wider);
  result.layers.push({ label: layer.label, present: layer.present });

  if (policy.sandbox === 'best-effort' && wider.sandbox.value === 'strict') widens(['sandbox'], 'best-effort', 'it requires sandbox: strict');
  else if (policy.sandbox) result.sandbox = { value: policy.sandbox, source: sourceOf(layer, ['sandbox']) };

  if (policy.paths?.write) {
    const allowed = wider.paths.write;
    policy.paths.write.forEach((entry, index) => {
      if (!allowed.some((rule) => pathCovers(rule.value, entry))) {
        const why = allowed.length > 0 ? `it allows writing only ${listed(allowed)}` : 'it allows no writes beyond the worktree and temp dir';
        widens(['paths', 'write', index], entry, why);
      }
    });
    result.paths.write = sourced(layer, policy.paths.write, ['paths', 'write']);
  }
  result.paths.deny_read = union(wider.paths.deny_read, sourced(layer, policy.paths?.deny_read, ['paths', 'deny_read']));
  result.commands.deny = union(wider.commands.deny, sourced(layer, policy.commands?.deny, ['commands', 'deny']));
  result.commands.ask = union(wider.commands.ask, sourced(layer, policy.commands?.ask, ['commands', 'ask']));
  result.tools.deny = union(wider.tools.deny, sourced(layer, policy.tools?.deny, ['tools', 'deny']));
  result.protected_paths = union(wider.protected_paths, sourced(layer, policy.protected_paths, ['protected_paths']));

  narrowEgress(wider, result, layer, widens);
  narrowMcp(wider, result, layer, aboveName, problems, widens);

  for (const key of ['tokens', 'cost_usd'] as const) {
    const value = policy.budget?.[key];
    const current = wider.budget[key];
    if (value !== undefined && (current === null || value < current.value)) result.budget[key] = { value, source: sourceOf(layer, ['budget', key]) };
  }
  return result;
}

type Widens = (path: PolicyPath, value: string, why: string) => void;

function narrowEgress(wider: EffectivePolicy, result: EffectivePolicy, layer: PolicyLayer, widens: Widens): void {
  const egress = layer.policy.egress;
  const widerMode = wider.egress.mode.value;
  if (egress?.mode && MODE_WIDTH[egress.mode] > MODE_WIDTH[widerMode]) {
    widens(['egress', 'mode'], egress.mode, `it allows egress.mode ${widerMode} at most`);
  } else if (egress?.mode) result.egress.mode = { value: egress.mode, source: sourceOf(layer, ['egress', 'mode']) };
  if (!egress?.allow) return;
  const above = wider.egress.allow.map((rule) => ({ rule, entry: parsed(rule.value) }));
  result.egress.allow = sourced(layer, egress.allow, ['egress', 'allow']).map((rule, index) => {
    const entry = parsed(rule.value);
    if (widerMode === 'strict' && !above.some((wide) => egressCovers(wide.entry, entry))) {
      widens(['egress', 'allow', index], rule.value, above.length > 0 ? `it allows only ${listed(wider.egress.allow)}` : 'it allows no destinations');
    }
    const local = entry.kind === 'exact' && (widerMode === 'off' || above.some((wide) => wide.rule.local && egressNamesLiterally(wide.entry, entry)));
    return { ...rule, local };
  });
}

function narrowMcp(
  wider: EffectivePolicy,
  result: EffectivePolicy,
  layer: PolicyLayer,
  aboveName: string,
  problems: PolicyProblem[],
  widens: Widens,
): void {
  for (const [name, server] of Object.entries(layer.policy.mcp?.servers ?? {})) {
    const path = ['mcp', 'servers', name];
    const declared = Object.hasOwn(wider.mcp.servers, name) ? wider.mcp.servers[name] : undefined;
    const target = Object.hasOwn(result.mcp.servers, name) ? result.mcp.servers[name] : undefined;
    if (!declared || !target) {
      const known = Object.keys(wider.mcp.servers);
      problems.push(problem(layer, path, `is not a server ${aboveName} declares (${known.length > 0 ? `it declares ${known.join(', ')}` : 'it declares none'})`));
      continue;
    }
    for (const key of ['command', 'args', 'env', 'url'] as const) {
      if (server[key] !== undefined) {
        problems.push(problem(layer, [...path, key], `may only be set by the host policy: a narrower layer may only narrow a server's tools`));
      }
    }
    const allow = server.tools?.allow;
    if (allow) {
      allow.forEach((entry, index) => {
        if (declared.tools.allow !== null && !declared.tools.allow.some((rule) => toolPatternCovers(rule.value, entry))) {
          const why = declared.tools.allow.length > 0 ? `it allows only ${listed(declared.tools.allow)} of ${name}` : `it allows no tools of ${name}`;
          widens([...path, 'tools', 'allow', index], entry, why);
        }
      });
      target.tools.allow = sourced(layer, allow, [...path, 'tools', 'allow']);
    }
    target.tools.deny = union(declared.tools.deny, sourced(layer, server.tools?.deny, [...path, 'tools', 'deny']));
  }
}

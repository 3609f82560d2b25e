import type { EffectivePolicy } from '../../common/protocol/policy';
import { canonicalHost, isLocalHost } from '../policy';

/**
 * The model endpoints an agent is configured with (agent.env): the one destination the closed defaults allow. A
 * variable holds a base URL; without one, a key means the vendor's public API.
 */
const BASE_URL_VARIABLES = ['ANTHROPIC_BASE_URL', 'FLIGHTDECK_CODEX_BASE_URL', 'OPENAI_BASE_URL'] as const;
const VENDOR_DEFAULTS: { key: string; baseUrl: string; url: string }[] = [
  { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL', url: 'https://api.anthropic.com' },
  { key: 'ANTHROPIC_AUTH_TOKEN', baseUrl: 'ANTHROPIC_BASE_URL', url: 'https://api.anthropic.com' },
];

export interface ModelEndpoint {
  variable: string;
  host: string;
  port: number;
  local: boolean;
}

export function modelEndpoints(env: Record<string, string>): ModelEndpoint[] {
  const urls: { variable: string; url: string }[] = [];
  for (const variable of BASE_URL_VARIABLES) if (env[variable]) urls.push({ variable, url: env[variable] });
  for (const { key, baseUrl, url } of VENDOR_DEFAULTS) {
    if (env[key] && !env[baseUrl] && !urls.some((entry) => entry.url === url)) urls.push({ variable: key, url });
  }
  const endpoints: ModelEndpoint[] = [];
  for (const { variable, url } of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const host = canonicalHost(parsed.hostname);
    if (!host || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) continue;
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    if (!endpoints.some((endpoint) => endpoint.host === host && endpoint.port === port)) endpoints.push({ variable, host, port, local: isLocalHost(host) });
  }
  return endpoints;
}

const authority = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** The policy with each model endpoint allowed (source `runtime`), whatever the egress rules say. */
export function withModelEndpoints(policy: EffectivePolicy, env: Record<string, string>): EffectivePolicy {
  const added = modelEndpoints(env).map((endpoint) => ({
    value: authority(endpoint.host, endpoint.port),
    source: 'runtime' as const,
    local: endpoint.local,
  }));
  return { ...policy, egress: { ...policy.egress, allow: [...added, ...policy.egress.allow] } };
}

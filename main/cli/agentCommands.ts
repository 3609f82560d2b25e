import { parseArgs } from 'node:util';
import type { AgentInfo } from '../../common/protocol/agents';
import { agentLane } from './agentLane';
import { fromEachHost, reportFailures } from './eachHost';
import { parseSessionRef, print, printJson, table, UsageError, type CliContext } from './context';

/** Starting fetches the repo first: as long as a fetch takes, within reason. */
const START_TIMEOUT_MS = 10 * 60_000;

function agentRef(argv: string[], usage: string): { host: string; agent: string } {
  if (argv.length < 1) throw new UsageError(usage);
  const { host, session } = parseSessionRef(argv[0]);
  return { host, agent: session };
}

export async function agentStart(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck agent start HOST --repo NAME --profile P --task TEXT [--name N] [--base REF] [--json]';
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      profile: { type: 'string' },
      task: { type: 'string' },
      name: { type: 'string' },
      base: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.repo || !values.profile || !values.task) throw new UsageError(usage);
  const host = positionals[0]!;
  const lane = await agentLane(ctx, host);
  const { agent } = await lane.peer.request(
    'agent.start',
    {
      repo: values.repo,
      profile: values.profile,
      task: values.task,
      name: values.name,
      base: values.base,
      cols: process.stdout.columns || 120,
      rows: process.stdout.rows || 32,
    },
    { timeoutMs: START_TIMEOUT_MS },
  );
  const id = `${host}/${agent.name}`;
  if (ctx.json) printJson({ id, session: agent.sessionId, branch: agent.branch, worktree: agent.worktree, agent });
  else print(id);
}

export function formatTokens(agent: AgentInfo): string {
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens } = agent.usage;
  const cached = cacheReadTokens + cacheWriteTokens;
  return `${compact(inputTokens)} in / ${compact(outputTokens)} out${cached > 0 ? ` / ${compact(cached)} cache` : ''}`;
}

export function formatCost(agent: AgentInfo): string {
  return agent.costUsd === null ? '-' : `$${agent.costUsd.toFixed(agent.costUsd < 1 ? 4 : 2)}`;
}

function compact(tokens: number): string {
  return tokens >= 1_000_000 ? `${(tokens / 1_000_000).toFixed(1)}M` : tokens >= 10_000 ? `${Math.round(tokens / 1000)}k` : String(tokens);
}

function agentRow(host: string, agent: AgentInfo): string[] {
  const waiting = agent.question ? `${agent.status}: ${agent.question.text.slice(0, 40)}` : agent.status;
  // An agent the host could not sandbox says so wherever it is listed (only under `sandbox: best-effort`).
  const status = agent.confinement?.sandbox === 'not-enforced' ? `${waiting} (NOT ENFORCED)` : waiting;
  return [`${host}/${agent.name}`, agent.profile, agent.repo, agent.branch, status, formatTokens(agent), formatCost(agent)];
}

export async function agentList(ctx: CliContext, argv: string[]): Promise<void> {
  const { rows, failures } = await fromEachHost(ctx, argv, async (host) => {
    const { agents } = await (await agentLane(ctx, host)).peer.request('agent.list', {});
    return agents.map((agent) => ({ host, agent }));
  });
  rows.sort((a, b) => a.host.localeCompare(b.host) || a.agent.createdAt - b.agent.createdAt);
  if (ctx.json) printJson({ agents: rows, errors: failures });
  else print(table(['AGENT', 'PROFILE', 'REPO', 'BRANCH', 'STATUS', 'TOKENS', 'COST'], rows.map((row) => agentRow(row.host, row.agent))));
  reportFailures(ctx, argv, failures);
}

export async function agentSend(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck agent send HOST/AGENT TEXT';
  if (argv.length !== 2) throw new UsageError(usage);
  const { host, agent } = agentRef(argv, usage);
  const { delivery } = await (await agentLane(ctx, host)).peer.request('agent.send', { agent, text: argv[1]! });
  if (ctx.json) printJson({ agent: `${host}/${agent}`, delivery });
  else print(`${host}/${agent}: ${delivery === 'answered' ? 'answered its question' : delivery === 'typed' ? 'typed at its prompt' : 'queued'}`);
}

export async function agentStop(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck agent stop HOST/AGENT';
  if (argv.length !== 1) throw new UsageError(usage);
  const { host, agent } = agentRef(argv, usage);
  await (await agentLane(ctx, host)).peer.request('agent.stop', { agent });
  if (ctx.json) printJson({ stopped: `${host}/${agent}` });
  else print(`stopping ${host}/${agent}`);
}

export async function agentResume(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck agent resume HOST/AGENT';
  if (argv.length !== 1) throw new UsageError(usage);
  const { host, agent } = agentRef(argv, usage);
  const result = await (await agentLane(ctx, host)).peer.request(
    'agent.resume',
    { agent, cols: process.stdout.columns || undefined, rows: process.stdout.rows || undefined },
    { timeoutMs: START_TIMEOUT_MS },
  );
  if (ctx.json) printJson({ id: `${host}/${agent}`, session: result.agent.sessionId, agent: result.agent });
  else print(`${host}/${agent}`);
}

export async function agentRemove(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck agent remove HOST/AGENT [--force]   (--force: also when its worktree has changes)';
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError(usage);
  const { host, agent } = agentRef(positionals, usage);
  await (await agentLane(ctx, host)).peer.request('agent.remove', { agent, force: values.force ?? false });
  if (ctx.json) printJson({ removed: `${host}/${agent}` });
  else print(`removed ${host}/${agent} (its branch stays)`);
}

export async function profileList(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new UsageError('usage: flightdeck profile list HOST [--json]');
  const host = argv[0]!;
  const { profiles } = await (await agentLane(ctx, host)).peer.request('profile.list', {});
  if (ctx.json) printJson({ host, profiles });
  else print(table(['PROFILE', 'KIND', 'MODEL', 'FROM'], profiles.map((profile) => [profile.name, profile.kind, profile.model ?? '-', profile.source])));
}

import { parseArgs } from 'node:util';
import type { ApprovalInfo, AuditRecordInfo } from '../../common/protocol/governance';
import type { EffectivePolicy } from '../../common/protocol/policy';
import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import { fromEachHost, reportFailures } from './eachHost';
import { print, printJson, table, UsageError, type CliContext } from './context';
import { formatPolicy } from './policyText';

/** The host's lane, once it is known to enforce policy (an older agent-host needs `host upgrade` first). */
async function governanceLane(ctx: CliContext, host: string): Promise<Lane> {
  const lane = await ctx.core.host(host).lane();
  if (!lane.hello.capabilities.includes('governance')) {
    throw new FleetError('version-mismatch', `${host} runs agent-host ${lane.hello.hostVersion}, which has no policy or approvals: flightdeck host upgrade ${host}`);
  }
  return lane;
}

/** `policy show HOST [--repo NAME]`: the effective policy, each rule with the file and line it comes from. */
export async function policyShow(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { repo: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck policy show HOST [--repo NAME] [--json]');
  const lane = await governanceLane(ctx, positionals[0]!);
  const { policy, sandbox } = await lane.peer.request('policy.show', { repo: values.repo });
  if (ctx.json) printJson({ policy, sandbox });
  else print(`${formatPolicy(policy)}\nsandbox on this host: ${sandbox.available ? 'available' : 'NOT available'} (${sandbox.detail})`);
}

/** `policy check HOST --repo NAME [--ref REF]`: the repo's .flightdeck/policy.yaml parses and only narrows. */
export async function policyCheck(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { repo: { type: 'string' }, ref: { type: 'string' } } });
  if (positionals.length !== 1 || !values.repo) throw new UsageError('usage: flightdeck policy check HOST --repo NAME [--ref REF] [--json]');
  const lane = await governanceLane(ctx, positionals[0]!);
  const result: { policy: EffectivePolicy; file: string | null } = await lane.peer.request('policy.check', { repo: values.repo, ref: values.ref }, { timeoutMs: 5 * 60_000 });
  if (ctx.json) printJson(result);
  else print(result.file ? `${result.file}: valid, narrows the host policy` : `repo ${values.repo} has no .flightdeck/policy.yaml: the host policy applies as it is`);
}

function approvalRow(host: string, approval: ApprovalInfo): string[] {
  const age = `${Math.max(0, Math.round((Date.now() - approval.requestedAt) / 1000))}s`;
  return [`${host}/${approval.id}`, approval.agent, approval.status, age, approval.command.slice(0, 60), approval.rule];
}

/** `approval list [HOST...]`: what waits for a person, and what was decided lately. */
export async function approvalList(ctx: CliContext, argv: string[]): Promise<void> {
  const { rows, failures } = await fromEachHost(ctx, argv, async (host) => {
    const { approvals } = await (await governanceLane(ctx, host)).peer.request('approval.list', {});
    return approvals.map((approval) => ({ host, approval }));
  });
  rows.sort((a, b) => a.approval.requestedAt - b.approval.requestedAt);
  if (ctx.json) printJson({ approvals: rows, errors: failures });
  else print(table(['APPROVAL', 'AGENT', 'STATUS', 'WAITED', 'COMMAND', 'RULE'], rows.map((row) => approvalRow(row.host, row.approval))));
  reportFailures(ctx, argv, failures);
}

/** "30m", "2h", "7d" before now, or anything Date.parse reads (2026-11-30, 2026-11-30T12:00Z). */
export function parseSince(text: string): number {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return Date.now() - Number(relative[1]) * unit;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new UsageError(`--since ${text}: expected a duration (30m, 2h, 7d) or a date (2026-11-30, 2026-11-30T12:00Z)`);
  return time;
}

function auditRow(record: AuditRecordInfo): string[] {
  const rule = typeof record.data.rule === 'string' ? record.data.rule : '';
  return [String(record.seq), new Date(record.time).toISOString(), record.actor, record.action, record.target, record.outcome, rule, record.reason ?? ''];
}

/** `audit list HOST [--agent ID] [--action A] [--outcome O] [--since T] [--limit N]`, oldest first. */
export async function auditList(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { agent: { type: 'string' }, action: { type: 'string' }, outcome: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
  });
  const usage = 'usage: flightdeck audit list HOST [--agent ID] [--action A|FAMILY.*] [--outcome ok|error|denied] [--since 2h|DATE] [--limit N] [--json]';
  if (positionals.length !== 1) throw new UsageError(usage);
  const outcome = values.outcome;
  if (outcome !== undefined && outcome !== 'ok' && outcome !== 'error' && outcome !== 'denied') throw new UsageError(usage);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit ${values.limit}: expected a positive whole number`);
  const lane = await governanceLane(ctx, positionals[0]!);
  const { records, more } = await lane.peer.request('audit.list', {
    agent: values.agent,
    action: values.action,
    outcome,
    since: values.since === undefined ? undefined : parseSince(values.since),
    limit,
  });
  if (ctx.json) printJson({ records, more });
  else {
    print(table(['SEQ', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'RULE', 'REASON'], records.map(auditRow)));
    if (more) print(`(older records match too: narrow with --since, or raise --limit)`);
  }
}

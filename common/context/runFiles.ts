import { canonicalJson } from '../audit/chain';
import { planMarkdown } from '../plan/planMarkdown';
import { addUsage, ZERO_USAGE } from '../protocol/agents';
import type { RunRecord, RunRecordItem } from '../protocol/runRecord';
import { runDir } from './layout';

/** Epoch ms → "2026-12-01 09:30 UTC": files must render the same on every machine (no local time zone). */
export function utcMinute(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Pretty, key-sorted JSON: the same record always gives the same bytes, so a sync with nothing new changes nothing. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;
}

function approvedOrNewest(record: RunRecord): RunRecord['plans'][number] | undefined {
  const approved = record.plans.find((plan) => plan.version === record.run.approvedVersion);
  return approved ?? record.plans.at(-1);
}

function planFile(record: RunRecord): string {
  const version = approvedOrNewest(record);
  if (!version) return `# ${record.run.id}\n\nNo plan was submitted.\n`;
  return `${planMarkdown(version.plan, { version: version.version, status: version.status, author: version.author })}\n`;
}

/** Every version with who wrote and who decided it; `updatedAt` lets a merge of two syncs keep the newer snapshot. */
function planJson(record: RunRecord): string {
  const { run } = record;
  return stableJson({
    run: run.id,
    state: run.state,
    updatedAt: run.updatedAt,
    runbook: run.runbook,
    approvedVersion: run.approvedVersion,
    versions: record.plans,
  });
}

function promptFiles(record: RunRecord, dir: string): [string, string][] {
  const byAgent = new Map<string, RunRecord['prompts']>();
  for (const prompt of record.prompts) byAgent.set(prompt.agent, [...(byAgent.get(prompt.agent) ?? []), prompt]);
  const files: [string, string][] = [[`${dir}/prompts/runbook.md`, record.runbookText]];
  for (const [agent, prompts] of byAgent) {
    // An agent restarted after a crash got its prompt again: each one is kept, in order.
    const text = prompts
      .map((prompt, index) => `<!-- prompt ${index + 1} of ${prompts.length} · role ${prompt.role}${prompt.step ? ` · step ${prompt.step}` : ''} · ${utcMinute(prompt.at)} -->\n\n${prompt.prompt.trimEnd()}\n`)
      .join('\n');
    files.push([`${dir}/prompts/${agent}.md`, text]);
  }
  return files;
}

function decisionLine(item: RunRecordItem): string {
  if (item.status === 'open') return 'open';
  const by = item.decidedBy ? ` by ${item.decidedBy}` : '';
  return `${item.status}${by}${item.decision ? `: ${item.decision.split('\n')[0]}` : ''}`;
}

function summaryFile(record: RunRecord): string {
  const { run } = record;
  const plan = approvedOrNewest(record);
  const stepRecords = new Map(record.steps.map((step) => [step.id, step]));
  const lines = [
    `# ${plan?.plan.title ?? run.id}`,
    '',
    `- Run: ${run.id} · ${run.state}${run.reason ? ` (${run.reason})` : ''}`,
    `- Runbook: ${run.runbook.name} ${run.runbook.version} (${run.runbook.source}, sha256 ${run.runbook.hash})`,
    `- Repo: ${run.repo} · base ${run.baseCommit} · branch ${run.integrationBranch}`,
    `- Started by ${run.startedBy} at ${utcMinute(run.createdAt)}; last change ${utcMinute(run.updatedAt)}`,
    `- Plan: version ${run.approvedVersion ?? 'none'} approved of ${record.plans.length}`,
  ];
  const params = Object.entries(run.params);
  if (params.length > 0) lines.push(`- Parameters: ${params.map(([key, value]) => `${key}=${String(value)}`).join(', ')}`);
  lines.push('', '## Steps', '');
  if (run.steps.length === 0) lines.push('_No steps (the plan was not approved)._');
  for (const step of run.steps) {
    const restarts = stepRecords.get(step.id)?.restarts ?? 0;
    lines.push(`### ${step.id}: ${step.title}`, '', `${step.state} · phase ${step.phase} · role ${step.role}${step.agent ? ` · agent ${step.agent}` : ''}${restarts ? ` · restarted ${restarts}×` : ''}`, '');
    const summary = stepRecords.get(step.id)?.summary;
    if (summary) lines.push(summary.trim(), '');
  }
  lines.push('## Checkpoints and escalations', '');
  if (record.items.length === 0) lines.push('_None._');
  for (const item of record.items) {
    lines.push(`- ${item.id} (${item.kind}, ${item.origin}${item.step ? `, step ${item.step}` : ''}): ${item.summary.split('\n')[0]} — ${decisionLine(item)}`);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** One JSON object per line, oldest first: append-only, merged by `id` when two syncs meet. */
function checkpointsJsonl(record: RunRecord): string {
  const items = [...record.items].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return items.map((item) => `${canonicalJson(item)}\n`).join('');
}

function costJson(record: RunRecord): string {
  const usage = record.agents.reduce((total, agent) => addUsage(total, agent.usage), ZERO_USAGE);
  const priced = record.agents.every((agent) => agent.costUsd !== null);
  const costUsd = priced ? Math.round(record.agents.reduce((total, agent) => total + (agent.costUsd ?? 0), 0) * 1e6) / 1e6 : null;
  return stableJson({ run: record.run.id, total: { usage, costUsd }, agents: record.agents });
}

/**
 * The files of `.flightdeck/runs/<run>/` (docs/context.md): what the app's context sync writes on the context branch
 * and the host commits onto the run's integration branch. Pure and deterministic: the same record, the same bytes.
 */
export function runFiles(record: RunRecord): Map<string, string> {
  const dir = runDir(record.run.id);
  return new Map<string, string>([
    [`${dir}/plan.md`, planFile(record)],
    [`${dir}/plan.json`, planJson(record)],
    ...promptFiles(record, dir),
    [`${dir}/summary.md`, summaryFile(record)],
    [`${dir}/checkpoints.jsonl`, checkpointsJsonl(record)],
    [`${dir}/cost.json`, costJson(record)],
  ]);
}

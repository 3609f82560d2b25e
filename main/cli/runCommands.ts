import { parseArgs } from 'node:util';
import { describeRunbookProblem, type RunbookInfo } from '../../common/protocol/runbook';
import type { PlanVersionInfo, RunInfo, RunPrompt, StepInfo } from '../../common/protocol/runs';
import { errorMessage, WireError } from '../../common/wire/errors';
import { print, printJson, table, UsageError, type CliContext } from './context';
import { fromEachHost, reportFailures } from './eachHost';
import { cell, formatAge, formatFields, parseParams, parseRef } from './runArgs';
import { runLane } from './runLane';

/** Starting a run fetches the repo first: as long as a fetch takes, within reason. */
const START_TIMEOUT_MS = 5 * 60_000;

function runbookRow(runbook: RunbookInfo): string[] {
  const source = runbook.overrides ? `${runbook.source} (overrides built-in)` : runbook.source;
  return [runbook.name, runbook.version, source, Object.keys(runbook.roles).join(', '), cell(runbook.description)];
}

/** `runbook list HOST [--repo NAME]`: the built-ins and the repo's own; files that do not validate as problems. */
export async function runbookList(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { repo: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck runbook list HOST [--repo NAME] [--json]');
  const host = positionals[0]!;
  const { runbooks, problems } = await (await runLane(ctx, host)).peer.request('runbook.list', { repo: values.repo });
  if (ctx.json) return printJson({ host, runbooks, problems });
  print(table(['NAME', 'VERSION', 'SOURCE', 'ROLES', 'DESCRIPTION'], runbooks.map(runbookRow)));
  for (const problem of problems) process.stderr.write(`${describeRunbookProblem(problem)}\n`);
}

/** `run start HOST --runbook NAME --repo NAME [--param K=V]... [--base REF]`: prints HOST/RUN alone, for scripts. */
export async function runStart(ctx: CliContext, argv: string[]): Promise<void> {
  const usage = 'usage: flightdeck run start HOST --runbook NAME --repo NAME [--param K=V]... [--base REF] [--json]';
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { runbook: { type: 'string' }, repo: { type: 'string' }, param: { type: 'string', multiple: true }, base: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.runbook || !values.repo) throw new UsageError(usage);
  const params = parseParams(values.param);
  const host = positionals[0]!;
  const { run } = await (await runLane(ctx, host)).peer.request(
    'run.start',
    { runbook: values.runbook, repo: values.repo, params, base: values.base },
    { timeoutMs: START_TIMEOUT_MS },
  );
  if (ctx.json) printJson({ id: `${host}/${run.id}`, run });
  else print(`${host}/${run.id}`);
}

/** "v3 (approved v2)": the newest plan version, and which one a person approved. */
function planCell(run: RunInfo): string {
  if (run.planVersion === null) return '-';
  if (run.approvedVersion === null) return `v${run.planVersion}`;
  return run.approvedVersion === run.planVersion ? `v${run.planVersion} (approved)` : `v${run.planVersion} (approved v${run.approvedVersion})`;
}

interface RunRow {
  host: string;
  run: RunInfo;
  /** Set when the host did not answer: the run as this machine last mirrored it. */
  stale?: { mirroredAt: number };
}

function runRow({ host, run, stale }: RunRow, now: number): string[] {
  const done = run.steps.filter((step) => step.state === 'done').length;
  const steps = run.steps.length > 0 ? `${done}/${run.steps.length}` : '-';
  const state = stale ? `${run.state} (stale: ${formatAge(now - stale.mirroredAt)} old)` : run.state;
  return [`${host}/${run.id}`, `${run.runbook.name}@${run.runbook.version}`, run.repo, state, planCell(run), steps, formatAge(now - run.createdAt)];
}

/** `run list [HOST...]`: every run of the fleet, newest first; an unreachable host's runs come from the cache, marked stale. */
export async function runList(ctx: CliContext, argv: string[]): Promise<void> {
  const { rows, failures } = await fromEachHost<RunRow>(ctx, argv, async (host) => {
    const { runs } = await (await runLane(ctx, host)).peer.request('run.list', {});
    return runs.map((run) => ({ host, run }));
  });
  const unanswered = failures.filter((failure) => {
    const cached = ctx.core.cache.runRecords(failure.host);
    rows.push(...cached.map((entry) => ({ host: failure.host, run: entry.record.run, stale: { mirroredAt: entry.mirroredAt } })));
    return cached.length === 0;
  });
  rows.sort((a, b) => b.run.createdAt - a.run.createdAt);
  const now = Date.now();
  if (ctx.json) printJson({ runs: rows, errors: failures });
  else {
    print(table(['RUN', 'RUNBOOK@VERSION', 'REPO', 'STATE', 'PLAN', 'STEPS', 'AGE'], rows.map((row) => runRow(row, now))));
    for (const failure of failures.filter((candidate) => !unanswered.includes(candidate))) {
      process.stderr.write(`flightdeck: ${failure.host}: ${failure.error}; its runs as last mirrored (stale)\n`);
    }
  }
  reportFailures(ctx, argv, unanswered);
}

function pullRequestCell(pr: NonNullable<RunInfo['pullRequest']>): string {
  const pushed = pr.pushedCommit ? `${pr.branch} pushed at ${pr.pushedCommit.slice(0, 12)}` : `${pr.branch} not pushed`;
  if (pr.state === 'open') return `#${pr.number} ${pr.url} (open; ${pushed})${pr.note ? `; ${pr.note}` : ''}`;
  return `${pr.state === 'pushed' ? 'none' : 'failed'}: ${pr.note ?? pushed}`;
}

function runHeader(host: string, run: RunInfo): string {
  const params = Object.entries(run.params).map(([key, value]) => `${key}=${String(value)}`);
  return formatFields([
    ['run', `${host}/${run.id}`],
    ['runbook', `${run.runbook.name}@${run.runbook.version} (${run.runbook.source} ${run.runbook.file}, sha256 ${run.runbook.hash.slice(0, 12)})`],
    ['repo', `${run.repo} from ${run.baseCommit.slice(0, 12)}, integration branch ${run.integrationBranch}`],
    ['state', run.reason ? `${run.state}: ${run.reason}` : run.state],
    ['planner', run.planner ?? '-'],
    ['plan', planCell(run)],
    ...(run.pullRequest ? [['pull request', pullRequestCell(run.pullRequest)] as [string, string]] : []),
    ['started', `${formatAge(Date.now() - run.createdAt)} ago by ${run.startedBy}`],
    ...(params.length > 0 ? [['params', params.join(' ')] as [string, string]] : []),
  ]);
}

function stepRow(step: StepInfo): string[] {
  return [step.id, step.phase, step.role, step.state, step.agent ?? '-', step.branch ?? '-', step.dependsOn.join(', ') || '-'];
}

function versionRow(version: PlanVersionInfo): string[] {
  return [`v${version.version}`, version.author, version.status, version.decidedBy ?? '-', cell(version.feedback, 50), cell(version.note, 50)];
}

function promptLabel(prompt: RunPrompt): string {
  return `${prompt.agent} (${prompt.step ? `${prompt.role}, ${prompt.step}` : prompt.role})`;
}

/** The run from its host, or, when the host cannot be reached, as this machine last mirrored it. */
async function showOrCached(ctx: CliContext, host: string, id: string) {
  try {
    return { ...(await (await runLane(ctx, host)).peer.request('run.show', { run: id })), stale: null };
  } catch (error) {
    // The host answered (no such run, …): that answer stands; only an unreachable host falls back to the cache.
    const cached = error instanceof WireError ? undefined : ctx.core.cache.runRecords(host).find((entry) => entry.run === id);
    if (!cached) throw error;
    const { run, plans, prompts } = cached.record;
    return { run, plans, prompts, stale: { mirroredAt: cached.mirroredAt, error: errorMessage(error) } };
  }
}

/** `run show HOST/RUN [--prompts]`: the run, its steps, every plan version, and what each agent was told. */
export async function runShow(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { prompts: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck run show HOST/RUN [--prompts] [--json]');
  const { host, id } = parseRef(positionals[0], 'RUN');
  const { run, plans, prompts, stale } = await showOrCached(ctx, host, id);
  if (ctx.json) return printJson({ host, run, plans, prompts, stale });

  const sections = [runHeader(host, run)];
  if (stale) sections.unshift(`${host} did not answer (${stale.error}): the run as mirrored ${formatAge(Date.now() - stale.mirroredAt)} ago (stale)`);
  sections.push(
    run.steps.length > 0
      ? `steps:\n${table(['STEP', 'PHASE', 'ROLE', 'STATE', 'AGENT', 'BRANCH', 'DEPENDS ON'], run.steps.map(stepRow))}`
      : 'steps: none yet (the planner has not submitted a plan)',
  );
  if (plans.length > 0) sections.push(`plan versions:\n${table(['VERSION', 'AUTHOR', 'STATUS', 'DECIDED BY', 'FEEDBACK', 'NOTE'], plans.map(versionRow))}`);
  if (prompts.length === 0) sections.push('prompts: none yet');
  else if (values.prompts) sections.push(...prompts.map((prompt) => `--- prompt of ${promptLabel(prompt)} ---\n${prompt.prompt.trimEnd()}`));
  else sections.push(`prompts (--prompts prints them):\n${prompts.map((prompt) => `  ${promptLabel(prompt)}: ${prompt.prompt.length} chars`).join('\n')}`);
  print(sections.join('\n\n'));
}

const RUN_CHANGES = {
  cancel: { method: 'run.cancel', after: ' (its branches and worktrees stay for inspection)' },
  pause: { method: 'run.pause', after: ' (its step agents stopped where they were; run resume goes on)' },
  resume: { method: 'run.resume', after: '' },
} as const;

/** `run cancel|pause|resume HOST/RUN`: what the run does next, decided on its host. */
function runChange(verb: keyof typeof RUN_CHANGES) {
  return async (ctx: CliContext, argv: string[]): Promise<void> => {
    if (argv.length !== 1) throw new UsageError(`usage: flightdeck run ${verb} HOST/RUN`);
    const { host, id } = parseRef(argv[0], 'RUN');
    const { method, after } = RUN_CHANGES[verb];
    const { run } = await (await runLane(ctx, host)).peer.request(method, { run: id });
    if (ctx.json) printJson({ host, run });
    else print(`${host}/${run.id}: ${run.state}${after}`);
  };
}

export const runCancel = runChange('cancel');
export const runPause = runChange('pause');
export const runResume = runChange('resume');

import { parseArgs } from 'node:util';
import { formatPlanDiff, planDiff } from '../../common/plan/planDiff';
import type { HumanRequestKind, PendingKind } from '../../common/protocol/agents';
import { flightdeckTools } from '../../common/protocol/flightdeckTools';
import type { ApprovalInfo } from '../../common/protocol/governance';
import type { InboxDecision, InboxDetail, InboxItem } from '../../common/protocol/runs';
import { print, printJson, table, UsageError, type CliContext } from './context';
import { fromEachHost, reportFailures } from './eachHost';
import { editedLearnings } from './learningsEdit';
import { cell, formatAge, formatFields, parseRef } from './runArgs';
import { runLane } from './runLane';

function itemRow(host: string, item: InboxItem, now: number): string[] {
  return [`${host}/${item.id}`, item.kind, item.run ?? '-', item.step ?? '-', item.agent ?? '-', cell(item.summary), formatAge(now - item.since)];
}

/** `inbox [HOST...]`: everything waiting on a person across the fleet, oldest first. */
export async function inboxList(ctx: CliContext, argv: string[]): Promise<void> {
  const { rows, failures } = await fromEachHost(ctx, argv, async (host) => {
    const { items } = await (await runLane(ctx, host)).peer.request('inbox.list', {});
    return items.map((item) => ({ host, item }));
  });
  rows.sort((a, b) => a.item.since - b.item.since);
  const now = Date.now();
  if (ctx.json) printJson({ items: rows.map(({ host, item }) => ({ host, ...item })), errors: failures });
  else print(table(['ITEM', 'KIND', 'RUN', 'STEP', 'AGENT', 'SUMMARY', 'WAITING'], rows.map((row) => itemRow(row.host, row.item, now))));
  reportFailures(ctx, argv, failures);
}

const numbered = (items: readonly string[]): string => items.map((text, index) => `  ${index + 1}. ${text}`).join('\n');
const indented = (text: string): string => text.replace(/^/gm, '  ');

/** A value of an agent's request that has no place of its own (a diff, findings): strings as they are, else JSON. */
function extraField(key: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return `${key}:\n${indented(text.trimEnd())}`;
}

/** The fields of an agent's request as its tool's schema names them; null when the input does not fit the schema. */
function requestBody(kind: HumanRequestKind, input: Record<string, unknown>): string[] | null {
  switch (kind) {
    case 'ask_human': {
      const parsed = flightdeckTools.ask_human.input.safeParse(input);
      if (!parsed.success) return null;
      const { question, options } = parsed.data;
      return [`question:\n${indented(question)}`, ...(options?.length ? [`options:\n${numbered(options)}`] : [])];
    }
    case 'escalate': {
      const parsed = flightdeckTools.escalate.input.safeParse(input);
      if (!parsed.success) return null;
      const { problem, context, suggested_resolutions: resolutions } = parsed.data;
      return [
        `problem:\n${indented(problem)}`,
        ...(context ? [`context:\n${indented(context)}`] : []),
        `suggested resolutions:\n${resolutions.length > 0 ? numbered(resolutions) : '  none'}`,
      ];
    }
    case 'checkpoint': {
      const parsed = flightdeckTools.checkpoint.input.safeParse(input);
      if (!parsed.success) return null;
      const { summary, tests_run: tests, notes } = parsed.data;
      return [`summary:\n${indented(summary)}`, `tests run:\n${tests?.length ? numbered(tests) : '  none'}`, ...(notes ? [`notes:\n${indented(notes)}`] : [])];
    }
    case 'submit_plan': {
      const parsed = flightdeckTools.submit_plan.input.safeParse(input);
      return parsed.success ? [`plan: ${parsed.data.title}`] : null;
    }
  }
}

/**
 * An agent's question, escalation or checkpoint. What the tool's schema does not name (the host may add a diff, test
 * results, findings) follows as it came, and so does an input that does not fit the schema.
 */
function questionText(request: PendingKind, input: Record<string, unknown>): string {
  const tool = request === 'approval' ? null : request;
  const body = tool ? requestBody(tool, input) : null;
  const known = new Set(tool && body ? Object.keys(flightdeckTools[tool].input.shape) : []);
  const extras = Object.entries(input).filter(([key]) => !known.has(key));
  return [`request: ${request}`, ...(body ?? []), ...extras.map(([key, value]) => extraField(key, value))].join('\n\n');
}

function approvalText(approval: ApprovalInfo, now: number): string {
  return formatFields([
    ['command', approval.command],
    ['tool', approval.tool],
    ['rule', `${approval.rule} (${approval.source})`],
    ['status', approval.decidedBy ? `${approval.status} by ${approval.decidedBy}${approval.reason ? `: ${approval.reason}` : ''}` : approval.status],
    ['expires', approval.expiresAt > now ? `in ${formatAge(approval.expiresAt - now)} (then it counts as rejected)` : 'passed (it counts as rejected)'],
  ]);
}

function planText(detail: Extract<InboxDetail, { kind: 'plan' }>): string {
  const parts = [detail.markdown.trimEnd()];
  const previous = detail.previous;
  if (previous) {
    const asked = previous.feedback ? `\n\n${previous.decidedBy ?? 'A reviewer'} on v${previous.version}: ${previous.feedback}` : '';
    parts.push(`## Changes since v${previous.version}${asked}\n\n${formatPlanDiff(planDiff(previous.plan, detail.version.plan))}`);
  }
  return parts.join('\n\n');
}

/** Feedback on a run's pull request: each comment with where it is and whether the host answered it. */
function reviewText(detail: Extract<InboxDetail, { kind: 'review' }>): string {
  const { pullRequest: pr } = detail;
  const comments = detail.comments.map((comment) => {
    const where = comment.path ? ` on ${comment.path}${comment.line === null ? '' : `:${comment.line}`}` : '';
    const replied = comment.replyUrl ? `\n  answered: ${comment.replyUrl}` : '';
    return `${comment.author} (${comment.kind}${where}) ${comment.url}\n${indented(comment.body.trimEnd() || '(no text)')}${replied}`;
  });
  return [`pull request: #${pr.number ?? '?'} ${pr.url ?? ''} (round ${detail.round})`, ...comments].join('\n\n');
}

/** What can be done with an item, as commands to copy. */
function nextSteps(host: string, item: InboxItem): string {
  const ref = `${host}/${item.id}`;
  const reject = `flightdeck reject ${ref} --feedback TEXT`;
  if (item.kind === 'plan') return `approve: flightdeck approve ${ref}   edit: flightdeck plan edit ${host}/${item.run ?? 'RUN'}   send back: ${reject}`;
  if (item.kind === 'question' || item.kind === 'escalation') return `answer: flightdeck answer ${ref} TEXT`;
  if (item.kind === 'learnings') return `accept: flightdeck approve ${ref} [--edit | --file edited.md]   decline all: ${reject}`;
  if (item.kind === 'review') return `rework: flightdeck approve ${ref}   dismiss: ${reject}`;
  return `approve: flightdeck approve ${ref}   reject: ${reject}`;
}

/** `show HOST/ITEM`: one inbox item with everything needed to decide it. */
export async function inboxShow(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new UsageError('usage: flightdeck show HOST/ITEM [--json]');
  const { host, id } = parseRef(argv[0], 'ITEM');
  const { item, detail } = await (await runLane(ctx, host)).peer.request('inbox.show', { item: id });
  if (ctx.json) return printJson({ host, item, detail });
  const now = Date.now();
  const ref = `${host}/${item.id}`;
  const header = formatFields([
    ['item', `${ref} (${item.kind})`],
    ...(item.run ? [['run', item.step ? `${item.run}, step ${item.step}` : item.run] as [string, string]] : []),
    ...(item.agent ? [['agent', item.agent] as [string, string]] : []),
    ['waiting', formatAge(now - item.since)],
  ]);
  const body =
    detail.kind === 'plan'
      ? planText(detail)
      : detail.kind === 'question'
        ? questionText(detail.request, detail.input)
        : detail.kind === 'review'
          ? reviewText(detail)
          : detail.kind === 'learnings'
            ? detail.markdown.trimEnd()
            : approvalText(detail.approval, now);
  print([header, body, nextSteps(host, item)].join('\n\n'));
}

const DONE: Record<InboxDecision, string> = { approve: 'approved', reject: 'rejected', answer: 'answered' };

async function decide(ctx: CliContext, ref: string | undefined, decision: InboxDecision, text: string | undefined): Promise<void> {
  const { host, id } = parseRef(ref, 'ITEM');
  const { item, settled } = await (await runLane(ctx, host)).peer.request('inbox.decide', { item: id, decision, text });
  if (ctx.json) printJson({ host, decision, item, settled });
  else if (!settled) print(`${host}/${item.id}: your approval is recorded; it still waits for another reviewer (${cell(item.summary)})`);
  else print(`${host}/${item.id}: ${DONE[decision]} (${cell(item.summary)})`);
}

/**
 * `approve HOST/ITEM [--note TEXT]` (--reason: the older name, kept for scripts); learnings (ln-…) as proposed, or
 * as edited: `--file edited.md` or `--edit` (learningsEdit.ts).
 */
export async function approve(ctx: CliContext, argv: string[]): Promise<void> {
  const options = { note: { type: 'string' }, reason: { type: 'string' }, file: { type: 'string' }, edit: { type: 'boolean' } } as const;
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck approve HOST/ITEM [--note TEXT] | HOST/ln-… [--file edited.md | --edit]');
  const note = values.note ?? values.reason;
  const learnings = parseRef(positionals[0], 'ITEM').id.startsWith('ln-');
  if (learnings && note !== undefined) throw new UsageError('learnings take no --note: approve them as proposed, or edited with --file or --edit');
  if (values.file === undefined && !values.edit) return decide(ctx, positionals[0], 'approve', note);
  const edit = await editedLearnings(ctx, positionals[0]!, { file: values.file, edit: values.edit === true });
  await decide(ctx, positionals[0], 'approve', edit.text).catch((error: unknown) => {
    throw edit.refused(error);
  });
  edit.taken();
}

/** `reject HOST/ITEM --feedback TEXT` (--reason: the older name): the feedback goes back to the agent or planner. */
export async function reject(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { feedback: { type: 'string' }, reason: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck reject HOST/ITEM --feedback TEXT');
  const feedback = values.feedback ?? values.reason;
  if (!feedback?.trim()) throw new UsageError('reject needs --feedback TEXT: say what should change');
  await decide(ctx, positionals[0], 'reject', feedback);
}

/** `answer HOST/ITEM TEXT...`: the words after the item are the answer (quote them or not). */
export async function answer(ctx: CliContext, argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const text = positionals.slice(1).join(' ');
  if (positionals.length < 2 || !text.trim()) throw new UsageError('usage: flightdeck answer HOST/ITEM TEXT');
  await decide(ctx, positionals[0], 'answer', text);
}

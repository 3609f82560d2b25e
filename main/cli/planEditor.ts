import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Plan } from '../../common/protocol/plan';
import type { Lane } from '../fleet/lane';
import { errorMessage } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import { print, printJson, UsageError, type CliContext } from './context';
import { runEditor } from './editor';
import { parseRef } from './runArgs';
import { runLane } from './runLane';

/** "line 5, column 3" for a JSON.parse error: newer V8 says it, older V8 only gives the position. */
function jsonErrorPlace(text: string, message: string): string | null {
  const said = /line (\d+) column (\d+)/.exec(message);
  if (said) return `line ${said[1]}, column ${said[2]}`;
  const position = /at position (\d+)/.exec(message);
  if (!position) return null;
  const before = text.slice(0, Number(position[1])).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** A plan file's text as a Plan; errors name `source` and, for broken JSON, the line and column. */
export function parsePlanText(text: string, source: string): Plan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = errorMessage(error);
    const place = jsonErrorPlace(text, message);
    throw new Error(`${source}: not valid JSON${place ? ` at ${place}` : ''}: ${message}`);
  }
  const plan = Plan.safeParse(json);
  if (!plan.success) throw new Error(`${source}: not a valid plan: ${describeZodIssues(plan.error)}`);
  return plan.data;
}

/** A plan to send, from the user's file or from a temp file the editor wrote (removed once the host took it). */
interface PlanEdit {
  plan: Plan;
  file: string;
  tempDir?: string;
}

/** An edit that could not be used: where it is kept, and how to send it once fixed. */
function keptEdit(error: unknown, file: string, ref: string): Error {
  return new Error(`${errorMessage(error)}\nyour edit is kept in ${file}: fix it, then run flightdeck plan edit ${ref} --file ${file}`);
}

/**
 * The newest plan version opened in the user's editor, from a private temp file. Null when nothing changed (the file
 * is removed); otherwise the edited plan and its temp dir, for the caller to remove once the host took it: until then
 * the file stays, so a mistake never loses an edit.
 */
function editInEditor(plan: Plan, name: string, ref: string): PlanEdit | null {
  const tempDir = mkdtempSync(join(tmpdir(), 'flightdeck-plan-'));
  const file = join(tempDir, `${name}.json`);
  const original = `${JSON.stringify(plan, null, 2)}\n`;
  writeFileSync(file, original, { mode: 0o600 });
  runEditor(file, 'the plan');
  let edited: Plan;
  try {
    edited = parsePlanText(readFileSync(file, 'utf8'), file);
  } catch (error) {
    throw keptEdit(error, file, ref);
  }
  // Reformatting alone is no edit: compare the content.
  if (JSON.stringify(edited) === JSON.stringify(plan)) {
    rmSync(tempDir, { recursive: true, force: true });
    return null;
  }
  return { plan: edited, file, tempDir };
}

/** The run's newest plan version, edited; null when left unchanged. */
async function editNewest(lane: Lane, ref: string, run: string): Promise<PlanEdit | null> {
  const { plans } = await lane.peer.request('run.show', { run });
  const newest = plans.at(-1);
  if (!newest) throw new Error(`${ref} has no plan yet: its planner has not submitted one`);
  return editInEditor(newest.plan, `${run}-v${newest.version}`, ref);
}

/**
 * `plan edit HOST/RUN [--file plan.json] [--note TEXT]`: a new plan version from a file, or from the newest version
 * edited in $VISUAL/$EDITOR. The host validates it like a planner's submission (PlanInvalid lists every problem); the
 * new version still needs an approval.
 */
export async function planEdit(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { file: { type: 'string' }, note: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck plan edit HOST/RUN [--file plan.json] [--note TEXT] [--json]');
  const ref = positionals[0]!;
  const { host, id } = parseRef(ref, 'RUN');
  const lane = await runLane(ctx, host);

  const edit = values.file
    ? { plan: parsePlanText(readFileSync(values.file, 'utf8'), values.file), file: values.file }
    : await editNewest(lane, ref, id);
  if (!edit) return print('no changes');

  const { version } = await lane.peer.request('plan.edit', { run: id, plan: edit.plan, note: values.note }).catch((error: unknown) => {
    // A file the user named is theirs already; an edit in a temp file must not vanish with the error.
    throw edit.tempDir ? keptEdit(error, edit.file, ref) : error;
  });
  if (edit.tempDir) rmSync(edit.tempDir, { recursive: true, force: true });
  if (ctx.json) printJson({ host, run: id, version });
  else print(`${ref}: plan v${version.version} (awaiting approval)`);
}

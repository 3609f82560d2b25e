import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLearningsMarkdown } from '../../common/learnings/learningsMarkdown';
import { errorMessage } from '../../common/wire/errors';
import { UsageError, type CliContext } from './context';
import { runEditor } from './editor';
import { parseRef } from './runArgs';
import { runLane } from './runLane';

/** An edited list of learnings to approve: its text, and what to do once the host took it or refused it. */
export interface LearningsEdit {
  text: string;
  /** The host took it: a temp file goes. */
  taken(): void;
  /** The host refused it: the error, saying where the edit is kept. */
  refused(error: unknown): Error;
}

/**
 * `approve HOST/ln-… --file edited.md | --edit`: the learnings list from the user's file, or the proposal opened in
 * $VISUAL/$EDITOR (a private temp file, kept until the host took it, so a mistake never loses an edit). The list is
 * read back here first, as strictly as the host reads it, so a problem names its line before anything is sent.
 */
export async function editedLearnings(ctx: CliContext, ref: string, options: { file?: string; edit: boolean }): Promise<LearningsEdit> {
  const { host, id } = parseRef(ref, 'ITEM');
  if (!id.startsWith('ln-')) throw new UsageError(`--file and --edit approve an edited list of learnings (ln-…); ${id} is not one`);
  if (options.file !== undefined && options.edit) throw new UsageError('give --file or --edit, not both');
  if (options.file !== undefined) {
    const text = readFileSync(options.file, 'utf8');
    try {
      parseLearningsMarkdown(text);
    } catch (error) {
      throw new Error(`${options.file}: ${errorMessage(error)}`);
    }
    return { text, taken: () => undefined, refused: (error) => (error instanceof Error ? error : new Error(String(error))) };
  }
  const { detail } = await (await runLane(ctx, host)).peer.request('inbox.show', { item: id });
  if (detail.kind !== 'learnings') throw new UsageError(`${ref} is a ${detail.kind}, not learnings`);
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-learnings-'));
  const file = join(dir, `${id}.md`);
  writeFileSync(file, detail.markdown, { mode: 0o600 });
  runEditor(file, 'the learnings');
  const kept = (error: unknown) => new Error(`${errorMessage(error)}\nyour edit is kept in ${file}: fix it, then run flightdeck approve ${ref} --file ${file}`);
  const text = readFileSync(file, 'utf8');
  try {
    parseLearningsMarkdown(text);
  } catch (error) {
    throw kept(error);
  }
  return { text, taken: () => rmSync(dir, { recursive: true, force: true }), refused: kept };
}

import { LEARNINGS_DOC, parseEntries, renderEntries, unionEntries } from '../../common/context/entries';
import { LEARNINGS_FILE, RUNBOOKS_DIR } from '../../common/context/layout';
import { learningEntries } from '../../common/context/learningEntries';
import { runFiles } from '../../common/context/runFiles';
import type { RunRecord } from '../../common/protocol/runRecord';
import type { RunRunbook } from '../../common/protocol/runs';
import { appendLearnings, runbookLearningLine } from '../runbooks/appendLearnings';

/** Reads a file at the head the commit builds on; null when it has none. */
export type ReadAtHead = (path: string) => Promise<string | null>;

/**
 * Where a run's runbook lives in its repo: a repo runbook's own file; a built-in's copy at
 * `.flightdeck/runbooks/<name>.md`, which from then on overrides the built-in of that name in this repo.
 */
export function repoRunbookPath(runbook: RunRunbook): string {
  return runbook.source === 'repo' ? runbook.file : `${RUNBOOKS_DIR}/${runbook.name}.md`;
}

/**
 * The files of one commit for a round's accepted learnings, from the run's record (which has them): the run's
 * record files again (now with the retrospective's prompt and the learnings), the runbook with its learnings
 * appended under `## Learnings` (a built-in copied first), and learnings.md with the repo's learnings as entries.
 * Built again after a crash, it gives the same files: nothing is added twice.
 */
export async function learningsFiles(record: RunRecord, round: number, read: ReadAtHead): Promise<Map<string, string>> {
  const { run } = record;
  const accepted = record.learnings.filter((learning) => learning.round === round);
  const files = runFiles(record);
  const lines = accepted.filter((learning) => learning.appliesTo === 'runbook').map((learning) => runbookLearningLine({ ...learning, run: run.id }));
  if (lines.length > 0) {
    const path = repoRunbookPath(run.runbook);
    files.set(path, appendLearnings((await read(path)) ?? record.runbookText, lines));
  }
  if (accepted.some((learning) => learning.appliesTo === 'repo')) {
    const existing = parseEntries((await read(LEARNINGS_FILE)) ?? '').entries;
    files.set(LEARNINGS_FILE, renderEntries(LEARNINGS_DOC, unionEntries(existing, learningEntries([record]))));
  }
  return files;
}

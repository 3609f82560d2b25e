import type { RunRecord } from '../protocol/runRecord';
import type { ContextEntry } from './entries';
import { utcMinute } from './runFiles';

/**
 * learnings.md's entries from runs (LEARNINGS_DOC), one per accepted learning, kept by `<run>/<learning id>` so syncs
 * merge by id. On a run's branch only the repo's learnings (a runbook's go into its `## Learnings`); on the context
 * branch every learning, the runbook's marked as such: it is the whole record of what runs taught.
 */
export function learningEntries(records: readonly RunRecord[], scope: 'repo' | 'all' = 'repo'): ContextEntry[] {
  return records.flatMap(({ run, learnings }) =>
    learnings
      .filter((learning) => scope === 'all' || learning.appliesTo === 'repo')
      .map((learning) => ({
        id: `${run.id}/${learning.id}`,
        time: learning.acceptedAt,
        body: [
          learning.appliesTo === 'runbook' ? `${learning.text} _(for runbook ${run.runbook.name})_` : learning.text,
          '',
          `_Run ${run.id} (runbook ${run.runbook.name}, repo ${run.repo}), retrospective round ${learning.round} · accepted by ${learning.acceptedBy} at ${utcMinute(learning.acceptedAt)}_`,
        ].join('\n'),
      })),
  );
}

import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../protocol/runRecord';
import { learningEntries } from './learningEntries';

const T = Date.UTC(2026, 11, 1, 12, 0);

function record(): RunRecord {
  return {
    run: { id: 'r-abc123', runbook: { name: 'add-feature' }, repo: 'app' },
    learnings: [
      { id: 'ln-r-abc123-1-1', appliesTo: 'runbook', text: 'Name flags FLAG_*.', acceptedBy: 'person:alice', acceptedAt: T, round: 1 },
      { id: 'ln-r-abc123-1-2', appliesTo: 'repo', text: 'Run npm test before committing.', acceptedBy: 'person:alice', acceptedAt: T + 1, round: 1 },
    ],
  } as unknown as RunRecord;
}

describe('learningEntries', () => {
  it("gives a run's branch the repo's learnings only, and the context branch every learning with its scope", () => {
    expect(learningEntries([record()]).map((entry) => entry.id)).toEqual(['r-abc123/ln-r-abc123-1-2']);
    const all = learningEntries([record()], 'all');
    expect(all.map((entry) => entry.id)).toEqual(['r-abc123/ln-r-abc123-1-1', 'r-abc123/ln-r-abc123-1-2']);
    expect(all[0]!.body).toContain('Name flags FLAG_*. _(for runbook add-feature)_');
    expect(all[1]!.body).toContain('accepted by person:alice at 2026-12-01 12:00 UTC');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../journal/database';
import { LearningStore } from './learningStore';

let dir: string;
let db: Db;
let store: LearningStore;
const WHERE = { runbook: 'add-feature', repo: 'app' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-learnings-'));
  db = openDatabase(join(dir, 'host.db'));
  store = new LearningStore(db);
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('LearningStore', () => {
  it('numbers the rounds of a run and keeps each one through proposal and decision', () => {
    const first = store.begin('r-abc123', 'the run is done', (round) => `r-abc123-retro-${round}`, 'running', null);
    expect(first).toMatchObject({ round: 1, agent: 'r-abc123-retro-1', state: 'running', proposals: [] });
    store.propose('r-abc123', 1, [{ text: 'Lint first.', applies_to: 'runbook', evidence: 'ck-1' }]);
    expect(store.ofAgent('r-abc123-retro-1')).toMatchObject({ state: 'proposed', proposals: [{ text: 'Lint first.', applies_to: 'runbook', evidence: 'ck-1' }] });
    expect(store.inState('proposed').map((retro) => retro.round)).toEqual([1]);
    store.reject('r-abc123', 1, 'person:alice', 'Too vague.');
    expect(store.round('r-abc123', 1)).toMatchObject({ state: 'rejected', note: 'Too vague.', decidedBy: 'person:alice' });
    const second = store.begin('r-abc123', 'review rework', () => null, 'skipped', 'no evidence');
    expect(second).toMatchObject({ round: 2, agent: null, state: 'skipped', note: 'no evidence' });
    // Ending touches only a round still running.
    store.end('r-abc123', 2, 'late');
    expect(store.round('r-abc123', 2)!.note).toBe('no evidence');
  });

  it('stores accepted learnings pending their commit, and gives a later run of the runbook or the repo what applies to it', () => {
    const retro = store.begin('r-abc123', 'the run is done', () => 'r-abc123-retro', 'running', null);
    const accepted = store.accept(retro, WHERE, [
      { applies_to: 'runbook', text: 'Lint first.' },
      { applies_to: 'repo', text: 'Tests live in test/.' },
    ], 'person:alice');
    expect(accepted.map((learning) => [learning.id, learning.appliesTo, learning.commit])).toEqual([
      ['ln-r-abc123-1-1', 'runbook', null],
      ['ln-r-abc123-1-2', 'repo', null],
    ]);
    expect(store.round('r-abc123', 1)).toMatchObject({ state: 'accepted', decidedBy: 'person:alice' });
    expect(store.uncommitted()).toEqual([{ run: 'r-abc123', round: 1 }]);
    store.committed('r-abc123', 1, 'c'.repeat(40));
    expect(store.uncommitted()).toEqual([]);
    expect(store.ofRound('r-abc123', 1).map((learning) => learning.commit)).toEqual(['c'.repeat(40), 'c'.repeat(40)]);
    expect(store.ofRun('r-abc123')).toEqual([
      { id: 'ln-r-abc123-1-1', appliesTo: 'runbook', text: 'Lint first.', acceptedBy: 'person:alice', acceptedAt: expect.any(Number), round: 1 },
      { id: 'ln-r-abc123-1-2', appliesTo: 'repo', text: 'Tests live in test/.', acceptedBy: 'person:alice', acceptedAt: expect.any(Number), round: 1 },
    ]);

    const other = store.begin('r-def456', 'the run is done', () => 'r-def456-retro', 'running', null);
    store.accept(other, { runbook: 'fix-failing-tests', repo: 'app' }, [
      { applies_to: 'runbook', text: 'Reproduce first.' },
      { applies_to: 'repo', text: 'CI runs on node 22.' },
    ], 'person:bob');
    const elsewhere = store.begin('r-aaa111', 'the run is done', () => 'r-aaa111-retro', 'running', null);
    store.accept(elsewhere, { runbook: 'add-feature', repo: 'web' }, [{ applies_to: 'runbook', text: 'Another repo.' }], 'person:bob');
    expect(store.accepted('add-feature', 'app').map((learning) => learning.text)).toEqual(['Lint first.', 'Tests live in test/.', 'CI runs on node 22.']);
  });

  it('keeps everything across a reopening of the database (a daemon restart)', () => {
    const retro = store.begin('r-abc123', 'the run is done', () => 'r-abc123-retro', 'running', null);
    store.accept(retro, WHERE, [{ applies_to: 'repo', text: 'Tests live in test/.' }], 'person:alice');
    db.close();
    db = openDatabase(join(dir, 'host.db'));
    store = new LearningStore(db);
    expect(store.uncommitted()).toEqual([{ run: 'r-abc123', round: 1 }]);
    expect(store.round('r-abc123', 1)!.state).toBe('accepted');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import type { Actor } from '../sessions/sessionManager';
import { PullRequestStore, type ReviewRound } from './pullRequestStore';
import { ReviewInbox } from './reviewInbox';

const RUN = 'r-abc123';
const ANA: Actor = { actor: 'person:ana', data: { verified: true } };
let dir: string;
let db: Db;
let pulls: PullRequestStore;
let inbox: ReviewInbox;
let reworked: [number, string][];
let changes: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-review-inbox-'));
  db = openDatabase(join(dir, 'host.db'));
  pulls = new PullRequestStore(db);
  reworked = [];
  changes = 0;
  inbox = new ReviewInbox({
    pulls,
    audit: new AuditLog(db),
    busy: (run) => pulls.rounds({ run, status: ['reworking'] }).length > 0,
    rework: async (round: ReviewRound, by: Actor) => {
      reworked.push([round.round, by.actor]);
      pulls.updateRound(round.run, round.round, { status: 'reworking', agent: `${round.run}-rework-${round.round}` });
    },
  });
  inbox.changes.on(() => changes++);
  pulls.set(RUN, { url: 'https://github.example.com/acme/app/pull/4', number: 4, branch: `flightdeck-run/${RUN}`, pushedCommit: 'c'.repeat(40), state: 'open', note: null });
  pulls.addFeedback(
    RUN,
    [
      { id: 'review-comment:7', kind: 'review-comment', author: 'alice', body: 'Name it --verbose.', path: 'cli.ts', line: 3, thread: '7', url: 'https://github.example.com/x#r7', createdAt: '2026-01-01T00:00:01Z' },
      { id: 'comment:2', kind: 'comment', author: 'bob', body: 'And document it.', url: 'https://github.example.com/x#c2', createdAt: '2026-01-01T00:00:02Z' },
    ],
    'cursor',
  );
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown> | undefined): Promise<WireError> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WireError)) throw new Error(`expected a WireError, got ${String(error)}`);
  return error;
}

const audited = () => (db.prepare('SELECT actor, action, data FROM audit ORDER BY seq').all() as { actor: string; action: string; data: string }[]).map((row) => [row.actor, row.action, JSON.parse(row.data)]);

describe('ReviewInbox', () => {
  it('lists a round as one review item and shows its comments', () => {
    expect(inbox.items()).toEqual([{ id: `rv-${RUN}-1`, kind: 'review', run: RUN, step: null, agent: null, summary: '2 review comments on PR #4', since: expect.any(Number) }]);
    expect(inbox.show(`rv-${RUN}-1`)).toEqual({
      kind: 'review',
      run: RUN,
      pullRequest: pulls.info(RUN),
      round: 1,
      comments: [
        expect.objectContaining({ id: 'review-comment:7', author: 'alice', path: 'cli.ts', line: 3, replyUrl: null }),
        expect.objectContaining({ id: 'comment:2', author: 'bob', path: null, line: null }),
      ],
    });
    expect(inbox.show(`rv-${RUN}-2`)).toBeUndefined();
    expect(inbox.show('ck-12345678')).toBeUndefined();
    expect(inbox.decide('ck-12345678', 'approve', undefined, ANA)).toBeUndefined();
  });

  it('approve starts the rework, audited as the person; the item says who reworks it and refuses another decision', async () => {
    expect(await inbox.decide(`rv-${RUN}-1`, 'approve', 'go', ANA)).toBe(true);

    expect(reworked).toEqual([[1, 'person:ana']]);
    expect(audited()).toEqual([['person:ana', 'review.approve', { verified: true, item: `rv-${RUN}-1`, round: 1, note: 'go' }]]);
    expect(inbox.items()[0]).toMatchObject({ agent: `${RUN}-rework-1`, summary: `2 review comments on PR #4 (being reworked by ${RUN}-rework-1)` });
    const again = await refusal(inbox.decide(`rv-${RUN}-1`, 'reject', 'no', ANA));
    expect(again.code).toBe(WireErrorCode.RunState);
    expect(again.message).toBe(`rv-${RUN}-1 is being reworked by ${RUN}-rework-1: it settles once the rework is pushed and answered`);
  });

  it('reject --feedback dismisses it, recorded; a rejection without feedback and an answer are refused', async () => {
    expect((await refusal(inbox.decide(`rv-${RUN}-1`, 'reject', ' ', ANA))).message).toContain('needs --feedback');
    expect((await refusal(inbox.decide(`rv-${RUN}-1`, 'answer', 'x', ANA))).code).toBe(WireErrorCode.InvalidParams);

    expect(await inbox.decide(`rv-${RUN}-1`, 'reject', 'Out of scope for this run.', ANA)).toBe(true);

    expect(inbox.items()).toEqual([]);
    expect(pulls.round(RUN, 1)).toMatchObject({ status: 'dismissed', decidedBy: 'person:ana', decision: 'Out of scope for this run.' });
    expect(audited()).toEqual([['person:ana', 'review.dismiss', { verified: true, item: `rv-${RUN}-1`, round: 1, feedback: 'Out of scope for this run.' }]]);
    expect(changes).toBe(1);
    expect(inbox.decide(`rv-${RUN}-1`, 'approve', undefined, ANA)).toBeUndefined();
  });

  it('keeps a failed rework listed with its reason, and waits with another round while one is reworked', async () => {
    pulls.updateRound(RUN, 1, { status: 'failed', note: 'r-abc123-rework-1 committed nothing' });
    expect(inbox.items()[0]!.summary).toBe('2 review comments on PR #4 (the rework failed: r-abc123-rework-1 committed nothing)');
    pulls.addFeedback(RUN, [{ id: 'comment:3', kind: 'comment', author: 'bob', body: 'Also the README.', url: 'u', createdAt: '2026-01-01T00:00:03Z' }], 'cursor-2');
    await inbox.decide(`rv-${RUN}-1`, 'approve', undefined, ANA);

    const waiting = await refusal(inbox.decide(`rv-${RUN}-2`, 'approve', undefined, ANA));

    expect(waiting.message).toBe(`another round of ${RUN}'s review is being reworked: approve rv-${RUN}-2 once it is pushed`);
    expect(inbox.items().map((item) => item.summary)).toEqual([`2 review comments on PR #4 (being reworked by ${RUN}-rework-1)`, '1 review comment on PR #4']);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ForgeFeedback } from '../forge/forge';
import { openDatabase, type Db } from '../journal/database';
import { PullRequestStore } from './pullRequestStore';

const RUN = 'r-abc123';
let dir: string;
let db: Db;
let pulls: PullRequestStore;

const comment = (id: number, change: Partial<ForgeFeedback> = {}): ForgeFeedback => ({
  id: `review-comment:${id}`,
  kind: 'review-comment',
  author: 'alice',
  body: `comment ${id}`,
  path: 'src/a.ts',
  line: id,
  thread: String(id),
  url: `https://github.example.com/acme/app/pull/1#discussion_r${id}`,
  createdAt: `2026-01-01T00:00:0${id}Z`,
  ...change,
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-pulls-'));
  db = openDatabase(join(dir, 'host.db'));
  pulls = new PullRequestStore(db);
  pulls.set(RUN, { url: 'https://github.example.com/acme/app/pull/1', number: 1, branch: `flightdeck-run/${RUN}`, pushedCommit: 'c'.repeat(40), state: 'open', note: null });
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PullRequestStore', () => {
  it('keeps what RunInfo shows, and polls only the open pull requests not closed on the forge', () => {
    pulls.set('r-def456', { url: null, number: null, branch: 'flightdeck-run/r-def456', pushedCommit: 'd'.repeat(40), state: 'pushed', note: 'no forge' });
    expect(pulls.info(RUN)).toEqual({ url: 'https://github.example.com/acme/app/pull/1', number: 1, branch: `flightdeck-run/${RUN}`, pushedCommit: 'c'.repeat(40), state: 'open', note: null });
    expect(pulls.info('r-000000')).toBeNull();
    expect(pulls.polled().map((pull) => pull.run)).toEqual([RUN]);

    pulls.update(RUN, { closed: true, note: 'merged' });
    expect(pulls.polled()).toEqual([]);
    expect(pulls.info(RUN)?.note).toBe('merged');
  });

  it('stores each item once, whatever the cursor, and makes a round of each batch with something new', () => {
    expect(pulls.addFeedback(RUN, [comment(1), comment(2)], 'cursor-1')).toEqual({ round: 1, items: [comment(1), comment(2)] });
    expect(pulls.get(RUN)?.cursor).toBe('cursor-1');
    // A stale cursor gives the same items again: nothing new, no round, the cursor moves on.
    expect(pulls.addFeedback(RUN, [comment(2)], 'cursor-2')).toBeNull();
    expect(pulls.get(RUN)?.cursor).toBe('cursor-2');
    expect(pulls.addFeedback(RUN, [comment(2), comment(3, { kind: 'comment', id: 'comment:3', path: undefined, line: undefined, thread: undefined })], 'cursor-3')).toMatchObject({
      round: 2,
      items: [{ id: 'comment:3' }],
    });

    expect(pulls.feedback(RUN, 1).map((item) => item.forge)).toEqual([comment(1), comment(2)]);
    expect(pulls.feedback(RUN).map((item) => [item.comment.id, item.round, item.comment.path, item.comment.line])).toEqual([
      ['review-comment:1', 1, 'src/a.ts', 1],
      ['review-comment:2', 1, 'src/a.ts', 2],
      ['comment:3', 2, null, null],
    ]);
    expect(pulls.rounds({ run: RUN }).map((round) => [round.round, round.status])).toEqual([
      [1, 'open'],
      [2, 'open'],
    ]);
  });

  it('follows a round through its rework, and finds it by its agent', () => {
    pulls.addFeedback(RUN, [comment(1)], 'c');
    pulls.updateRound(RUN, 1, { status: 'reworking', agent: `${RUN}-rework-1`, baseCommit: 'e'.repeat(40) });
    expect(pulls.roundOfAgent(`${RUN}-rework-1`)).toMatchObject({ run: RUN, round: 1, status: 'reworking', baseCommit: 'e'.repeat(40) });
    expect(pulls.rounds({ status: ['open'] })).toEqual([]);

    pulls.setReply(RUN, 'review-comment:1', 'https://github.example.com/acme/app/pull/1#discussion_r9');
    pulls.updateRound(RUN, 1, { status: 'done' });
    expect(pulls.feedback(RUN, 1)[0]!.comment.replyUrl).toBe('https://github.example.com/acme/app/pull/1#discussion_r9');
    expect(pulls.rounds({ status: ['done'] }).map((round) => round.round)).toEqual([1]);
    expect(() => pulls.updateRound(RUN, 7, { status: 'done' })).toThrow('has no review round 7');
  });

  it('keeps everything in the database file: a new store (a restarted daemon) reads it back', () => {
    pulls.addFeedback(RUN, [comment(1)], 'cursor-1');
    db.close();
    db = openDatabase(join(dir, 'host.db'));
    const again = new PullRequestStore(db);
    expect(again.get(RUN)).toMatchObject({ cursor: 'cursor-1', state: 'open', closed: false });
    expect(again.feedback(RUN).map((item) => item.forge)).toEqual([comment(1)]);
  });
});
